package dev.loopkit.beads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.core.Batch;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How beads' statuses, dependency types and fields map to Loop's, and what the tracker writes, on the fake bd. */
class BeadsTrackerMappingTest {
  @TempDir Path dir;
  private FakeBdFixture beads;
  private BeadsTracker tracker;

  @BeforeEach
  void open() {
    beads = new FakeBdFixture(dir);
    tracker = beads.tracker().build();
  }

  private List<String> record(JsonNode d) {
    return List.of(d.path("issue_id").asText(), d.path("depends_on_id").asText(), d.path("type").asText());
  }

  private List<List<String>> records() {
    List<List<String>> out = new ArrayList<>();
    beads.store().path("dependencies").forEach(d -> out.add(record(d)));
    return out;
  }

  @Test
  void everyBeadsStatusMapsToALoopStatus() {
    Map<String, Status> expected = new java.util.LinkedHashMap<>();
    expected.put("open", Status.OPEN);
    expected.put("in_progress", Status.IN_PROGRESS);
    expected.put("hooked", Status.IN_PROGRESS);
    expected.put("blocked", Status.HUMAN_GATED);
    expected.put("deferred", Status.HUMAN_GATED);
    expected.put("pinned", Status.HUMAN_GATED);
    expected.put("closed", Status.DONE);
    Map<String, String> ids = new java.util.LinkedHashMap<>();
    for (String status : expected.keySet()) {
      String id = beads.seed("a " + status + " bead");
      beads.bd("--json", "update", "--status=" + status, "--", id);
      ids.put(status, id);
    }
    String cancelled = beads.seed("cancelled", "--labels=loop:cancelled");
    beads.bd("--json", "close", "--", cancelled);

    Batch batch = tracker.readBatch();

    expected.forEach((status, loop) -> assertEquals(loop, batch.get(ids.get(status)).status(), status));
    assertEquals(Status.CANCELLED, batch.get(cancelled).status());
    assertEquals(List.of(), batch.get(cancelled).labels(), "the cancelled label is a status, not a label");
    assertEquals("deferred", batch.get(ids.get("deferred")).metadata().get("beads.status"));
  }

  @Test
  void aCustomStatusReadsAsConfiguredAndIsAnInputErrorNamingItOtherwise() {
    String id = beads.seed("in review");
    beads.edit(id, i -> i.put("status", "review"));

    InputException e = assertThrows(InputException.class, () -> tracker.readBatch());
    assertTrue(e.getMessage().contains("'review'") && e.getMessage().contains(id)
        && e.getMessage().contains("customStatus(\"review\""), e.getMessage());

    BeadsTracker mapped = beads.tracker().customStatus("review", Status.IN_PROGRESS).build();
    assertEquals(Status.IN_PROGRESS, mapped.readBatch().get(id).status());
  }

  @Test
  void dependencyTypesMapToLoopsAndTheOthersAreListedInMetadata() {
    String holder = beads.seed("holder");
    Map<String, String> targets = new java.util.LinkedHashMap<>();
    for (String type : List.of("blocks", "parent-child", "related", "discovered-from", "relates-to", "waits-for",
        "conditional-blocks", "tracks", "supersedes", "caused-by")) {
      String target = beads.seed("target " + type);
      beads.bd("--json", "dep", "add", "--type=" + type, "--", holder, target);
      targets.put(type, target);
    }

    Ticket t = tracker.readBatch().get(holder);

    assertEquals(Set.of(
        Dependency.blockedBy(targets.get("blocks")),
        Dependency.childOf(targets.get("parent-child")),
        Dependency.relatedTo(targets.get("related")),
        Dependency.discoveredFrom(targets.get("discovered-from")),
        Dependency.relatedTo(targets.get("relates-to")),
        Dependency.blockedBy(targets.get("waits-for")),
        Dependency.blockedBy(targets.get("conditional-blocks"))), Set.copyOf(t.dependencies()));
    assertEquals("tracks:" + targets.get("tracks") + ",supersedes:" + targets.get("supersedes") + ",caused-by:"
        + targets.get("caused-by"), t.metadata().get("beads.other-dependencies"));
    assertEquals(Set.copyOf(t.dependencies()), Set.copyOf(tracker.find(holder).orElseThrow().dependencies()),
        "bd show's shape of dependencies (target beads with dependency_type) reads the same as bd list's records");
    assertEquals(List.of(), tracker.readBatch().get(targets.get("blocks")).dependencies(),
        "an edge belongs to the bead that waits, never to its blocker");
  }

