package dev.loopkit.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point of {@code loop-bench.jar}, with two subcommands:
 *
 * <ul>
 *   <li>{@code scheduler [--out DIR]}: the scheduling benchmark, {@code ReadyIndex} alone (a component);
 *   <li>{@code engine [--sizes N,N,...] [--quick] [--budget SECONDS] [--out DIR] [--ram DIR] [--disk DIR]}: the
 *       whole engine through its public API beside a naive loop;
 *   <li>{@code sandbox [--runs N] [--out DIR]}: the cost of one sandboxed command (a component);
 *   <li>{@code temporal [--tickets N] [--out DIR]}: instant tickets through the core engine and through the
 *       Temporal engine with two worker hosts on the in-process test server: the per-ticket overhead.
 * </ul>
 *
 * Figures go to standard output as a table and to {@code DIR/scheduler.json} or {@code DIR/engine.json}
 * (default: the {@code bench} folder next to the jar, i.e. {@code loop-bench/target/bench}).
 */
public final class Bench {
  private static final String USAGE = "usage: java -jar loop-bench.jar scheduler [--out DIR]\n"
      + "       java -jar loop-bench.jar engine [--sizes N,N,...] [--quick] [--budget SECONDS] [--out DIR]"
      + " [--ram DIR] [--disk DIR]\n"
      + "       java -jar loop-bench.jar sandbox [--runs N] [--out DIR]\n"
      + "       java -jar loop-bench.jar temporal [--tickets N] [--out DIR]";

  private Bench() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
    if (args.length == 0 || !List.of("scheduler", "engine", "sandbox", "temporal").contains(args[0])) {
      err.println(USAGE);
      err.println((args.length == 0 ? "missing subcommand" : "unknown subcommand '" + args[0] + "'")
          + ": expected scheduler, engine, sandbox or temporal");
      return 2;
    }
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    if (args[0].equals("temporal")) { // java -jar loop-bench.jar temporal [--tickets N] [--out DIR]
      return TemporalBenchmark.run(rest, out, err, defaultOutput());
    }
    if (args[0].equals("sandbox")) {
      int runs = 200;
      Path dir = defaultOutput();
      for (int i = 0; i < rest.size(); i++) {
        if (rest.get(i).equals("--runs") && i + 1 < rest.size()) {
          try {
            runs = Integer.parseInt(rest.get(++i));
          } catch (NumberFormatException e) {
            runs = 0;
          }
          if (runs < 1) {
            err.println(USAGE);
            err.println("--runs '" + rest.get(i) + "': expected a positive whole number");
            return 2;
          }
        } else if (rest.get(i).equals("--out") && i + 1 < rest.size()) {
          dir = Path.of(rest.get(++i));
        } else {
          err.println(USAGE);
          err.println("unknown argument '" + rest.get(i) + "': expected --runs N or --out DIR");
          return 2;
        }
      }
      Files.createDirectories(dir);
      new SandboxBenchmark(out, runs).run(dir.resolve("sandbox.json"));
      return 0;
    }
    if (args[0].equals("engine")) {
      EngineBenchmark.Options options;
      try {
        options = EngineBenchmark.parse(rest, defaultOutput());
      } catch (IllegalArgumentException e) {
        err.println(USAGE);
        err.println(e.getMessage());
        return 2;
      }
      new EngineBenchmark(out, options).run();
      return 0;
    }
    Path dir = defaultOutput();
    for (int i = 0; i < rest.size(); i++) {
      if (rest.get(i).equals("--out") && i + 1 < rest.size()) {
        dir = Path.of(rest.get(++i));
      } else {
        err.println(USAGE);
        err.println("unknown argument '" + rest.get(i) + "': expected --out DIR");
        return 2;
      }
    }
    Files.createDirectories(dir);
    new SchedulerBenchmark(out).run(dir.resolve("scheduler.json"));
    return 0;
  }

  /** {@code bench/} beside the jar when run from it, else {@code loop-bench/target/bench} under the cwd. */
  private static Path defaultOutput() {
    try {
      Path code = Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isRegularFile(code)) {
        return code.getParent().resolve("bench");
      }
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      // fall through to the conventional place
    }
    return Path.of("loop-bench", "target", "bench");
  }
}
