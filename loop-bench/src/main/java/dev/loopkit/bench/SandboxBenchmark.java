package dev.loopkit.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.loopkit.core.process.Command;
import dev.loopkit.core.process.Jail;
import dev.loopkit.core.process.ProcessRunner;
import dev.loopkit.core.process.Sandbox;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What confinement costs per command: the wall time of one trivial command ({@code true}) through
 * {@link ProcessRunner} as the engine runs a ticket's commands, unconfined, under {@link Sandbox#none()} and
 * under bubblewrap with the network off and on. A component figure (the runner and the sandbox), not the
 * engine's; it is the fixed cost every {@code run_command}, command agent and verifier call pays once.
 */
final class SandboxBenchmark {
  private final PrintStream out;
  private final int runs;

  SandboxBenchmark(PrintStream out, int runs) {
    this.out = out;
    this.runs = runs;
  }

  void run(Path json) throws IOException, InterruptedException {
    Path workspace = Files.createTempDirectory("loop-bench-sandbox-");
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("machine", Machine.describe());
    figures.put("load_before", Machine.loadAverage());
    Map<String, ProcessRunner> runners = new LinkedHashMap<>();
    runners.put("unconfined", ProcessRunner.unconfined());
    runners.put("Sandbox.none()", ProcessRunner.confined(Sandbox.none(), Jail.of(workspace)));
    runners.put("bubblewrap, network off", ProcessRunner.confined(Sandbox.bubblewrap(), Jail.of(workspace)));
    runners.put("bubblewrap, network on", ProcessRunner.confined(Sandbox.bubblewrap(),
        Jail.of(workspace).withNetwork(true)));
    Command command = Command.builder(List.of("true")).directory(workspace).env("PATH", "/usr/bin:/bin")
        .timeout(Duration.ofSeconds(30)).build();
    out.printf("%-26s %10s %10s %10s %10s%n", "runner", "median ms", "p90 ms", "mean ms", "runs");
    Map<String, Object> rows = new LinkedHashMap<>();
    for (Map.Entry<String, ProcessRunner> e : runners.entrySet()) {
      for (int i = 0; i < Math.min(20, runs); i++) {
        e.getValue().run(command); // warm up the JIT and the page cache
      }
      double[] ms = new double[runs];
      for (int i = 0; i < runs; i++) {
        long t0 = System.nanoTime();
        e.getValue().run(command);
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
      double[] sorted = ms.clone();
      Arrays.sort(sorted);
      double mean = Arrays.stream(ms).average().orElse(0);
      double median = sorted[runs / 2];
      double p90 = sorted[(int) Math.min(runs - 1, Math.round(runs * 0.9))];
      out.printf("%-26s %10.2f %10.2f %10.2f %10d%n", e.getKey(), median, p90, mean, runs);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("median_ms", median);
      row.put("p90_ms", p90);
      row.put("mean_ms", mean);
      row.put("runs", runs);
      rows.put(e.getKey(), row);
    }
    figures.put("per_command", rows);
    figures.put("load_after", Machine.loadAverage());
    out.println("load average before " + figures.get("load_before") + ", after " + figures.get("load_after"));
    Files.deleteIfExists(workspace);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), figures);
    out.println("figures: " + json);
  }
}
