package dev.loopkit.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FiguresTest {
  @Test
  void tokensGroupThousandsWhateverTheLocale() {
    java.util.Locale before = java.util.Locale.getDefault();
    try {
      java.util.Locale.setDefault(java.util.Locale.GERMANY);
      assertEquals("41,200", Figures.tokens(41_200));
      assertEquals("1,234,567", Figures.tokens(1_234_567));
      assertEquals("0", Figures.tokens(0));
    } finally {
      java.util.Locale.setDefault(before);
    }
  }

  @Test
  void moneyHasFourDecimalsUnderADollarAndTwoFromADollarUp() {
    assertEquals("$0.0421", Figures.money(new BigDecimal("0.04213")));
    assertEquals("$0.0000", Figures.money(BigDecimal.ZERO));
    assertEquals("$12.50", Figures.money(new BigDecimal("12.5")));
    assertEquals("$1.00", Figures.money(new BigDecimal("0.99996")));
    assertEquals("-$0.5000", Figures.money(new BigDecimal("-0.5")));
  }

  @Test
  void durationsAreAsPreciseAsAPersonNeeds() {
    assertEquals("850ms", Figures.duration(Duration.ofMillis(850)));
    assertEquals("14.3s", Figures.duration(Duration.ofMillis(14_250)));
    assertEquals("3m 05s", Figures.duration(Duration.ofSeconds(185)));
    assertEquals("1h 02m", Figures.duration(Duration.ofSeconds(3_725)));
    assertEquals("0ms", Figures.duration(Duration.ofMillis(-5)));
  }

  @Test
  void timesAreInUtcToTheSecond() {
    assertEquals("2026-01-01 09:30:05 UTC", Figures.time(Instant.parse("2026-01-01T09:30:05.900Z")));
  }
}
