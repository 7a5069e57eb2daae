package dev.loopkit.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void backoffDoublesUpToTheCap() {
    RetryPolicy policy = RetryPolicy.builder().jitter(0).initialBackoff(Duration.ofMillis(500))
        .maxBackoff(Duration.ofSeconds(8)).build();

    assertEquals(Duration.ofMillis(500), policy.backoff(1));
    assertEquals(Duration.ofSeconds(1), policy.backoff(2));
    assertEquals(Duration.ofSeconds(8), policy.backoff(5));
    assertEquals(Duration.ofSeconds(8), policy.backoff(40));
  }

  @Test
  void jitterOnlyShortensTheBackoffByAtMostItsShare() {
    RetryPolicy policy = RetryPolicy.builder().jitter(0.25).build();

    for (int i = 0; i < 100; i++) {
      Duration d = policy.backoff(2);
      assertTrue(d.toMillis() >= 750 && d.toMillis() <= 1000, d.toString());
    }
  }

  @Test
  void badSettingsFailAtTheSetterOrAtBuildNamingBoth() {
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.builder().maxRetries(-1));
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.builder().jitter(1.5));
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.builder().maxServerWait(Duration.ZERO));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> RetryPolicy.builder()
        .initialBackoff(Duration.ofSeconds(10)).maxBackoff(Duration.ofSeconds(1)).build());
    assertTrue(e.getMessage().contains("initialBackoff") && e.getMessage().contains("maxBackoff"), e.getMessage());
  }

  @Test
  void anInterruptedWaitStopsRetryingAndKeepsTheInterruptFlag() {
    RetryPolicy policy = RetryPolicy.builder().sleeper(d -> {
      throw new InterruptedException("stop");
    }).build();
    ModelException error = ModelException.of(ModelException.Kind.OVERLOADED, "busy");
    int[] calls = {0};

    ModelException thrown = assertThrows(ModelException.class, () -> policy.execute(policy.newRetry("t"), "t",
        () -> {
          calls[0]++;
          throw error;
        }, () -> true));

    assertEquals(error, thrown);
    assertEquals(1, calls[0]);
    assertTrue(Thread.interrupted()); // clears the flag for the next test
  }
}
