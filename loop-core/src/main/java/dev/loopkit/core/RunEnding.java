package dev.loopkit.core;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Why a run ended. Only {@link Done} is success, and only the oracle produces it; every other case names
 * what stopped the run.
 */
public sealed interface RunEnding {

  Kind kind();

  /** One line for people and logs. */
  String describe();

  /** The kinds of ending, for exit codes and reports. */
  enum Kind {
    DONE,
    CAPPED,
    STALLED,
    TAMPERED,
    FAILED
  }

  /** The oracle judged the batch done. */
  record Done(String why) implements RunEnding {
    @Override
    public Kind kind() {
      return Kind.DONE;
    }

    @Override
    public String describe() {
      return "DONE: " + why;
    }
  }

  /** A cap was reached; the work stopped there. */
  record Capped(Cap cap, String detail) implements RunEnding {
    @Override
    public Kind kind() {
      return Kind.CAPPED;
    }

    @Override
    public String describe() {
      return "CAPPED (" + cap + "): " + detail;
    }
  }

  /** Nothing was ready, nothing was in flight, and the batch was not done. */
  record Stalled(List<Verdict.Outstanding> outstanding) implements RunEnding {
    public Stalled {
      outstanding = List.copyOf(outstanding);
    }

    @Override
    public Kind kind() {
      return Kind.STALLED;
    }

    @Override
    public String describe() {
      return "STALLED: nothing is ready; outstanding " + outstanding;
    }
  }

  /** The definition of done changed during the run, or a canary misbehaved. */
  record Tampered(List<String> changes) implements RunEnding {
    public Tampered {
      changes = List.copyOf(changes);
    }

    @Override
    public Kind kind() {
      return Kind.TAMPERED;
    }

    @Override
    public String describe() {
      return "TAMPERED: " + String.join("; ", changes);
    }
  }

  /** The run could not go on: a tracker, oracle or other required part failed. */
  record Failed(String message, @Nullable Throwable cause) implements RunEnding {
    @Override
    public Kind kind() {
      return Kind.FAILED;
    }

    @Override
    public String describe() {
      return "FAILED: " + message;
    }
  }
}
