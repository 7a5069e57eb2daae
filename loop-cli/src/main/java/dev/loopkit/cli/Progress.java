package dev.loopkit.cli;

import dev.loopkit.core.Batch;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.LoopListener;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.llm.StreamEvent;
import dev.loopkit.llm.StreamListener;
import dev.loopkit.report.Figures;
import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Live progress of a run: one line per event worth a person's attention, and a status line (done / in flight /
 * ready / blocked, tokens, cost, elapsed). On a terminal the status line is redrawn in place under the event
 * lines (and once a second); when the output is piped it is printed as a plain line after each ticket settles
 * and at the end. Thread-safe: the engine calls it from its own and from worker threads.
 *
 * <p>It also listens to the model workers' streams ({@link StreamListener}): while a turn streams, the status line
 * ends with what the model is doing ({@code model: writing, 1,240 chars} / {@code model: calling run_command} /
 * {@code model: thinking}), so a long turn is visibly alive; the part goes when no delta came for 10 s.
 */
final class Progress implements LoopListener, StreamListener, AutoCloseable {
  private static final long MODEL_QUIET_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
  private static final String CLEAR_LINE = "\r\033[2K";

  private final PrintStream out;
  private final boolean terminal;
  private final LongSupplier nanos;
  private final long start;
  private final @org.jspecify.annotations.Nullable ScheduledExecutorService ticker;
  private final Set<String> known = new HashSet<>();
  private final Set<String> done = new HashSet<>();
  private final Set<String> gated = new HashSet<>();
  private final Set<String> inFlight = new HashSet<>();
  private int ready;
  private Usage usage = Usage.ZERO;
  private boolean statusShown;
  private long modelChars;
  private String modelDoing = "";
  private long modelAt = Long.MIN_VALUE;

