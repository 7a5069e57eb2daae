package dev.loopkit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code temporal} subcommand: a small batch through both engines, and its bad arguments (no timings). */
class TemporalBenchmarkTest {
  @TempDir Path dir;

  @Test
  void aSmallBatchRunsThroughBothEnginesAndWritesItsFigures() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = Bench.run(new String[] {"temporal", "--tickets", "12", "--out", dir.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));

    assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
    String table = out.toString(StandardCharsets.UTF_8);
    assertTrue(table.contains("12 instant tickets") && table.contains("TemporalLoopEngine (2 hosts)"), table);
    assertTrue(Files.readString(dir.resolve("temporal.json")).contains("\"tickets\":12"));
  }

  @Test
  void aBadTicketCountIsAUsageErrorNamingIt() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Bench.run(new String[] {"temporal", "--tickets", "many"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));

    assertEquals(2, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--tickets 'many': expected a positive whole number"));
  }
}
