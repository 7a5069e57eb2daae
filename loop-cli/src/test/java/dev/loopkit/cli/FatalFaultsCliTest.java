package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunHistory;
import dev.loopkit.core.Status;
import dev.loopkit.core.markdown.MarkdownTracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of the harness through {@code loop run}: each fatal class ends the run FAILED at once with no ticket
 * charged (a key the vendor refuses, on a loopback server; a repository that cannot be used; a ticket whose verify
 * expectation is not a regular expression, refused before any attempt), and caps count across three invocations.
 */
class FatalFaultsCliTest {
  @TempDir Path dir;

  private static final String TICKET = "---\nid: T-%d\ntitle: Say yes %d\nmetadata:\n  verify: sh tests/check.sh\n"
      + "  verify-expect: check ok\n---\n\nWrite yes to done.txt.\n";

  private static List<LoopEvent> events(Path project) {
    return RunDirectory.of(project.resolve(".loop/runs/run-001")).events();
  }

  private static long count(List<LoopEvent> events, Class<? extends LoopEvent> type) {
    return events.stream().filter(type::isInstance).count();
  }

  @Test
  void aKeyTheVendorRefusesEndsTheRunAtOnceNamingItWithNoTicketCharged() throws Exception {
    try (MockWebServer vendor = new MockWebServer()) {
      for (int i = 0; i < 9; i++) {
        vendor.enqueue(new MockResponse().setResponseCode(401).setHeader("Content-Type", "application/json")
            .setBody("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid"
                + " x-api-key\"}}"));
      }
      Path p = Cli.tinyProject(dir, "", "", String.format(TICKET, 2, 2), String.format(TICKET, 3, 3));
      String yaml = Files.readString(p.resolve("loop.yaml")).replace("    vendor: scripted\n    model:"
          + " claude-sonnet-4-5\n    transcripts: scripts/worker\n", "    vendor: anthropic\n    model:"
          + " claude-sonnet-4-5\n    base-url: " + vendor.url("/") + "\n");
      Files.writeString(p.resolve("loop.yaml"), yaml + "concurrency: 1\n");

      Cli run = Cli.run(Map.of("ANTHROPIC_API_KEY", "sk-ant-wrong-key-0000", "PATH", "/usr/bin:/bin"), "run",
          p.toString());

      assertEquals(LoopCommand.ERROR, run.exitCode, run.out + run.err);
      assertTrue(run.out.contains("FAILED") && run.out.contains("no ticket was charged"), run.out);
      assertTrue(run.out.contains("AUTHENTICATION") || run.out.contains("invalid x-api-key"), run.out);
      assertEquals(1, vendor.getRequestCount(), "one refused request, not one per ticket and attempt");
      List<LoopEvent> events = events(p);
      assertEquals(0, count(events, LoopEvent.AttemptFailed.class));
      assertEquals(0, count(events, LoopEvent.HumanGated.class));
      MarkdownTracker tracker = MarkdownTracker.open(p.resolve("tickets"));
      for (int i = 1; i <= 3; i++) {
        assertEquals(Status.OPEN, tracker.find("T-" + i).orElseThrow().status());
      }
      assertTrue(!run.out.contains("sk-ant-wrong-key-0000") && !run.err.contains("sk-ant-wrong-key-0000"));
    }
  }

  @Test
  void aRepositoryThatCannotBeUsedEndsTheRunAtOnceWithNoTicketCharged() throws Exception {
    Path p = Cli.tinyProject(dir, Cli.say("nothing"), "concurrency: 1\n", String.format(TICKET, 2, 2));
    Files.writeString(p.resolve("loop.yaml"), Files.readString(p.resolve("loop.yaml")).replace("  init-from: project\n",
        ""));
    Files.createDirectories(p.resolve("work/repo/.git")); // a repository whose git directory is empty: broken

    Cli run = Cli.run(Map.of("PATH", "/usr/bin:/bin"), "run", p.toString());

    assertEquals(LoopCommand.ERROR, run.exitCode, run.out + run.err);
    assertTrue(run.out.contains("FAILED") && run.out.contains("the workspaces cannot be used"), run.out + run.err);
    List<LoopEvent> events = events(p);
    assertEquals(0, count(events, LoopEvent.AttemptFailed.class));
    assertEquals(0, count(events, LoopEvent.HumanGated.class));
    assertEquals(1, count(events, LoopEvent.TicketDispatched.class), "it stopped at the first attempt");
  }

  @Test
  void aTicketWhoseVerifyExpectationIsNoRegexIsRefusedBeforeAnyAttempt() throws Exception {
    Path p = Cli.tinyProject(dir, Cli.say("nothing"), "", "---\nid: T-2\ntitle: Bad\nmetadata:\n"
        + "  verify: sh tests/check.sh\n  verify-expect: 'ok ('\n---\n\nBody.\n");

    Cli run = Cli.run(Map.of("PATH", "/usr/bin:/bin"), "run", p.toString());

    assertEquals(LoopCommand.ERROR, run.exitCode, run.out + run.err);
    assertTrue(run.err.contains("verify-expect 'ok (' in the metadata of ticket T-2 is not usable"), run.err);
    assertTrue(!Files.exists(p.resolve(".loop/runs/run-001/journal.jsonl")) || count(events(p),
        LoopEvent.TicketDispatched.class) == 0, "no attempt started");
  }

  @Test
  void capsCountAcrossThreeInvocations() throws Exception {
    // the worker never succeeds; each pass is one failed attempt; the cap of 2 passes holds over three runs
    Path p = Cli.tinyProject(dir, Cli.say("I did nothing."), "caps:\n  passes: 2\n  attempts-per-ticket: 10\n");

    for (int i = 0; i < 3; i++) {
      Cli run = Cli.run(Map.of("PATH", "/usr/bin:/bin"), "run", p.toString());
      assertEquals(LoopCommand.CAPPED, run.exitCode, "invocation " + (i + 1) + ": " + run.out + run.err);
    }

    RunHistory history = RunDirectory.of(p.resolve(".loop/runs/run-001")).history();
    assertEquals(3, history.sessions(), "one run, continued twice");
    assertEquals(2, history.passes(), "passes count across sessions");
    assertTrue(!Files.exists(p.resolve(".loop/runs/run-002")), "no fresh run with fresh caps");
  }
}
