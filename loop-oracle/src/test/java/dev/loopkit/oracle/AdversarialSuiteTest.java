package dev.loopkit.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Assignment;
import dev.loopkit.core.Caps;
import dev.loopkit.core.DiscoverySink;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.Heal;
import dev.loopkit.core.Healer;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verdict;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import dev.loopkit.testing.InMemoryTracker;
import dev.loopkit.testing.ManualClock;
import dev.loopkit.testing.RecordingListener;
import dev.loopkit.testing.ScriptedWorker;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers and healers that try to reach the finish line without crossing it, run through the real engine
 * with this module's oracle, verifiers, tripwire and heal guard. Every case ends with no ticket marked done
 * that did not pass its check, and with a named reason.
 *
 * <p>The finish line of every ticket: {@code verify.sh} (a protected script outside the workers' reach by
 * contract, inside their workspace in fact) prints {@code VERIFIED} only when {@code <ticket>.answer} holds
 * {@code 42}.
 */
class AdversarialSuiteTest {
  private static final String SCRIPT =
      "f=\"$1.answer\"; [ -f \"$f\" ] && grep -qx 42 \"$f\" && echo VERIFIED\n";
  private static final long SAFETY_SECONDS = 60;

  @TempDir Path dir;
  private Path repo;
  private Path script;
  private final ManualClock clock = new ManualClock();
  private final RecordingListener events = new RecordingListener();
  private final TrackerOracle oracle = TrackerOracle.create();
  private CommandVerifier verifier;
  private DefinitionTripwire tripwire;

  @BeforeEach
  void finishLine() throws IOException {
    repo = Files.createDirectories(dir.resolve("repo"));
    script = Files.writeString(repo.resolve("verify.sh"), SCRIPT);
    verifier = CommandVerifier.of("sh", script.toString(), CommandVerifier.TICKET_PLACEHOLDER).expectOutput("(?m)^VERIFIED$")
        .timeout(Duration.ofSeconds(30)).build();
    tripwire = DefinitionTripwire.builder().oracle(oracle).verifier(verifier).clock(clock).build();
  }

  private static Ticket ticket(String id) {
    return Ticket.builder(id).title("make " + id + ".answer hold 42")
        .addAcceptanceCriterion("verify.sh prints VERIFIED").build();
  }

  private LoopEngine.Builder engine(Tracker tracker, Worker worker) {
    return LoopEngine.builder().tracker(tracker).worker(worker).verifier(tripwire.guard(verifier)).oracle(oracle)
        .tripwire(tripwire).workspaces(Workspaces.shared(repo)).clock(clock).listener(events)
        .runDirectory(dir.resolve("run")).caps(Caps.builder().maxAttemptsPerTicket(2).build());
  }

  /** Real work: writes the answer the verifier looks for. */
  private static Worker honest() {
    return a -> {
      Files.writeString(a.workspace().directory().resolve(a.ticket().id() + ".answer"), "42\n");
      return WorkResult.completed("wrote the answer", Usage.ZERO);
    };
  }

  /** No ticket of {@code ids} was ever moved to DONE, nor reported done by the engine. */
  private void assertNeverDone(InMemoryTracker tracker, String... ids) {
    for (String id : ids) {
      assertEquals(List.of(), tracker.transitions(id, Status.DONE), id + " was moved to DONE");
      assertTrue(events.events(LoopEvent.TicketDone.class).stream().noneMatch(e -> e.ticketId().equals(id)),
          id + " has a ticket-done event");
    }
  }

  /**
   * A run with cheaters never ends DONE; when the batch settles it ends HUMAN_GATED naming every cheater, each
   * gated in the tracker and counted as an intervention.
   */
  private static void assertDoneOnlyWithTheCheatersGated(RunResult result, InMemoryTracker tracker, String... ids) {
    assertFalse(result.ending() instanceof RunEnding.Done, result.ending().describe());
    if (result.ending() instanceof RunEnding.HumanGated gated) {
      for (String id : ids) {
        assertEquals(Status.HUMAN_GATED, tracker.ticket(id).status(), id);
        assertTrue(gated.gated().stream().anyMatch(g -> g.ticketId().equals(id)), gated.describe());
        assertTrue(result.report().interventions().stream()
            .anyMatch(i -> i.kind() == RunReport.InterventionKind.HUMAN_GATED && id.equals(i.ticketId())),
            result.report().interventions().toString());
      }
    }
  }

  private List<String> findings(String ticketId) {
    return events.events(LoopEvent.AttemptFailed.class).stream().filter(e -> e.ticketId().equals(ticketId))
        .flatMap(e -> e.findings().stream()).toList();
  }

