package dev.loopkit.testing;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Batch;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A tracker whose process dies the moment its first {@link #create} returns, for crash tests of an adapter's
 * idempotent creation: it keeps the run's journal as it stood at that moment (a killed process leaves exactly
 * the bytes it had written), and every later call fails as a dead process would. Restore that journal, then
 * resume the run with a fresh tracker: the discovered ticket must not be filed twice.
 *
 * <pre>{@code
 * DyingTracker dying = new DyingTracker(adapter, RunDirectory.of(runDir).journal());
 * engine(dying).run();                                   // ends FAILED once the tracker is "dead"
 * Files.write(journal, dying.journalAtDeath().orElseThrow());
 * engine(freshAdapter).run();                            // DONE, the ticket filed once
 * }</pre>
 *
 * Thread-safe as far as the tracker it wraps is.
 */
public final class DyingTracker implements Tracker {
  private final Tracker delegate;
  private final Path journal;
  private volatile byte @org.jspecify.annotations.Nullable [] journalAtDeath;

  /**
   * Wraps a tracker that dies after its first create.
   *
   * @param delegate the adapter under test; every call goes to it until it dies
   * @param journal the run's journal file, read when the first create returns
   */
  public DyingTracker(Tracker delegate, Path journal) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.journal = Objects.requireNonNull(journal, "journal");
  }

  /**
   * The journal's bytes when the first create returned; empty while no create has.
   *
   * @return a copy of the bytes, or empty while the tracker is alive
   */
  public Optional<byte[]> journalAtDeath() {
    byte[] bytes = journalAtDeath;
    return bytes == null ? Optional.empty() : Optional.of(bytes.clone());
  }

  private void alive() {
    if (journalAtDeath != null) {
      throw new AdapterException("the process is dead");
    }
  }

  @Override
  public Batch readBatch() {
    alive();
    return delegate.readBatch();
  }

  @Override
  public BatchChanges changesSince(String cursor) {
    alive();
    return delegate.changesSince(cursor);
  }

  @Override
  public Optional<Ticket> find(String id) {
    alive();
    return delegate.find(id);
  }

  @Override
  public Ticket create(NewTicket ticket) {
    alive();
    Ticket t = delegate.create(ticket);
    try {
      journalAtDeath = Files.readAllBytes(journal);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the run journal " + journal, e);
    }
    return t;
  }

  @Override
  public void addDependency(String ticketId, Dependency dependency) {
    alive();
    delegate.addDependency(ticketId, dependency);
  }

  @Override
  public void transition(String ticketId, Status to, String note) {
    alive();
    delegate.transition(ticketId, to, note);
  }

  @Override
  public void comment(String ticketId, String body) {
    alive();
    delegate.comment(ticketId, body);
  }

  @Override
  public boolean claim(String ticketId, String owner) {
    alive();
    return delegate.claim(ticketId, owner);
  }

  @Override
  public String toString() {
    return "DyingTracker{" + delegate + "}";
  }
}