  Progress(PrintStream out, boolean terminal, Batch batch, LongSupplier nanos) {
    this.out = out;
    this.terminal = terminal;
    this.nanos = nanos;
    this.start = nanos.getAsLong();
    for (Ticket t : batch.tickets()) {
      known.add(t.id());
      if (t.status() == Status.DONE || t.status() == Status.CANCELLED) {
        done.add(t.id());
      } else if (t.status() == Status.HUMAN_GATED) {
        gated.add(t.id());
      }
    }
    if (terminal) {
      ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "loop-progress");
        t.setDaemon(true);
        return t;
      });
      ticker.scheduleAtFixedRate(this::redraw, 1, 1, TimeUnit.SECONDS);
    } else {
      ticker = null;
    }
  }

  /** Whether standard output is an interactive terminal that understands cursor control. */
  static boolean stdoutIsTerminal() {
    if (System.console() == null) {
      return false;
    }
    try {
      // Java 22+ returns a console even when output is redirected; ask it when it can tell
      Object terminal = java.io.Console.class.getMethod("isTerminal").invoke(System.console());
      if (Boolean.FALSE.equals(terminal)) {
        return false;
      }
    } catch (ReflectiveOperationException e) {
      // before Java 22 a non-null console means a terminal
    }
    String term = System.getenv("TERM");
    return term == null || !term.equals("dumb");
  }

  @Override
  public synchronized void onEvent(LoopEvent event) {
    account(event);
    String line = line(event);
    boolean settled = event instanceof LoopEvent.TicketDone || event instanceof LoopEvent.HumanGated
        || event instanceof LoopEvent.AttemptFailed;
    if (terminal) {
      if (line != null) {
        out.print(CLEAR_LINE + line + "\n");
      }
      out.print(CLEAR_LINE + statusLine());
      statusShown = true;
    } else {
      if (line != null) {
        out.println(line);
      }
      if (settled) {
        out.println(statusLine());
      }
    }
    out.flush();
  }

  /** A streamed delta of a model worker's turn (any attempt's, on its worker thread). */
  @Override
  public synchronized void onEvent(StreamEvent event) {
    if (event instanceof StreamEvent.TextDelta t) {
      modelChars += t.text().length();
      modelDoing = "writing";
    } else if (event instanceof StreamEvent.ThinkingDelta) {
      modelDoing = "thinking";
    } else if (event instanceof StreamEvent.ToolUseStarted u) {
      modelDoing = "calling " + u.name();
    } else {
      return;
    }
    modelAt = nanos.getAsLong();
  }

  private synchronized void redraw() {
    if (statusShown) {
      out.print(CLEAR_LINE + statusLine());
      out.flush();
    }
  }

  private void account(LoopEvent e) {
    if (e instanceof LoopEvent.PassStarted p) {
      ready = p.ready().size();
    } else if (e instanceof LoopEvent.TicketDispatched d) {
      modelChars = 0; // a fresh worker's turns
      known.add(d.ticketId());
      inFlight.add(d.ticketId());
      ready = Math.max(0, ready - 1);
    } else if (e instanceof LoopEvent.StageCompleted c) {
      usage = usage.plus(c.usage());
    } else if (e instanceof LoopEvent.TicketDone d) {
      inFlight.remove(d.ticketId());
      done.add(d.ticketId());
    } else if (e instanceof LoopEvent.HumanGated g) {
      inFlight.remove(g.ticketId());
      gated.add(g.ticketId());
    } else if (e instanceof LoopEvent.AttemptFailed
        || e instanceof LoopEvent.AttemptDeferred || e instanceof LoopEvent.AttemptInterrupted) {
      inFlight.remove(((LoopEvent.AttemptEvent) e).ticketId());
    } else if (e instanceof LoopEvent.TicketDiscovered d) {
      known.add(d.ticketId());
    }
  }

  /**
   * {@code done 3/8 | in flight 2 | ready 1 | blocked 2 | 41,200 tokens | $0.2100 | 14.3s}: figures in
   * {@link Figures}' formats, as in the summary and the report.
   */
  synchronized String statusLine() {
    int open = known.size() - done.size() - gated.size() - inFlight.size();
    int blocked = Math.max(0, open - ready);
    Duration elapsed = Duration.ofNanos(nanos.getAsLong() - start);
    return String.format(java.util.Locale.ROOT, "done %d/%d | in flight %d | ready %d | blocked %d%s | %s tokens"
        + " | %s | %s", done.size(), known.size(), inFlight.size(), Math.min(ready, Math.max(open, 0)),
        blocked, gated.isEmpty() ? "" : " | waiting for a human " + gated.size(), Figures.tokens(usage.totalTokens()),
        Figures.money(usage.costUsd()), Figures.duration(elapsed)) + modelPart();
  }

  private String modelPart() {
    if (modelAt == Long.MIN_VALUE || inFlight.isEmpty() || nanos.getAsLong() - modelAt > MODEL_QUIET_NANOS) {
      return "";
    }
    return " | model: " + modelDoing + (modelDoing.equals("writing") ? ", " + Figures.tokens(modelChars) + " chars"
        : "");
  }

  private static @org.jspecify.annotations.Nullable String stageLine(String time, LoopEvent.StageCompleted c) {
    boolean passed = c.outcome() == dev.loopkit.core.StageOutcome.PASSED;
    String why = firstLine(String.join("; ", c.findings()));
    switch (c.kind()) {
      case WORKSPACE:
        return null;
      case WORK:
        return time + c.ticketId() + "  worker " + (passed ? "completed" : c.outcome().wireName()) + ": "
            + firstLine(passed ? c.summary() : why);
      case REVIEW:
        return time + c.ticketId() + "  review " + (passed ? "approved" : "requested changes: " + why);
      case INTEGRATE:
        return time + c.ticketId() + "  " + (passed ? firstLine(c.summary()) : "not integrated: " + why);
      case VERIFY:
        return time + c.ticketId() + "  verification " + (passed ? "passed: " + (c.evidence().isEmpty() ? ""
            : firstLine(c.evidence().get(0).summary())) : "failed: " + why);
      default:
        return time + c.ticketId() + "  " + c.stage() + " " + (passed ? "passed: " + firstLine(c.summary())
            : c.outcome().wireName() + ": " + why);
    }
  }

  private static @org.jspecify.annotations.Nullable String line(LoopEvent e) {
    String time = LocalTime.ofInstant(e.at(), ZoneId.systemDefault()).format(TIME) + "  ";
    if (e instanceof LoopEvent.RunStarted s) {
      return time + (s.resumed() ? "resumed" : "started") + " run " + s.runId() + " (" + s.tickets() + " tickets)"
          + (s.unsandboxed() ? "\n" + time + "UNSANDBOXED: tickets' processes run as the harness's user, with"
              + " everything it can reach (loop.yaml sandbox: {kind: none})" : "; sandbox: " + s.sandbox());
    } else if (e instanceof LoopEvent.TicketDispatched d) {
      return time + d.ticketId() + "  attempt " + d.attempt() + " started in slot " + d.slot();
    } else if (e instanceof LoopEvent.StageCompleted c) {
      return stageLine(time, c);
    } else if (e instanceof LoopEvent.AttemptFailed f) {
      return time + f.ticketId() + "  attempt " + f.attempt() + " failed at " + f.stage()
          + (f.findings().isEmpty() ? "" : ": " + firstLine(f.findings().get(0)));
    } else if (e instanceof LoopEvent.AttemptDeferred d) {
      return time + d.ticketId() + "  attempt " + d.attempt() + " deferred: waits for " + String.join(", ",
          d.blockers());
    } else if (e instanceof LoopEvent.AttemptInterrupted i) {
      return time + i.ticketId() + "  attempt " + i.attempt() + " interrupted: " + firstLine(i.reason());
    } else if (e instanceof LoopEvent.TicketDone d) {
      return time + d.ticketId() + "  DONE";
    } else if (e instanceof LoopEvent.HumanGated g) {
      return time + g.ticketId() + "  waits for a human: " + firstLine(g.reason());
    } else if (e instanceof LoopEvent.TicketDiscovered d) {
      return time + d.originId() + "  filed " + d.ticketId() + " '" + firstLine(d.title()) + "'"
          + (d.blocksOrigin() ? " (blocks " + d.originId() + ")" : "");
    } else if (e instanceof LoopEvent.ResourceWaited w) {
      return time + w.ticketId() + "  waits for " + w.resource() + " (held by " + w.holder() + ")";
    } else if (e instanceof LoopEvent.CapReached c) {
      return time + "cap reached: " + c.cap() + ": " + firstLine(c.detail());
    } else if (e instanceof LoopEvent.TripwireTripped t) {
      return time + "TRIPWIRE: the definition of done changed: " + String.join("; ", t.changes());
    } else if (e instanceof LoopEvent.HealAttempted h) {
      return time + "heal " + h.heal() + " " + h.outcome() + ": " + firstLine(h.summary());
    } else if (e instanceof LoopEvent.HealReverted r) {
      return time + "heal " + r.heal() + (r.reverted() ? " reverted: " : " not reverted: ") + firstLine(r.reason());
    } else if (e instanceof LoopEvent.RunEnded r) {
      return time + "run ended " + r.ending() + (r.detail().isEmpty() ? "" : ": " + firstLine(r.detail()));
    }
    return null;
  }

  static String firstLine(String text) {
    List<String> lines = text.strip().lines().toList();
    String first = lines.isEmpty() ? "" : lines.get(0);
    return first.length() > 160 ? first.substring(0, 160) + "..." : first;
  }

  /** Ends the in-place status line with a newline and stops the redraw timer. */
  @Override
  public synchronized void close() {
    if (ticker != null) {
      ticker.shutdownNow();
    }
    if (terminal && statusShown) {
      out.print(CLEAR_LINE + statusLine() + "\n");
    } else if (!terminal) {
      out.println(statusLine());
    }
    out.flush();
  }
}
