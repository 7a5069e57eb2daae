package dev.loopkit.cli;

import dev.loopkit.core.InputException;
import dev.loopkit.core.process.SandboxUnavailableException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code loop} command. {@link #main} is the runnable jar's entry point; {@link #execute} runs the same
 * command line with given streams and environment and returns the exit code.
 */
@Command(name = "loop", mixinStandardHelpOptions = true, version = "loop 0.1.0-SNAPSHOT",
    description = "Drives a batch of tickets to done with fresh AI workers; only the oracle ends a run DONE.",
    subcommands = {RunCommand.class, QuickstartCommand.class, StatusCommand.class, ReadyCommand.class,
        ReportCommand.class, ApproveCommand.class, PlanCommand.class, LintCommand.class, InitCommand.class,
        WorkerCommand.class,
        CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:DONE: the oracle judged every ticket done",
        "1:error: bad configuration or input, no sandbox, or a failure (one line; --verbose for the stack trace)",
        "2:usage error: an unknown command or option, a missing or malformed argument (picocli's convention)",
        "3:STALLED, or a ticket waits for a human (loop lint, loop plan: findings)",
        "4:TAMPERED: the definition of done changed during the run",
        "5:CAPPED: a cap (attempts, money, tokens, time, passes, discovered tickets) stopped the run",
        "130:stopped by Ctrl-C: tickets in flight reopened, the ending and the report written; loop run continues"})
public final class LoopCommand {
  /** The oracle judged every ticket done (and every command that succeeded). */
  public static final int DONE = 0;
  /** Bad configuration or input, no sandbox, or a failure: one line on stderr names it. */
  public static final int ERROR = 1;
  /** The command line itself is wrong (unknown command or option, bad argument): picocli's convention. */
  public static final int USAGE = 2;
  /** A cap stopped the run. */
  public static final int CAPPED = 5;
  /** The run stalled, or tickets wait for a person. */
  public static final int STALLED_OR_HUMAN = 3;
  /** The definition of done changed during the run. */
  public static final int TAMPERED = 4;
  /** A signal (Ctrl-C) stopped the run cleanly: 128 + SIGINT, the shells' convention. */
  public static final int INTERRUPTED = 130;

  @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces and the libraries' log messages.")
  boolean verbose;

  /** Where a command writes, and the environment it reads API keys from. */
  record Io(PrintStream out, PrintStream err, Map<String, String> environment, boolean terminal) {}

  final Io io;

  LoopCommand(Io io) {
    this.io = io;
  }

  /**
   * The {@code loop} command: runs {@code args} and exits the JVM with the command's exit code.
   *
   * @param args the command line, e.g. {@code run examples/quickstart}
   */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
        StandardCharsets.UTF_8);
    System.exit(execute(args, out, System.err, System.getenv(), Progress.stdoutIsTerminal()));
  }

  /**
   * Runs a command line and returns its exit code (see the class's {@code --help}). Never throws and never
   * calls {@link System#exit}.
   *
   * @param args the command line, without the program name
   * @param out where results and progress go
   * @param err where errors and (with {@code --json}) human text go
   * @param environment the variables the command reads (API keys, {@code HOME}): the host's, or a test's map
   * @param terminal whether {@code out} is an interactive terminal (the status line is redrawn in place)
   * @return the exit code: 0 DONE, 1 error, 2 usage error, 3 STALLED or HUMAN_GATED, 4 TAMPERED, 5 CAPPED, 130
   *     interrupted
   */
  public static int execute(String[] args, PrintStream out, PrintStream err, Map<String, String> environment,
      boolean terminal) {
    boolean verbose = java.util.Arrays.stream(args).anyMatch(a -> a.equals("-v") || a.equals("--verbose"));
    if (!verbose) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }
    LoopCommand root = new LoopCommand(new Io(out, err, Map.copyOf(environment), terminal));
    CommandLine cmd = new CommandLine(root);
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    cmd.setParameterExceptionHandler((ex, a) -> {
      err.println("loop: " + ex.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
      err.println("Try 'loop " + (ex.getCommandLine() == cmd ? "" : ex.getCommandLine().getCommandName() + " ")
          + "--help'.");
      return USAGE;
    });
    cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
      err.println("loop: " + message(ex));
      if (verbose) {
        ex.printStackTrace(err);
      }
      return ERROR;
    });
    return cmd.execute(args);
  }

  /** One line naming the problem: the exception's message, or its type when it has none. */
  static String message(Throwable ex) {
    Throwable t = ex;
    while ((t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      return t.getClass().getSimpleName();
    }
    // a mistake the user can fix, or a host without a sandbox: the message says it all (cause and fix)
    String text = t instanceof InputException || t instanceof SandboxUnavailableException ? m
        : m + " (" + t.getClass().getSimpleName() + ")";
    return text.strip().replace('\n', ' ');
  }
}