  @Test
  void createWritesEachEdgeAsThisBeadDependsOnTheTarget() {
    String blocker = beads.seed("blocker");
    String parent = beads.seed("parent");
    String origin = beads.seed("origin");

    Ticket t = tracker.create(NewTicket.builder("new").addDependency(Dependency.blockedBy(blocker))
        .addDependency(Dependency.childOf(parent)).addDependency(Dependency.discoveredFrom(origin)).build());

    List<String> argv = beads.invocations().get(beads.invocations().size() - 1);
    assertTrue(argv.contains("--deps=blocked-by:" + blocker + ",parent-child:" + parent + ",discovered-from:"
        + origin), argv.toString());
    assertEquals(List.of(List.of(t.id(), blocker, "blocks"), List.of(t.id(), parent, "parent-child"),
        List.of(t.id(), origin, "discovered-from")), records());
    assertEquals(List.of(Dependency.blockedBy(blocker), Dependency.childOf(parent), Dependency.discoveredFrom(origin)),
        tracker.find(t.id()).orElseThrow().dependencies());
  }

  @Test
  void aBeadFiledWithBlocksReadsAsBlockingItsTarget() {
    String later = beads.seed("later");
    String first = beads.seed("first", "--deps=blocks:" + later);

    Batch batch = tracker.readBatch();

    assertEquals(List.of(Dependency.blockedBy(first)), batch.get(later).dependencies());
    assertEquals(List.of(), batch.get(first).dependencies());
  }

  @Test
  void addDependencyRunsDepAddWithTheHolderFirst() {
    String blocker = beads.seed("blocker");
    String blocked = beads.seed("blocked");
    beads.clearLog();

    tracker.addDependency(blocked, Dependency.blockedBy(blocker));
    tracker.addDependency(blocked, Dependency.blockedBy(blocker));

    assertEquals(List.of(List.of(blocked, blocker, "blocks")), records());
    assertEquals(List.of("show", "dep", "show"), beads.commands(), "the repeat finds the edge and adds nothing");
    List<String> add = beads.invocations().get(1);
    assertEquals(List.of("dep", "add", "--json", "--type=blocks", "--actor=loop", "--", blocked, blocker),
        add.subList(2, add.size()));
  }

  @Test
  void fieldsAreStoredInBeadsOwnFields() {
    Ticket t = tracker.create(NewTicket.builder("rich").body("- a body that starts like a flag")
        .acceptanceCriteria(List.of("mvn verify passes", "GET /health answers 200")).priority(0)
        .labels(List.of("backend")).resources(Set.of("merge")).metadata(Map.of("origin", "test"))
        .idempotencyKey("run-1/rich").build());

    JsonNode issue = beads.issue(t.id());
    assertEquals("- a body that starts like a flag", issue.path("description").asText());
    assertEquals("- mvn verify passes\n- GET /health answers 200", issue.path("acceptance_criteria").asText());
    assertEquals(0, issue.path("priority").asInt());
    assertEquals(List.of("loop:batch-1", "backend", "resource:merge"),
        List.of(issue.path("labels").get(0).asText(), issue.path("labels").get(1).asText(),
            issue.path("labels").get(2).asText()));
    assertEquals("test", issue.path("metadata").path("origin").asText());
    assertEquals("run-1/rich", issue.path("metadata").path(BeadsTracker.KEY_FIELD).asText());
    Ticket read = tracker.find(t.id()).orElseThrow();
    assertEquals(List.of("backend"), read.labels());
    assertEquals(Set.of("merge"), read.resources());
    assertEquals(List.of("mvn verify passes", "GET /health answers 200"), read.acceptanceCriteria());
  }

  @Test
  void aCriterionWithALineBreakIsAnInputErrorBeforeAnythingIsFiled() {
    InputException e = assertThrows(InputException.class, () -> tracker.create(NewTicket.builder("x")
        .acceptanceCriteria(List.of("one\ntwo")).build()));

    assertTrue(e.getMessage().contains("line break"), e.getMessage());
    assertEquals(0, beads.store().path("issues").size());
  }

