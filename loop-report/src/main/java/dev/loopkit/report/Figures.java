package dev.loopkit.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Objects;

/**
 * The one number format of Loop's reports: the HTML report, the {@code loop} command's progress line and its
 * summaries all print tokens, money, durations and times through these methods, so a figure reads the same
 * wherever it appears. Locale-independent (a comma groups thousands, a point separates decimals); thread-safe.
 *
 * <pre>{@code
 * Figures.tokens(41200)                        // "41,200"
 * Figures.money(new BigDecimal("0.0421"))      // "$0.0421"   (4 decimals under a dollar)
 * Figures.money(new BigDecimal("12.5"))        // "$12.50"
 * Figures.duration(Duration.ofMillis(14_250))  // "14.3s"     ("850ms", "3m 05s", "1h 02m")
 * Figures.time(instant)                        // "2026-01-01 09:30:05 UTC"
 * }</pre>
 */
public final class Figures {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'",
      Locale.ROOT).withZone(ZoneOffset.UTC);

  private Figures() {}

  /**
   * A count of tokens (or anything), thousands grouped: {@code 41,200}.
   *
   * @param count how many
   * @return the count with its thousands grouped
   */
  public static String tokens(long count) {
    return String.format(Locale.ROOT, "%,d", count);
  }

  /**
   * An amount in US dollars: two decimals from a dollar up, four below it (a model call costs fractions of a
   * cent), rounded half up: {@code $0.0421}, {@code $12.50}.
   *
   * @param usd the amount in US dollars
   * @return the amount, e.g. {@code $0.0421}
   */
  public static String money(BigDecimal usd) {
    Objects.requireNonNull(usd, "usd");
    BigDecimal abs = usd.abs().setScale(4, RoundingMode.HALF_UP);
    return (usd.signum() < 0 ? "-$" : "$")
        + (abs.compareTo(BigDecimal.ONE) < 0 ? abs : abs.setScale(2, RoundingMode.HALF_UP)).toPlainString();
  }

  /**
   * A duration, as precise as a person needs: {@code 850ms} under a second, {@code 14.3s} under a minute,
   * {@code 3m 05s} under an hour, {@code 1h 02m} from an hour up. A negative duration reads as zero.
   *
   * @param d the duration
   * @return the duration, e.g. {@code 14.3s}
   */
  public static String duration(Duration d) {
    Objects.requireNonNull(d, "d");
    long ms = Math.max(0, d.toMillis());
    if (ms < 1000) {
      return ms + "ms";
    }
    long s = ms / 1000;
    if (s < 60) {
      return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%dh %02dm", s / 3600, (s % 3600) / 60);
  }

  /**
   * A point in time, in UTC to the second: {@code 2026-01-01 09:30:05 UTC}.
   *
   * @param at the point in time
   * @return it in UTC, e.g. {@code 2026-01-01 09:30:05 UTC}
   */
  public static String time(Instant at) {
    return TIME.format(Objects.requireNonNull(at, "at"));
  }

  /**
   * A ratio with two decimals: {@code 1.25}.
   *
   * @param value the ratio
   * @return it with two decimals
   */
  public static String ratio(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
