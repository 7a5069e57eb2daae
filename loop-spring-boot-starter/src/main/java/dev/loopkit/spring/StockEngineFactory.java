package dev.loopkit.spring;

import dev.loopkit.core.Caps;
import dev.loopkit.core.Integrator;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopListener;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.ReadySet;
import dev.loopkit.core.Reviewer;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Tripwire;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Sandbox;
import dev.loopkit.oracle.DefinitionTripwire;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The starter's {@link LoopEngineFactory}: the context's parts (stock or the host's), its listeners and its
 * customizers, looked up at each run's start so a listener bean created late still hears the run. The verifier
 * is guarded by the tripwire when that is a {@link DefinitionTripwire} (a change to the definition of done stops
 * the run {@code TAMPERED} before a verification counts).
 */
final class StockEngineFactory implements LoopEngineFactory {
  private final Tracker tracker;
  private final Oracle oracle;
  private final ReadySet readySet;
  private final Workspaces workspaces;
  private final Worker worker;
  private final Verifier verifier;
  private final Tripwire tripwire;
  private final Caps caps;
  private final Sandbox sandbox;
  private final ObjectProvider<Integrator> integrator;
  private final ObjectProvider<Reviewer> reviewer;
  private final ObjectProvider<LoopListener> listeners;
  private final ObjectProvider<LoopEngineCustomizer> customizers;
  private final @Nullable Path journalKeys;

  StockEngineFactory(Tracker tracker, Oracle oracle, ReadySet readySet, Workspaces workspaces, Worker worker,
      Verifier verifier, Tripwire tripwire, Caps caps, Sandbox sandbox, ObjectProvider<Integrator> integrator,
      ObjectProvider<Reviewer> reviewer, ObjectProvider<LoopListener> listeners,
      ObjectProvider<LoopEngineCustomizer> customizers, @Nullable Path journalKeys) {
    this.tracker = tracker;
    this.oracle = oracle;
    this.readySet = readySet;
    this.workspaces = workspaces;
    this.worker = worker;
    this.verifier = verifier;
    this.tripwire = tripwire;
    this.caps = caps;
    this.sandbox = sandbox;
    this.integrator = integrator;
    this.reviewer = reviewer;
    this.listeners = listeners;
    this.customizers = customizers;
    this.journalKeys = journalKeys;
  }

  @Override
  public LoopEngine engine(Path runDirectory) {
    LoopEngine.Builder b = LoopEngine.builder()
        .tracker(tracker)
        .oracle(oracle)
        .readySet(readySet)
        .workspaces(workspaces)
        .worker(worker)
        .verifier(tripwire instanceof DefinitionTripwire d ? d.guard(verifier) : verifier)
        .tripwire(tripwire)
        .caps(caps)
        .sandbox(sandbox)
        .runDirectory(runDirectory);
    integrator.ifAvailable(b::integrator);
    reviewer.ifAvailable(b::reviewer);
    if (journalKeys != null) {
      b.journalKeys(journalKeys.toAbsolutePath().normalize());
    }
    listeners.orderedStream().forEach(b::listener);
    customizers.orderedStream().forEach(c -> c.customize(b));
    return b.build();
  }

  @Override
  public String toString() {
    return "StockEngineFactory{tracker=" + tracker + ", worker=" + worker + ", sandbox=" + sandbox.describe() + "}";
  }
}
