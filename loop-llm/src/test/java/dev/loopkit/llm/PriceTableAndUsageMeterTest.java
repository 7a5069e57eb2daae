package dev.loopkit.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Usage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PriceTableAndUsageMeterTest {

  @Test
  void aDatedReleaseIsPricedAsItsModelButASiblingModelIsNot() {
    PriceTable table = PriceTable.defaults();

    assertEquals(table.priceOf("claude-sonnet-4-5").orElseThrow(),
        table.priceOf("claude-sonnet-4-5-20250929").orElseThrow());
    assertEquals(table.priceOf("gpt-4.1-mini").orElseThrow(), table.priceOf("gpt-4.1-mini-2025-04-14").orElseThrow());
    assertTrue(table.priceOf("gpt-4.1-mini").orElseThrow().input()
        .compareTo(table.priceOf("gpt-4.1").orElseThrow().input()) < 0);
    assertTrue(table.priceOf("claude-sonnet-4-5x").isEmpty());
    assertTrue(table.priceOf("gpt-5-pro").isEmpty());
    assertEquals(table.priceOf("gpt-4o").orElseThrow(), table.priceOf("gpt-4o-latest").orElseThrow());
  }

  @Test
  void costCountsEachKindOfTokenAtItsOwnPrice() {
    PriceTable.Price price = PriceTable.Price.perMillion(3, 15, 0.30, 3.75);

    BigDecimal cost = price.cost(new Usage(1_000_000, 100_000, 2_000_000, 10_000, BigDecimal.ZERO));

    // 3 + 1.5 + 0.6 + 0.0375
    assertEquals(0, new BigDecimal("5.1375").compareTo(cost), cost.toString());
  }

  @Test
  void overridesReplaceDefaultsAndAFallbackPricesUnknownModels() {
    PriceTable table = PriceTable.defaultsBuilder()
        .price("claude-sonnet-4-5", PriceTable.Price.perMillion(1, 1, 1, 1))
        .fallback(PriceTable.Price.perMillion(10, 10, 10, 10))
        .build();

    Usage priced = table.price("claude-sonnet-4-5", Usage.tokens(1_000_000, 0));
    Usage unknown = table.price("my-local-model", Usage.tokens(1_000_000, 0));

    assertEquals(0, BigDecimal.ONE.compareTo(priced.costUsd()));
    assertEquals(0, BigDecimal.TEN.compareTo(unknown.costUsd()));
    assertTrue(priced.isMetered() && unknown.isMetered());
  }

  @Test
  void aModelWithoutAPriceIsUnmeteredNotFree() {
    Usage unknown = PriceTable.defaults().price("my-local-model", Usage.tokens(1_000_000, 5));

    assertEquals(Usage.unmetered(Usage.tokens(1_000_000, 5)), unknown);
    assertTrue(PriceTable.defaults().withFallback(PriceTable.Price.perMillion(1, 1, 1, 1))
        .price("my-local-model", Usage.tokens(1_000_000, 0)).isMetered());
  }

  @Test
  void aCallerTablePricesAReportedCallItsClientLeftUnpricedButNotAnUnreportedOne() {
    PriceTable table = PriceTable.builder().price("m", PriceTable.Price.perMillion(2, 0, 0, 0)).build();
    ModelResponse unpriced = ModelResponse.builder().model("m")
        .usage(Usage.unmetered(Usage.tokens(1_000_000, 0))).build();
    ModelResponse unreported = unpriced.toBuilder().usageReported(false).build();

    assertEquals(new Usage(1_000_000, 0, 0, 0, new BigDecimal("2")), table.usageOf(unpriced, "m"));
    assertEquals(unreported.usage(), table.usageOf(unreported, "m"));
    assertEquals(unpriced.usage(), table.usageOf(unpriced.toBuilder().model("other").build(), "m"));
  }

  @Test
  void badPricesAreRejectedAtTheSetter() {
    assertThrows(IllegalArgumentException.class, () -> PriceTable.Price.perMillion(-1, 0, 0, 0));
    assertThrows(IllegalArgumentException.class,
        () -> PriceTable.builder().price(" ", PriceTable.Price.perMillion(1, 1, 1, 1)));
  }

  @Test
  void theMeterSumsUsageAcrossThreadsWithoutLosingAny() throws Exception {
    UsageMeter meter = new UsageMeter();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      String model = t % 2 == 0 ? "a" : "b";
      Thread thread = new Thread(() -> {
        for (int i = 0; i < 500; i++) {
          meter.record(model, new Usage(1, 2, 3, 4, new BigDecimal("0.001")));
        }
      });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }

    Usage total = meter.total();
    assertEquals(2000, meter.roundTrips());
    assertEquals(2000, total.inputTokens());
    assertEquals(4000, total.outputTokens());
    assertEquals(6000, total.cacheReadTokens());
    assertEquals(8000, total.cacheWriteTokens());
    assertEquals(0, new BigDecimal("2").compareTo(total.costUsd()));
    assertEquals(1000, meter.byModel().get("a").inputTokens());
  }

  @Test
  void aMeteredClientRecordsEveryResponseSentOrStreamed() {
    ScriptedModelClient scripted = ScriptedModelClient.builder()
        .respond(ModelResponse.builder().addContent(ContentBlock.text("a")).usage(Usage.tokens(10, 5)).build())
        .respond(ModelResponse.builder().addContent(ContentBlock.text("b")).usage(Usage.tokens(7, 3)).build())
        .build();
    UsageMeter meter = new UsageMeter();
    ModelClient client = meter.meter(scripted);

    client.send(WireFixtures.simpleRequest("m"));
    client.stream(WireFixtures.simpleRequest("m"), StreamListener.ignoring());

    assertEquals(2, meter.roundTrips());
    assertEquals(17, meter.total().inputTokens());
    assertEquals(8, meter.byModel().get("m").outputTokens());
    assertEquals("scripted", client.vendor());
  }
}
