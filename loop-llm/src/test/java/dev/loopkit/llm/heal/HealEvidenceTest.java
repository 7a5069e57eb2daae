package dev.loopkit.llm.heal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Batch;
import dev.loopkit.core.HealContext;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HealEvidenceTest {
  @TempDir Path run;

  private static HealContext context(Ticket... tickets) {
    return new HealContext("run-1", HealContext.Reason.STALLED, Batch.of(tickets), List.of(), 0);
  }

  @Test
  void attemptTranscriptsGiveTheTailOfEachOutstandingTicketsLatestAttempt() throws Exception {
    Path dir = Files.createDirectories(run.resolve("transcripts"));
    Files.writeString(dir.resolve("A-attempt-1.jsonl"), "{\"type\":\"start\",\"attempt\":1}\n");
    StringBuilder long2 = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      long2.append("{\"type\":\"message\",\"turn\":").append(i).append("}\n");
    }
    long2.append("{\"type\":\"outcome\",\"describe\":\"capped by TURNS\"}\n");
    Files.writeString(dir.resolve("A-attempt-2.jsonl"), long2);
    Files.writeString(dir.resolve("D-attempt-1.jsonl"), "done ticket's transcript\n");

    List<HealEvidence.Excerpt> excerpts = HealEvidence.attemptTranscripts(run, 1000).gather(context(
        Ticket.builder("A").title("a").build(), Ticket.builder("B").title("b").build(),
        Ticket.builder("D").title("d").status(Status.DONE).build()));

    assertEquals(1, excerpts.size(), "B has no transcript; D is done");
    HealEvidence.Excerpt a = excerpts.get(0);
    assertEquals("transcript/A-attempt-2", a.name());
    assertTrue(a.text().startsWith("[... the start of the transcript is left out ...]\n{\"type\":\"message\""),
        a.text());
    assertTrue(a.text().endsWith("{\"type\":\"outcome\",\"describe\":\"capped by TURNS\"}\n"), a.text());
    assertTrue(a.text().length() <= 1000 + 60, "about the requested size: " + a.text().length());
  }

  @Test
  void aShortTranscriptIsGivenWhole() throws Exception {
    Path dir = Files.createDirectories(run.resolve("transcripts"));
    Files.writeString(dir.resolve("A-attempt-1.jsonl"), "line 1\nline 2\n");

    List<HealEvidence.Excerpt> excerpts = HealEvidence.attemptTranscripts(run, 1000)
        .gather(context(Ticket.builder("A").title("a").build()));

    assertEquals(List.of(HealEvidence.Excerpt.of("transcript/A-attempt-1", "line 1\nline 2\n")), excerpts);
  }

  @Test
  void badNamesAndSizesAreRefused() {
    InputException name = assertThrows(InputException.class, () -> HealEvidence.Excerpt.of("../etc", "x"));
    assertTrue(name.getMessage().startsWith("evidence name '../etc'"), name.getMessage());
    InputException size = assertThrows(InputException.class, () -> HealEvidence.attemptTranscripts(run, 10));
    assertTrue(size.getMessage().contains("transcript excerpt size 10"), size.getMessage());
  }
}
