package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.testing.InMemoryTracker;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchTest {
  @Test
  void theBatchEndsDoneWithEveryTicketVerified(@TempDir Path dir) {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("greet").build(),
        Ticket.builder("T-2").title("greet again").build());
    RunResult result = Batch.run(tracker, dir.resolve("run"), dir.resolve("keys"));
    assertEquals(RunEnding.Kind.DONE, result.ending().kind(), result.ending().describe());
    assertEquals(Status.DONE, tracker.ticket("T-1").status());
    assertEquals(Status.DONE, tracker.ticket("T-2").status());
  }
}
