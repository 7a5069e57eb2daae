package dev.loopkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Caps;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Integration;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.Review;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Stage;
import dev.loopkit.core.StageKind;
import dev.loopkit.core.StageOutcome;
import dev.loopkit.core.StageResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspaces;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hosts compose the attempt's pipeline with their own stages, through the same API the stock stages use. */
class StageApiTest {
  @TempDir Path dir;

  private final RecordingListener events = new RecordingListener();
  private final List<String> order = new CopyOnWriteArrayList<>();

  private LoopEngine.Builder engine(InMemoryTracker tracker) {
    return LoopEngine.builder().tracker(tracker).clock(new ManualClock()).listener(events)
        .runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir))
        .worker(a -> {
          order.add("work");
          return WorkResult.completed("did " + a.ticket().id(), Usage.ZERO);
        })
        .reviewer(r -> {
          order.add("review");
          return Review.approve("fine");
        })
        .integrator(r -> {
          order.add("integrate");
          return Integration.integrated("merged", Map.of("commit", "abc"));
        })
        .verifier(r -> {
          order.add("verify");
          return Verification.passed(Evidence.of("tests", "green"));
        });
  }

  private Stage recording(String name, StageResult result) {
    return context -> {
      order.add(name);
      return result;
    };
  }

  @Test
  void addedStagesRunRightAfterTheirAnchorAndTheirEvidenceIsPartOfDone() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    Stage claimSeen = context -> {
      order.add("second-review");
      return context.claim().equals("did A") ? StageResult.passed("claim read")
          : StageResult.failed("the claim was '" + context.claim() + "'");
    };
    RunResult result = engine(tracker)
        .stage("post-merge-probe", recording("post-merge-probe",
            StageResult.passed("probe ok", List.of(Evidence.of("http-probe", "GET /health 200")))))
        .stageAfter(StageKind.REVIEW, "second-review", claimSeen)
        .stageAfter(StageKind.INTEGRATE, "staging-smoke", recording("staging-smoke", StageResult.passed("up")))
        .build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    assertEquals(List.of("work", "review", "second-review", "integrate", "staging-smoke", "verify",
        "post-merge-probe"), order);
    LoopEvent.TicketDone done = events.events(LoopEvent.TicketDone.class).get(0);
    assertEquals(List.of("tests", "http-probe"), done.evidence().stream().map(Evidence::kind).toList());
    List<String> journaled = events.events(LoopEvent.StageCompleted.class).stream()
        .map(e -> e.kind().wireName() + ":" + e.stage()).toList();
    assertEquals(List.of("workspace:workspace", "work:work", "review:review", "check:second-review",
        "integrate:integrate", "check:staging-smoke", "verify:verify", "check:post-merge-probe"), journaled);
  }

  @Test
  void aFailingAddedStageFailsTheAttemptWithItsFindings() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    RunResult result = engine(tracker)
        .stage("post-merge-probe", recording("probe", StageResult.failed("GET /health answered 503")))
        .caps(Caps.builder().maxAttemptsPerTicket(1).build()).build().run();

    assertInstanceOf(RunEnding.HumanGated.class, result.ending());
    LoopEvent.AttemptFailed failed = events.events(LoopEvent.AttemptFailed.class).get(0);
    assertEquals(StageKind.CHECK, failed.kind());
    assertEquals("post-merge-probe", failed.stage());
    assertEquals(List.of("GET /health answered 503"), failed.findings());
    assertEquals(Status.HUMAN_GATED, tracker.ticket("A").status());
  }

  @Test
  void anAddedStageThatThrowsIsAFailedAttemptNamingIt() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    RunResult result = engine(tracker)
        .stage("probe", context -> {
          throw new IllegalStateException("staging is down");
        })
        .caps(Caps.builder().maxAttemptsPerTicket(1).build()).build().run();

    assertInstanceOf(RunEnding.HumanGated.class, result.ending());
    LoopEvent.StageCompleted probe = events.events(LoopEvent.StageCompleted.class).stream()
        .filter(e -> e.stage().equals("probe")).findFirst().orElseThrow();
    assertEquals(StageOutcome.ERROR, probe.outcome());
    assertTrue(probe.findings().get(0).contains("stage probe threw IllegalStateException: staging is down"),
        probe.findings().toString());
  }

  @Test
  void stageNamesAreCheckedAtTheBuilder() {
    LoopEngine.Builder b = LoopEngine.builder();
    Stage s = context -> StageResult.passed("ok");
    assertThrows(InputException.class, () -> b.stage("Not Valid", s));
    assertThrows(InputException.class, () -> b.stage("verify", s));
    assertThrows(InputException.class, () -> b.stageAfter(StageKind.CHECK, "x", s));
    b.stage("probe", s);
    InputException e = assertThrows(InputException.class, () -> b.stage("probe", s));
    assertTrue(e.getMessage().contains("'probe'"), e.getMessage());
  }

  @Test
  void theReviewerSeesTheTicketsTheAttemptFiledWithTheirProposedFinishLines() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    List<Ticket> seen = new CopyOnWriteArrayList<>();
    RunResult result = engine(tracker)
        .worker(a -> {
          if (a.ticket().id().equals("A")) {
            a.discoveries().file(dev.loopkit.core.NewTicket.builder("Cover the edge case")
                .putMetadata("verify", "sh tests/edge.sh").build(), false);
          }
          return WorkResult.completed("did " + a.ticket().id(), Usage.ZERO);
        })
        .reviewer(r -> {
          if (r.ticket().id().equals("A")) {
            seen.addAll(r.filed());
          }
          return Review.approve("fine");
        })
        .build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    assertEquals(1, seen.size());
    assertEquals("Cover the edge case", seen.get(0).title());
    assertEquals("sh tests/edge.sh", seen.get(0).metadata().get("verify"));
  }
}