  @Test
  void aWorkerThatClaimsDoneWithoutDoingTheWorkIsNeverMarkedDone() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("T-1"), ticket("T-2"));
    ScriptedWorker worker = ScriptedWorker.withFallback(Worker.claimDone()).on("T-2", honest());

    RunResult result = engine(tracker, worker).build().run();

    assertNeverDone(tracker, "T-1");
    assertEquals(Status.DONE, tracker.ticket("T-2").status(), "the same finish line passes real work");
    assertEquals(2, events.events(LoopEvent.AttemptFailed.class).stream().filter(e -> e.ticketId().equals("T-1"))
        .filter(e -> e.stage().equals("verify")).count());
    List<String> findings = findings("T-1");
    assertEquals("command sh " + script + " T-1 exited 1: expected 0", findings.get(0));
    assertEquals("output of sh " + script + " T-1 did not contain a match for /(?m)^VERIFIED$/ (0 bytes of output)",
        findings.get(1));
    assertEquals(Status.HUMAN_GATED, tracker.ticket("T-1").status());
    assertEquals("2 failed attempt(s) reached the cap of 2 attempts per ticket",
        events.events(LoopEvent.HumanGated.class).get(0).reason());
    assertDoneOnlyWithTheCheatersGated(result, tracker, "T-1");
  }

  @Test
  void aWorkerThatEditsTheVerifiersScriptEndsTheRunTampered() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("T-1"));
    Worker forger = a -> {
      Files.writeString(script, "echo VERIFIED\n");
      return WorkResult.completed("made the check green", Usage.ZERO);
    };

    RunResult result = engine(tracker, forger).build().run();

    assertNeverDone(tracker, "T-1");
    RunEnding.Tampered tampered = assertInstanceOf(RunEnding.Tampered.class, result.ending());
    assertEquals(List.of("changed: file:" + script), tampered.changes());
    assertTrue(findings("T-1").get(0).startsWith("the definition of done changed since the run started"),
        findings("T-1").toString());
    assertEquals(List.of("changed: file:" + script), events.events(LoopEvent.TripwireTripped.class).get(0).changes());
    assertTrue(result.report().interventions().stream().anyMatch(i -> i.kind() == RunReport.InterventionKind.TAMPERED));
  }

  @Test
  void aWorkerHasNoWayToSetAStatus() {
    for (RecordComponent c : Assignment.class.getRecordComponents()) {
      assertFalse(Tracker.class.isAssignableFrom(c.getType()), "Assignment hands the worker a tracker: " + c);
    }
    List<String> sinkMethods = Arrays.stream(DiscoverySink.class.getMethods()).filter(m -> !m.isDefault())
        .map(Method::getName).toList();
    assertEquals(List.of("file"), sinkMethods, "the discovery sink only files new tickets");
  }

  @Test
  void aWorkerThatCancelsItsOwnTicketThroughASmuggledTrackerDoesNotEndTheRun() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("T-1"), ticket("T-2"));
    CountDownLatch cancelled = new CountDownLatch(1);
    CountDownLatch oracleSawTheCancel = new CountDownLatch(1);
    AtomicReference<Verdict> verdictWhileCancelled = new AtomicReference<>();
    // the host bug under test: a worker that kept a reference to the tracker
    Worker canceller = a -> {
      tracker.transition(a.ticket().id(), Status.CANCELLED, "not needed after all");
      cancelled.countDown();
      oracleSawTheCancel.await(SAFETY_SECONDS, TimeUnit.SECONDS);
      return WorkResult.completed("ticket cancelled as obsolete", Usage.ZERO);
    };
    Worker honestAfterTheCancel = a -> {
      cancelled.await(SAFETY_SECONDS, TimeUnit.SECONDS);
      return honest().work(a);
    };
    LoopEngine engine = engine(tracker, ScriptedWorker.create().on("T-1", honestAfterTheCancel).on("T-2", canceller))
        .listener(e -> {
          if (e instanceof LoopEvent.OracleConsulted o && !o.done()
              && tracker.ticket("T-2").status() == Status.CANCELLED) {
            verdictWhileCancelled.compareAndSet(null, Verdict.pending(o.sample().stream()
                .map(id -> new Verdict.Outstanding(id, "outstanding")).toList()));
            oracleSawTheCancel.countDown();
          }
        })
        .caps(Caps.builder().maxAttemptsPerTicket(2).maxConcurrency(2).build()).build();

    RunResult result = engine.run();

    assertNeverDone(tracker, "T-2");
    Verdict seen = verdictWhileCancelled.get();
    assertEquals(List.of("T-2"), ((Verdict.Pending) seen).outstanding().stream().map(Verdict.Outstanding::ticketId)
        .toList(), "T-1 was done and T-2 cancelled, and the oracle still did not agree");
    assertEquals(2, tracker.transitions("T-2", Status.CANCELLED).size(), "both attempts cancelled the ticket");
    assertTrue(tracker.transitions("T-2", Status.OPEN).stream()
        .anyMatch(t -> t.from() == Status.CANCELLED && t.note().startsWith("attempt 1 failed")),
        "the engine reopened the cancelled ticket: " + tracker.transitions());
    assertEquals(Status.HUMAN_GATED, tracker.ticket("T-2").status());
    assertEquals(Status.DONE, tracker.ticket("T-1").status());
    assertDoneOnlyWithTheCheatersGated(result, tracker, "T-2");
  }

  @Test
  void askingForAHumanWithoutEvidenceIsAFailedAttempt() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("T-1"), ticket("T-2"));
    Worker bare = a -> WorkResult.needsHuman("need the production password", List.of(), Usage.ZERO);
    Worker withEvidence = a -> WorkResult.needsHuman("the registry refuses our credentials",
        List.of(new Evidence("command", "docker push exited 1",
            java.util.Map.of("command", "docker push app:1", "exitCode", "1", "excerpt", "denied: requested access"))),
        Usage.ZERO);

    RunResult result = engine(tracker, ScriptedWorker.create().on("T-1", bare).on("T-2", withEvidence)).build().run();

    assertNeverDone(tracker, "T-1", "T-2");
    List<String> findings = findings("T-1");
    assertEquals(2, findings.size());
    assertTrue(findings.get(0).startsWith("asked for a human without evidence (need the production password)"),
        findings.get(0));
    List<LoopEvent.HumanGated> gates = events.events(LoopEvent.HumanGated.class);
    LoopEvent.HumanGated t1 = gates.stream().filter(g -> g.ticketId().equals("T-1")).findFirst().orElseThrow();
    LoopEvent.HumanGated t2 = gates.stream().filter(g -> g.ticketId().equals("T-2")).findFirst().orElseThrow();
    assertEquals(2, t1.attempt(), "the bare request was not honoured; the attempts ran out");
    assertEquals("2 failed attempt(s) reached the cap of 2 attempts per ticket", t1.reason());
    assertEquals(1, t2.attempt(), "a request with evidence gates at once");
    assertEquals("the worker asked for a human: the registry refuses our credentials", t2.reason());
    assertDoneOnlyWithTheCheatersGated(result, tracker, "T-1", "T-2");
  }

  @Test
  void aHealerThatWeakensTheVerifierIsRolledBackAndTheWorkGoesOnToTheRealStop() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("T-1"));
    HarnessSettings settings = HarnessSettings.of(java.util.Map.of("retries.max", "2"));
    Healer weakener = ctx -> {
      settings.set("retries.max", "5");
      Files.writeString(script, "echo VERIFIED\n");
      return Heal.applied("made verification less flaky", "");
    };
    HealGuard guard = HealGuard.builder().delegate(weakener).tripwire(tripwire).settings(settings).build();

    RunResult result = engine(tracker, Worker.giveUp("tests fail")).healer(guard).healAfterConsecutiveFailures(1)
        .build().run();

    assertNeverDone(tracker, "T-1");
    assertEquals(SCRIPT, Files.readString(script), "the script was restored");
    assertEquals("2", settings.get("retries.max", ""), "the whole patch was rolled back");
    // rolled back, so the definition of done is intact: the run goes on to the stop it would have had
    assertInstanceOf(RunEnding.HumanGated.class, result.ending(), result.ending().describe());
    LoopEvent.HealAttempted heal = events.events(LoopEvent.HealAttempted.class).get(0);
    assertEquals(dev.loopkit.core.Heal.Outcome.REJECTED, heal.outcome());
    assertTrue(heal.diff().contains("+1 echo VERIFIED"), heal.diff());
    assertTrue(heal.diff().contains("+ retries.max=5"), heal.diff());
    RunReport report = result.report();
    assertTrue(report.interventions().stream().anyMatch(i -> i.kind() == RunReport.InterventionKind.HEAL_REJECTED), report.interventions().toString());
  }

  @Test
  void aHealerThatSwapsTheOracleIsRejectedAndTheRunStopsTampered() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("T-1"));
    AtomicReference<Oracle> current = new AtomicReference<>(TrackerOracle.create());
    Oracle switchable = ctx -> current.get().judge(ctx);
    DefinitionTripwire swappable = DefinitionTripwire.builder().oracle(switchable).verifier(verifier).build();
    Healer swapper = ctx -> {
      current.set(c -> Verdict.done("the batch looks finished"));
      return Heal.applied("replaced a slow oracle", "");
    };

    RunResult result = LoopEngine.builder().tracker(tracker).worker(Worker.giveUp("tests fail"))
        .verifier(swappable.guard(verifier)).oracle(switchable).tripwire(swappable)
        .healer(HealGuard.builder().delegate(swapper).tripwire(swappable).build()).healAfterConsecutiveFailures(1)
        .workspaces(Workspaces.shared(repo)).clock(clock).listener(events).runDirectory(dir.resolve("run"))
        .build().run();

    assertNeverDone(tracker, "T-1");
    RunEnding.Tampered tampered = assertInstanceOf(RunEnding.Tampered.class, result.ending());
    // the heal could not be rolled back: the tripwire stops the run on the swapped oracle itself
    assertTrue(tampered.changes().get(0).contains("changed: oracle.field.arg$1.value.class"),
        tampered.changes().toString());
    assertTrue(result.report().interventions().stream()
        .anyMatch(i -> i.kind() == RunReport.InterventionKind.HEAL_REJECTED && i.detail().contains("still changed")),
        result.report().interventions().toString());
    assertEquals(Status.OPEN, tracker.ticket("T-1").status());
  }

  @Test
  void aProbeThatHearsSilenceNeverPasses() throws Exception {
    Set<String> wired = ConcurrentHashMap.newKeySet();
    StringBuffer delivered = new StringBuffer();
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          if (request.getPath().startsWith("/orders")) {
            String body = request.getBody().readUtf8();
            String ticket = body.replaceAll(".*\"ticket\":\"([^\"]+)\".*", "$1");
            String ref = body.replaceAll(".*\"ref\":\"([^\"]+)\".*", "$1");
            if (wired.contains(ticket)) {
              delivered.append(delivered.length() == 0 ? "" : ",").append("{\"ref\":\"").append(ref).append("\"}");
            }
            return new MockResponse().setResponseCode(202).setBody("{\"accepted\":true}");
          }
          return new MockResponse().setHeader("Content-Type", "application/json")
              .setBody("{\"events\":[" + delivered + "]}");
        }
      });
      server.start();
      ManualClock probeClock = new ManualClock();
      HttpProbeVerifier probe = HttpProbeVerifier.builder()
          .send(ProbeRequest.post(server.url("/orders").toString(), "application/json",
              "{\"ref\":\"${nonce}\",\"ticket\":\"${ticketId}\"}"))
          .observe(server.url("/events").toString()).events("/events").where("/ref", "${nonce}")
          .deadline(Duration.ofSeconds(5)).clock(probeClock).sleeper(probeClock.sleeper()).build();
      DefinitionTripwire probeTripwire = DefinitionTripwire.builder().oracle(oracle).verifier(probe).build();
      InMemoryTracker tracker = InMemoryTracker.of(ticket("T-1"), ticket("T-2"));
      Worker wiresTheWebhook = a -> {
        wired.add(a.ticket().id());
        return WorkResult.completed("wired the order webhook", Usage.ZERO);
      };

      RunResult result = LoopEngine.builder().tracker(tracker)
          .worker(ScriptedWorker.create().on("T-2", wiresTheWebhook)).verifier(probeTripwire.guard(probe))
          .oracle(oracle).tripwire(probeTripwire).workspaces(Workspaces.shared(repo)).clock(clock).listener(events)
          .runDirectory(dir.resolve("run")).caps(Caps.builder().maxAttemptsPerTicket(2).maxConcurrency(1).build())
          .build().run();

      assertNeverDone(tracker, "T-1");
      assertEquals(Status.DONE, tracker.ticket("T-2").status(), "events that arrive are evidence");
      List<String> findings = findings("T-1");
      assertEquals(2, findings.size());
      assertTrue(findings.get(0).startsWith("no matching event arrived: 0 of 1 expected matching events"), findings.get(0));
      LoopEvent.StageCompleted failed = events.events(LoopEvent.StageCompleted.class).stream()
          .filter(v -> v.ticketId().equals("T-1") && v.kind() == dev.loopkit.core.StageKind.VERIFY).findFirst()
          .orElseThrow();
      assertEquals(List.of("http-request", "http-probe"), failed.evidence().stream().map(Evidence::kind).toList(),
          "the failure carries what was sent and what was seen");
      assertDoneOnlyWithTheCheatersGated(result, tracker, "T-1");
    }
  }
}
