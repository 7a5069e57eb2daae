package dev.loopkit.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Entry point of {@code loop-bench.jar}: {@code java -jar loop-bench/target/loop-bench.jar scheduler [--out
 * DIR]}. Figures go to standard output as a table and to {@code DIR/scheduler.json} (default: the {@code
 * bench} folder next to the jar, i.e. {@code loop-bench/target/bench}).
 */
public final class Bench {
  private Bench() {}

  public static void main(String[] args) throws IOException {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
    if (args.length == 0 || !args[0].equals("scheduler")) {
      err.println("usage: java -jar loop-bench.jar scheduler [--out DIR]");
      err.println((args.length == 0 ? "missing subcommand" : "unknown subcommand '" + args[0] + "'")
          + ": expected scheduler");
      return 2;
    }
    Path dir = defaultOutput();
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--out") && i + 1 < args.length) {
        dir = Path.of(args[++i]);
      } else {
        err.println("unknown argument '" + args[i] + "': expected --out DIR");
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
