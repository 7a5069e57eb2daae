package dev.loopkit.temporal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Caps;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Sandbox;
import dev.loopkit.testing.InMemoryTracker;
import dev.loopkit.testing.RecordingListener;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the Temporal engine has: payload hygiene, updates, queries, attaching, continue-as-new. */
@SuppressWarnings("try") // hosts started for a block, to answer queries
class TemporalEngineTest {
  @TempDir Path dir;
  private TestWorkflowEnvironment env;
  private final RecordingListener events = new RecordingListener();

  @AfterEach
  void stopServer() {
    if (env != null) {
      env.close();
    }
  }

  private WorkflowClient client(Path payloads) {
    env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder()
        .setWorkflowClientOptions(TemporalConnection.options("default", payloads)).build());
    return env.getWorkflowClient();
  }

  private WorkflowClient client() {
    env = TestWorkflowEnvironment.newInstance();
    return env.getWorkflowClient();
  }

  private Worker writesFile() {
    return a -> {
      Files.writeString(dir.resolve(a.ticket().id() + ".txt"), "done by attempt " + a.attempt());
      return WorkResult.completed("wrote " + a.ticket().id() + ".txt", Usage.tokens(10, 5));
    };
  }

  private Verifier fileExists() {
    return r -> Files.exists(dir.resolve(r.ticket().id() + ".txt"))
        ? Verification.passed(Evidence.of("file", r.ticket().id() + ".txt exists"))
        : Verification.failed(List.of("expected " + r.ticket().id() + ".txt"), List.of());
  }

  private TemporalLoopEngine.Builder engine(WorkflowClient client, InMemoryTracker tracker, Worker worker) {
    return TemporalLoopEngine.builder(client).taskQueue("t").hostId("h1").tracker(tracker).worker(worker)
        .verifier(fileExists()).workspaces(Workspaces.shared(dir)).runDirectory(dir.resolve("run"))
        .listener(events).sandbox(Sandbox.none());
  }

  private static Ticket ticket(String id) {
    return Ticket.builder(id).title("ticket " + id).build();
  }

  private static boolean contains(Stream<HistoryEvent> history, byte[] marker) {
    return history.anyMatch(e -> indexOf(e.toByteArray(), marker) >= 0);
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Test
  void aLongTranscriptNeverEntersTheWorkflowHistories() throws Exception {
    Path payloads = dir.resolve("payloads");
    WorkflowClient client = client(payloads);
    String transcriptLine = "TRANSCRIPT-LINE tool_use read_file src/Parser.java -> 4 KiB of source\n";
    String longSummary = "SUMMARY-BODY ".repeat(12_000); // ~156 KB: over the 64 KiB threshold
    Worker talkative = a -> {
      Path transcript = a.runDirectory().resolve("transcripts").resolve(a.ticket().id() + ".jsonl");
      Files.createDirectories(transcript.getParent());
      Files.writeString(transcript, transcriptLine.repeat(40_000)); // ~2.9 MB, the size that kills histories
      Files.writeString(dir.resolve(a.ticket().id() + ".txt"), "done");
      return WorkResult.completed(longSummary, Usage.tokens(1, 1));
    };
    RunResult result = engine(client, InMemoryTracker.of(ticket("A")), talkative).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    byte[] transcript = "TRANSCRIPT-LINE".getBytes(StandardCharsets.UTF_8);
    byte[] summary = "SUMMARY-BODY SUMMARY-BODY".getBytes(StandardCharsets.UTF_8);
    for (String workflow : List.of("run", "run/A/1")) {
      assertFalse(contains(client.streamHistory(workflow), transcript), "transcript in the history of " + workflow);
      assertFalse(contains(client.streamHistory(workflow), summary), "long summary inline in " + workflow);
      long bytes = client.streamHistory(workflow).mapToLong(e -> e.getSerializedSize()).sum();
      assertTrue(bytes < 64 * 1024, workflow + " history is " + bytes + " bytes");
    }
    try (Stream<Path> stored = Files.list(payloads)) {
      assertTrue(stored.anyMatch(p -> {
        try {
          return indexOf(Files.readAllBytes(p), summary) >= 0;
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }), "the long summary is in the shared payload folder");
    }
    assertTrue(Files.size(dir.resolve("run/transcripts/A.jsonl")) > 2_000_000, "the transcript stays a file");
    LoopEvent.StageCompleted work = events.events(LoopEvent.StageCompleted.class).stream()
        .filter(e -> e.stage().equals("work")).findFirst().orElseThrow();
    assertEquals(longSummary, work.summary(), "the journal has the whole summary, as with LoopEngine");
  }

  @Test
  void aPersonsDecisionArrivesByAValidatedUpdateAndTheStatusQueryAnswers() throws Exception {
    WorkflowClient client = client();
    CountDownLatch decided = new CountDownLatch(1);
    Worker worker = a -> {
      if (a.ticket().id().equals("B")) {
        assertTrue(decided.await(30, TimeUnit.SECONDS), "the test decided A");
        return writesFile().work(a);
      }
      return WorkResult.completed("claims A is done", Usage.ZERO); // A's verifier never passes: gated
    };
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"));
    TemporalLoopEngine engine = engine(client, tracker, worker).decisionsByUpdate(true)
        .caps(Caps.builder().maxAttemptsPerTicket(1).maxConcurrency(2).build()).build();
    CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(engine::run);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (tracker.ticket("A").status() != Status.HUMAN_GATED && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    assertEquals(Status.HUMAN_GATED, tracker.ticket("A").status());
    BatchWorkflow batch = client.newWorkflowStub(BatchWorkflow.class, "run");

    WorkflowUpdateException unknown = assertThrows(WorkflowUpdateException.class,
        () -> batch.decide(new BatchWorkflow.Decision("A", "approve", "looks fine")));
    assertTrue(String.valueOf(unknown.getCause().getMessage()).contains("'approve'"), unknown.getCause().getMessage());
    assertThrows(WorkflowUpdateException.class, () -> batch.decide(new BatchWorkflow.Decision("A B", "done", "x")));
    assertThrows(WorkflowUpdateException.class, () -> batch.decide(new BatchWorkflow.Decision("A", "done", " ")));
    assertEquals("A", batch.decide(new BatchWorkflow.Decision("A", "done", "checked on staging by hand")));
    BatchWorkflow.Status running = batch.status();
    decided.countDown();
    RunResult result = run.get(60, TimeUnit.SECONDS);

    assertEquals(new BatchWorkflow.Status("run", 1, 1, 1, 0, "", ""), running);
    assertInstanceOf(RunEnding.Done.class, result.ending());
    assertEquals(Status.DONE, tracker.ticket("A").status());
    assertTrue(result.report().interventions().stream().anyMatch(i -> i.kind() == RunReport.InterventionKind.DECISION
        && i.detail().contains("checked on staging by hand")), result.report().interventions().toString());
    try (TemporalWorkerHost host = answersQueries(client)) {
      assertEquals("DONE", batch.status().ending(), "a finished batch is queried through any host on its queue");
    }
  }

  /** A worker host on the test's queue: a finished workflow's queries are answered by replaying it on a worker. */
  private TemporalWorkerHost answersQueries(WorkflowClient client) {
    TemporalWorkerHost host = TemporalWorkerHost.builder(client).taskQueue("t").hostId("status").worker(writesFile())
        .verifier(fileExists()).workspaces(Workspaces.shared(dir)).sandbox(Sandbox.none()).build();
    host.start();
    return host;
  }

  @Test
  void aPersonsDecisionCancelsTheAttemptInFlightAndTheCancellationReachesTheWorker() throws Exception {
    WorkflowClient client = client();
    CountDownLatch working = new CountDownLatch(1);
    CompletableFuture<String> stopped = new CompletableFuture<>();
    Worker stubborn = a -> {
      working.countDown();
      try {
        Thread.sleep(60_000); // an agent that would run for a minute
        stopped.complete("ran to the end");
      } catch (InterruptedException e) {
        stopped.complete("interrupted");
        throw e;
      }
      return WorkResult.completed("late", Usage.ZERO);
    };
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(engine(client, tracker, stubborn)
        .decisionsByUpdate(true).stageHeartbeatTimeout(Duration.ofSeconds(1)).build()::run);
    assertTrue(working.await(30, TimeUnit.SECONDS));
    client.newWorkflowStub(BatchWorkflow.class, "run").decide(new BatchWorkflow.Decision("A", "cancelled",
        "the feature was dropped"));

    assertEquals("interrupted", stopped.get(20, TimeUnit.SECONDS), "the cancellation reached the worker's thread");
    RunResult result = run.get(30, TimeUnit.SECONDS);
    assertEquals(Status.CANCELLED, tracker.ticket("A").status());
    assertTrue(result.report().interventions().stream().anyMatch(i -> i.kind() == RunReport.InterventionKind.DECISION),
        result.report().interventions().toString());
    assertTrue(client.streamHistory("run/A/1").anyMatch(e -> e.getEventType()
        == io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED),
        "the coordinator cancelled the attempt's workflow");
  }

  @Test
  void withoutDecisionsByUpdateTheUpdateIsRefusedNamingTheOption() throws Exception {
    WorkflowClient client = client();
    CountDownLatch refused = new CountDownLatch(1);
    Worker waits = a -> {
      assertTrue(refused.await(30, TimeUnit.SECONDS));
      return writesFile().work(a);
    };
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(engine(client, tracker, waits).build()::run);
    while (tracker.ticket("A").status() != Status.IN_PROGRESS) {
      Thread.sleep(20);
    }
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, () -> client.newWorkflowStub(
        BatchWorkflow.class, "run").decide(new BatchWorkflow.Decision("A", "done", "a worker approving itself")));
    refused.countDown();

    assertTrue(String.valueOf(e.getCause().getMessage()).contains("takes no decisions by update"),
        e.getCause().getMessage());
    assertInstanceOf(RunEnding.Done.class, run.get(60, TimeUnit.SECONDS).ending());
    assertEquals(1, tracker.transitions("A", Status.DONE).size(), "done by its own verified attempt");
  }

  @Test
  void aSecondStartAttachesToTheRunningBatchAndSeesTheSameEnding() throws Exception {
    WorkflowClient client = client();
    CountDownLatch attached = new CountDownLatch(1);
    Worker worker = a -> {
      assertTrue(attached.await(30, TimeUnit.SECONDS));
      return writesFile().work(a);
    };
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    CompletableFuture<RunResult> first = CompletableFuture.supplyAsync(engine(client, tracker, worker).build()::run);
    while (tracker.ticket("A").status() != Status.IN_PROGRESS) {
      Thread.sleep(20);
    }
    CompletableFuture<RunResult> second = CompletableFuture.supplyAsync(
        engine(client, tracker, worker).hostId("h2").build()::run);
    Thread.sleep(500); // the second starter has found the running workflow and waits on it
    attached.countDown();

    assertInstanceOf(RunEnding.Done.class, first.get(60, TimeUnit.SECONDS).ending());
    RunResult again = second.get(60, TimeUnit.SECONDS);
    assertInstanceOf(RunEnding.Done.class, again.ending());
    assertEquals(1, tracker.transitions("A", Status.DONE).size(), "one batch, one done");
    assertEquals(1, again.report().sessions(), "no second session was started");
  }

  @Test
  void theBatchContinuesAsNewAndTheRunResumesFromTheJournal() throws Exception {
    WorkflowClient client = client();
    Worker writes = writesFile();
    Worker discoverer = a -> {
      if (a.ticket().id().equals("A") && a.attempt() == 1) {
        a.discoveries().file(NewTicket.builder("a follow-up").build(), false);
        Thread.sleep(3_000); // the workflow continues as new meanwhile: this attempt is interrupted
      }
      return writes.work(a);
    };
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    RunResult result = engine(client, tracker, discoverer).continueAsNewAfterUpdates(1)
        .sessionHeartbeatTimeout(Duration.ofSeconds(1)).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    assertEquals(1, tracker.creations(), "the discovered ticket is filed once");
    try (TemporalWorkerHost host = answersQueries(client)) {
      assertEquals(2, client.newWorkflowStub(BatchWorkflow.class, "run").status().workflowRuns());
    }
    assertEquals(2, result.report().sessions(), "the second run of the workflow resumed the run");
    assertEquals(1, tracker.transitions("A", Status.DONE).size());
    assertTrue(result.report().tickets().stream().anyMatch(t -> t.interruptedAttempts() == 1),
        "the attempt the first session was running is counted as interrupted");
  }

  @Test
  void anAttemptWhoseCoordinatorNeverComesBackEndsOnItsOwn() {
    WorkflowClient client = client();
    env.newWorker("t").registerWorkflowImplementationTypes(dev.loopkit.temporal.internal.AttemptWorkflowImpl.class);
    env.start();
    io.temporal.client.WorkflowStub attempt = client.newUntypedWorkflowStub("LoopAttempt",
        io.temporal.client.WorkflowOptions.newBuilder().setWorkflowId("r/A/1").setTaskQueue("t").build());
    attempt.start(new dev.loopkit.temporal.internal.Wire.AttemptInput("r", "A", 1, "t", 10_000, 60_000));
    attempt.getResult(Void.class); // no stage ever arrives: it ends after the idle time (skipped here)

    assertTrue(client.streamHistory("r/A/1").anyMatch(
        e -> e.getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_FIRED), "ended by its idle timer");
  }

  @Test
  void theWorkStageCannotOutliveTheRunsWallClockByMoreThanAMinute() {
    WorkflowClient client = client();
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    RunResult result = engine(client, tracker, writesFile())
        .caps(Caps.builder().maxWallClock(Duration.ofMinutes(10)).build()).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    List<Duration> timeouts = client.streamHistory("run/A/1")
        .filter(HistoryEvent::hasActivityTaskScheduledEventAttributes)
        .map(e -> e.getActivityTaskScheduledEventAttributes().getStartToCloseTimeout())
        .map(d -> Duration.ofSeconds(d.getSeconds(), d.getNanos())).collect(java.util.stream.Collectors.toList());
    assertTrue(timeouts.size() >= 3, "workspace, work, verify, close: " + timeouts);
    assertEquals(1, timeouts.stream().filter(t -> t.compareTo(Duration.ofMinutes(11)) <= 0
        && t.compareTo(Duration.ofMinutes(10)) > 0).count(), "the work stage: the wall clock left + 1 min: " + timeouts);
    assertTrue(timeouts.stream().filter(t -> t.equals(Duration.ofHours(4))).count() >= 2,
        "the other stages keep the stage timeout: " + timeouts);
  }

  @Test
  void whatTheWorkerReportsReachesTheHeartbeatDetailsOfItsStage() throws Exception {
    WorkflowClient client = client();
    CountDownLatch seen = new CountDownLatch(1);
    AtomicBoolean onStageThread = new AtomicBoolean();
    Worker reporting = a -> {
      onStageThread.set(StageProgress.report("halfway through   the\n test suite"));
      assertTrue(seen.await(30, TimeUnit.SECONDS), "the test saw the progress");
      Files.writeString(dir.resolve(a.ticket().id() + ".txt"), "done");
      return WorkResult.completed("ok", Usage.ZERO);
    };
    assertFalse(StageProgress.report("not on a stage's thread"));
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(engine(client, tracker, reporting)
        .stageHeartbeatTimeout(Duration.ofSeconds(1)).build()::run);
    String details = "";
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!details.contains("halfway") && System.nanoTime() < until) {
      Thread.sleep(100);
      details = pendingHeartbeatDetails("run/A/1");
    }
    seen.countDown();
    assertTrue(onStageThread.get(), "the worker runs on its stage's thread");
    assertTrue(details.contains("\"progress\":\"halfway through the test suite\""), details);
    assertTrue(details.contains("\"stage\":\"work\""), details);
    assertInstanceOf(RunEnding.Done.class, run.get(30, TimeUnit.SECONDS).ending());
  }

  /** The heartbeat details of the attempt's pending activities, as JSON text; empty when there are none yet. */
  private String pendingHeartbeatDetails(String workflowId) {
    try {
      var response = env.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
          io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
              .setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(workflowId))
              .build());
      StringBuilder out = new StringBuilder();
      response.getPendingActivitiesList().forEach(a -> a.getHeartbeatDetails().getPayloadsList()
          .forEach(p -> out.append(p.getData().toStringUtf8())));
      return out.toString();
    } catch (io.grpc.StatusRuntimeException e) {
      return ""; // not started yet
    }
  }

  @Test
  void anEndedDoneRunIsRefusedWithItsName() {
    WorkflowClient client = client();
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    assertInstanceOf(RunEnding.Done.class, engine(client, tracker, writesFile()).build().run().ending());

    InputException e = assertThrows(InputException.class, () -> engine(client, tracker, writesFile()).build().run());
    assertTrue(e.getMessage().contains("already ended DONE"), e.getMessage());
  }

  @Test
  void theBuilderNamesWhatIsMissingAndRejectsBadValues() {
    WorkflowClient client = client();
    InputException missing = assertThrows(InputException.class, () -> TemporalLoopEngine.builder(client).build());
    assertEquals("TemporalLoopEngine.builder() is missing tracker, runDirectory", missing.getMessage());
    InputException half = assertThrows(InputException.class, () -> TemporalLoopEngine.builder(client)
        .tracker(new InMemoryTracker()).runDirectory(dir).worker(writesFile()).build());
    assertTrue(half.getMessage().contains("has a worker but no verifier"), half.getMessage());
    assertThrows(InputException.class, () -> TemporalLoopEngine.builder(client).taskQueue("a queue"));
    assertThrows(InputException.class, () -> TemporalLoopEngine.builder(client).stageHeartbeatTimeout(Duration.ZERO));
    InputException target = assertThrows(InputException.class,
        () -> TemporalConnection.connect("localhost", "default", null));
    assertTrue(target.getMessage().contains("'localhost'"), target.getMessage());
    assertThrows(InputException.class, () -> TemporalWorkerHost.builder(client).build());
  }

  @Test
  void sharedFolderStorageRefusesAPayloadChangedInTheFolder() throws Exception {
    SharedFolderStorage storage = new SharedFolderStorage(dir.resolve("p"));
    io.temporal.api.common.v1.Payload payload = io.temporal.api.common.v1.Payload.newBuilder()
        .setData(com.google.protobuf.ByteString.copyFromUtf8("hello")).build();
    List<io.temporal.payload.storage.StorageDriverClaim> claims = storage.store(null, List.of(payload)).get();
    assertEquals(payload, storage.retrieve(null, claims).get().get(0));
    Path file = dir.resolve("p").resolve(claims.get(0).getClaimData().get("sha256"));
    Files.writeString(file, "tampered");
    Exception e = assertThrows(Exception.class, () -> storage.retrieve(null, claims).get());
    assertTrue(e.getCause().getMessage().contains("does not match its SHA-256 name"), e.getCause().getMessage());
    assertTrue(Map.of("sha256", "x").containsKey("sha256"));
  }
}
