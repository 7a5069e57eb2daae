package dev.loopkit.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes in people's decisions from the run's {@link DecisionLog} on every pass: each is journaled, wins over an
 * attempt in flight on its ticket (stopped; its outcome not applied) and becomes a tracker write. Costs one file
 * size check when nothing is new. Engine thread only.
 */
final class Decisions {
  private final Path runDirectory;
  private final byte[] key;
  private final Ledger ledger;

  Decisions(Path runDirectory, byte[] key, Ledger ledger) {
    this.runDirectory = runDirectory;
    this.key = key;
    this.ledger = ledger;
  }

  /** Whether the log holds decisions not taken in yet (one file size check). */
  boolean pending() {
    try {
      java.nio.file.Path log = runDirectory.resolve(DecisionLog.FILE_NAME);
      return java.nio.file.Files.exists(log) && java.nio.file.Files.size(log) > ledger.history().decisionLogOffset();
    } catch (java.io.IOException e) {
      return false; // the next pass reads the log and names the problem
    }
  }

  /**
   * The writes the new decisions call for (journaled, not yet synced).
   *
   * @throws HarnessFault naming the line when the log holds a decision not sealed with the run's key
   */
  List<Settler.Effect> poll(Dispatcher dispatcher) {
    DecisionLog.Read read;
    try {
      read = DecisionLog.readFrom(runDirectory, key, ledger.history().decisionLogOffset());
    } catch (InputException e) {
      throw new HarnessFault(String.valueOf(e.getMessage()), e);
    }
    List<Settler.Effect> writes = new ArrayList<>();
    for (DecisionLog.Line d : read.lines()) {
      ledger.append(new LoopEvent.DecisionRecorded(ledger.now(), d.ticketId(), d.status(), d.reason(), read.end()));
      dispatcher.overrule(d.ticketId());
      writes.add(new Settler.Effect(d.ticketId(), "A person decided: " + d.status().wireName() + " (" + d.reason()
          + ")", d.status(), "decided by a person: " + d.reason()));
    }
    return writes;
  }
}
