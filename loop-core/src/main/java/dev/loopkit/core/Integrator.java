package dev.loopkit.core;

import java.util.Set;

/**
 * The optional stage between review and verification that brings a ticket's change into the integration
 * branch (e.g. a git merge). The engine runs integrations one at a time per resource in {@link #resources()}
 * (by default {@code merge}), on the worker thread of the attempt; a host never has to lock around it.
 */
@FunctionalInterface
public interface Integrator {

  Integration integrate(IntegrateRequest request) throws Exception;

  /** Resources held while integrating; integrations sharing one never overlap. */
  default Set<String> resources() {
    return Set.of("merge");
  }
}