  @Test
  void transitionsWriteBeadsStatusesLabelsAndCloseReasons() {
    String blocker = beads.seed("still open");
    String gated = beads.seed("gated");
    String cancelled = beads.seed("cancelled");
    String done = beads.seed("done", "--deps=blocked-by:" + blocker);

    tracker.transition(gated, Status.HUMAN_GATED, "needs a person: the API key expired");
    tracker.transition(cancelled, Status.CANCELLED, "out of scope\nsecond line");
    tracker.transition(done, Status.DONE, "verified: mvn verify exited 0");

    assertEquals("blocked", beads.issue(gated).path("status").asText());
    assertTrue(beads.issue(gated).path("labels").toString().contains("\"human\""), beads.issue(gated).toString());
    assertEquals("closed", beads.issue(cancelled).path("status").asText());
    assertEquals("out of scope", beads.issue(cancelled).path("close_reason").asText());
    assertTrue(beads.issue(cancelled).path("labels").toString().contains("loop:cancelled"));
    assertEquals("closed", beads.issue(done).path("status").asText(),
        "Loop's verdict closes a bead even with an open blocker (close --force)");
    assertEquals(Status.HUMAN_GATED, tracker.find(gated).orElseThrow().status());
    assertEquals(List.of(), tracker.find(gated).orElseThrow().labels(), "the human label is a status marker");

    tracker.transition(gated, Status.OPEN, "a person renewed the key");
    tracker.transition(cancelled, Status.DONE, "done after all");

    assertEquals("open", beads.issue(gated).path("status").asText());
    assertFalse(beads.issue(gated).path("labels").toString().contains("\"human\""));
    assertEquals(Status.DONE, tracker.find(cancelled).orElseThrow().status());
  }

  @Test
  void reopeningAClaimedBeadClearsItsAssigneeSoAnotherOwnerCanClaimIt() {
    String id = beads.seed("retried");
    assertTrue(tracker.claim(id, "run 1"));
    assertEquals("run 1", beads.issue(id).path("assignee").asText());

    tracker.transition(id, Status.OPEN, "attempt 1 failed");

    assertTrue(beads.issue(id).path("assignee").isMissingNode(), beads.issue(id).toString());
    assertTrue(tracker.claim(id, "run 2"));
  }

  @Test
  void anUnchangedBatchCostsOneListAndChangedCommentsOneShow() {
    String a = beads.seed("a");
    String b = beads.seed("b");
    beads.seed("c");
    tracker.comment(a, "first");
    tracker.comment(b, "second");
    tracker.readBatch();
    beads.clearLog();

    Batch unchanged = tracker.readBatch();
    assertEquals(List.of("list"), beads.commands());
    assertEquals("first", unchanged.get(a).comments().get(0).body());

    tracker.comment(b, "third");
    beads.clearLog();
    Batch changed = tracker.readBatch();

    assertEquals(List.of("list", "show"), beads.commands());
    List<String> show = beads.invocations().get(1);
    assertEquals(List.of("show", "--json", "--", b), show.subList(2, show.size()), "only the changed bead");
    assertEquals(2, changed.get(b).comments().size());
    assertEquals("loop", changed.get(b).comments().get(1).author());
  }

  @Test
  void twoTrackersInTwoProcessesRaceForAClaimAndExactlyOneWins() throws Exception {
    String id = beads.seed("contested");
    BeadsTracker other = beads.tracker().build();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> wins = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        BeadsTracker t = i % 2 == 0 ? tracker : other;
        String owner = "worker-" + i;
        Callable<Boolean> claim = () -> {
          start.await();
          return t.claim(id, owner);
        };
        wins.add(pool.submit(claim));
      }
      start.countDown();
      List<Boolean> results = new ArrayList<>();
      for (Future<Boolean> f : wins) {
        results.add(f.get(120, TimeUnit.SECONDS));
      }
      assertEquals(1, results.stream().filter(w -> w).count(), results.toString());
      String winner = "worker-" + results.indexOf(true);
      assertEquals(winner, beads.issue(id).path("assignee").asText());
      assertEquals("in_progress", beads.issue(id).path("status").asText());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aClaimRepeatedByItsOwnerSucceedsAgain() {
    String id = beads.seed("retried claim");

    assertTrue(tracker.claim(id, "run 7"));
    assertTrue(tracker.claim(id, "run 7"), "bd's claim is idempotent for the owner: a lost answer may be retried");
    assertFalse(tracker.claim(id, "run 8"));
  }

  @Test
  void theFirstClaimDisarmsLeasesOnceAndKeepLeavesThemAlone() {
    String a = beads.seed("a");
    String b = beads.seed("b");
    beads.clearLog();

    tracker.claim(a, "run 1");
    tracker.claim(b, "run 1");

    assertEquals(List.of("lease", "update", "update"), beads.commands());
    assertEquals("off", beads.store().path("config").path("lease.auto").asText());
    assertTrue(beads.issue(a).path("lease_expires_at").isMissingNode(), beads.issue(a).toString());

    FakeBdFixture second = new FakeBdFixture(dir.resolve("second"));
    BeadsTracker keeping = second.tracker().leases(Leases.KEEP).build();
    String c = second.seed("c");
    second.clearLog();
    keeping.claim(c, "run 1");
    assertEquals(List.of("update"), second.commands());
    assertTrue(second.issue(c).has("lease_expires_at"), "the database's own lease stays");
  }
}
