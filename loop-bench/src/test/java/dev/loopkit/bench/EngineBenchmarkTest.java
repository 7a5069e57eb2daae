package dev.loopkit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the engine benchmark once at a tiny size (both trackers, both media; the RAM disk is a temporary
 * folder on /dev/shm where there is one) and checks that {@code engine.json} holds every figure with a sane value. Nothing is timed.
 */
class EngineBenchmarkTest {
  private static final int TICKETS = 120;

  @TempDir
  static Path tmp;

  /** A folder on /dev/shm where there is one (the Markdown tracker's fsyncs cost little there), else in tmp. */
  private static Path ram;
  private static JsonNode json;
  private static String table;
  private static int exitCode;

  @BeforeAll
  static void runTheBenchmarkAtATinySize() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Path shm = Path.of("/dev/shm");
    ram = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "loop-bench-test-")
        : Files.createDirectories(tmp.resolve("ram"));
    exitCode = Bench.run(new String[] {"engine", "--sizes", Integer.toString(TICKETS), "--budget", "300",
        "--out", tmp.resolve("out").toString(), "--ram", ram.toString(),
        "--disk", tmp.resolve("disk").toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    table = out.toString(StandardCharsets.UTF_8);
    json = new ObjectMapper().readTree(tmp.resolve("out").resolve("engine.json").toFile());
  }

  @AfterAll
  static void deleteTheRamFolder() {
    EngineBenchmark.deleteTree(ram);
  }

  @Test
  void theBenchmarkSucceedsAndDescribesTheMachine() {
    assertEquals(0, exitCode);
    assertEquals("engine", json.path("benchmark").asText());
    JsonNode machine = json.path("machine");
    assertTrue(machine.path("cores").asInt() >= 1);
    assertTrue(machine.path("java_version").size() >= 1);
    assertTrue(machine.path("java_version").get(0).asText().contains("version"), machine.toString());
    assertTrue(machine.path("max_heap_bytes").asLong() > 0);
    for (String load : List.of("load_before", "load_after")) {
      assertTrue(machine.path(load).isArray(), load);
      machine.path(load).forEach(v -> assertTrue(v.asDouble() >= 0, load + " " + v));
    }
    assertFalse(machine.path("ram_fs").asText().isBlank());
    assertFalse(machine.path("disk_fs").asText().isBlank());
    assertEquals(TICKETS, json.path("settings").path("sizes").get(0).asInt());
    assertEquals(8, json.path("settings").path("concurrency").asInt());
    assertTrue(json.path("seconds").asDouble() > 0);
    assertEquals(0, json.path("skipped").size(), "both trackers run at this size");
  }

  @Test
  void everyTrackerRunsOnBothMedia() {
    Set<String> seen = new HashSet<>();
    for (JsonNode row : json.path("rows")) {
      assertEquals(TICKETS, row.path("tickets").asInt());
      seen.add(row.path("tracker").asText() + "/" + row.path("journal_on").asText());
    }
    assertEquals(Set.of("in-memory/ram", "in-memory/disk", "markdown/ram", "markdown/disk"), seen);
  }

  @Test
  void everyEngineRunFinishesTheBatchAndHasEveryFigure() {
    for (JsonNode row : json.path("rows")) {
      JsonNode e = row.path("engine");
      String where = row.path("tracker").asText() + "/" + row.path("journal_on").asText() + ": " + e;
      assertTrue(e.path("finished").asBoolean(), where);
      assertEquals("ending", e.path("stopped_by").asText(), where);
      assertEquals("DONE", e.path("ending").asText(), where);
      assertEquals(TICKETS, e.path("tickets_done").asInt(), where);
      for (String positive : List.of("seconds", "us_per_ticket", "us_per_ticket_first_half",
          "us_per_ticket_second_half", "first_dispatch_ms", "passes", "journal_events", "journal_bytes", "fsyncs",
          "fsyncs_per_ticket", "journal_bytes_per_ticket", "run_dir_bytes", "run_dir_bytes_per_ticket",
          "oracle_calls", "oracle_share", "peak_heap_used_bytes")) {
        assertTrue(e.path(positive).isNumber() && e.path(positive).asDouble() > 0, positive + " in " + where);
      }
      assertTrue(e.path("oracle_share").asDouble() <= 1, where);
      assertTrue(e.path("oracle_seconds").asDouble() <= e.path("seconds").asDouble(), where);
      assertTrue(e.path("gc_count").asLong() >= 0, where);
      assertTrue(e.path("peak_heap_after_gc_bytes").isNull() || e.path("peak_heap_after_gc_bytes").asLong() > 0, where);
      assertTrue(e.path("run_dir_files").size() >= 1, where);
      for (String call : CountingTracker.CALLS) {
        assertTrue(e.path("tracker_calls").path(call).asLong() >= 0, call + " in " + where);
        assertTrue(e.path("tracker_calls_per_pass").path(call).asDouble() >= 0, call + " in " + where);
      }
      assertTrue(e.path("tracker_calls").path("transition").asLong() >= TICKETS, "every ticket was moved to done: " + where);
      assertTrue(e.path("tracker_calls").path("readBatch").asLong() + e.path("tracker_calls").path("changesSince").asLong()
          >= 1, "the oracle read the tracker: " + where);
    }
  }

  @Test
  void resumeStartsFromAboutHalfTheBatchAndReachesADispatch() {
    for (JsonNode row : json.path("rows")) {
      JsonNode r = row.path("resume");
      assertEquals("half-done", r.path("half_run_stopped_by").asText(), r.toString());
      int done = r.path("done_before_resume").asInt();
      assertTrue(done >= TICKETS / 2 && done < TICKETS, r.toString());
      assertTrue(r.path("run_dir_bytes_before_resume").asLong() > 0, r.toString());
      assertTrue(r.path("reached_first_dispatch").asBoolean(), r.toString());
      assertEquals("first-dispatch", r.path("stopped_by").asText(), r.toString());
      assertTrue(r.path("ms_to_first_dispatch").asDouble() > 0, r.toString());
      // seconds is rounded to the millisecond in the JSON, ms_to_first_dispatch to the hundredth
      assertTrue(r.path("ms_to_first_dispatch").asDouble() <= r.path("seconds").asDouble() * 1_000 + 1, r.toString());
      assertTrue(r.path("peak_heap_used_bytes").asLong() > 0, r.toString());
    }
  }

  @Test
  void theNaiveLoopFinishesTheTinyBatchAndGivesTheRatio() {
    for (JsonNode row : json.path("rows")) {
      JsonNode n = row.path("naive");
      assertTrue(n.path("finished").asBoolean(), n.toString());
      assertFalse(n.path("lower_bound").asBoolean(), n.toString());
      assertEquals(TICKETS, n.path("tickets_done").asInt());
      assertEquals(TICKETS + 1, n.path("passes").asInt(), "one pass per ticket and the pass that judges it done");
      assertTrue(n.path("us_per_ticket").asDouble() > 0);
      double expected = n.path("us_per_ticket").asDouble() / row.path("engine").path("us_per_ticket").asDouble();
      assertEquals(expected, row.path("naive_ratio").asDouble(), expected * 0.01 + 0.01);
      assertFalse(row.path("naive_ratio_lower_bound").asBoolean());
      assertFalse(row.path("engine_partial").asBoolean());
    }
  }

  @Test
  void everyFigureIsExplainedInTheJson() {
    for (String key : List.of("engine", "us_per_ticket", "fsyncs_per_ticket", "journal_bytes_per_ticket",
        "run_dir_bytes", "tracker_calls_per_pass", "oracle_share", "peak_heap_used_bytes",
        "peak_heap_after_gc_bytes", "resume", "naive", "naive_ratio", "media")) {
      assertFalse(json.path("methods").path(key).asText().isBlank(), key);
    }
  }

  @Test
  void theTableListsEveryRowAndTheLoad() {
    assertTrue(table.contains("Speed"), table);
    assertTrue(table.contains("Costs per ticket"), table);
    assertEquals(4, table.lines().filter(l -> l.matches("\\s+" + TICKETS + " (in-memory|markdown)\\s+(ram|disk)\\s+\\|.*")).count()
        / 2, table);
    assertTrue(table.contains("load average before"), table);
  }

  @Test
  void theBenchmarkDeletesItsRunDirectoriesAndTicketFolders() throws IOException {
    for (Path medium : List.of(ram, tmp.resolve("disk"))) {
      try (Stream<Path> left = Files.walk(medium)) {
        assertEquals(List.of(medium), left.toList(), medium.toString());
      }
    }
  }
}
