/**
 * Loop's core: the domain types (tickets, dependencies, outcomes), the small interfaces a host implements
 * (tracker, oracle, ready set, worker, reviewer, integrator, verifier, workspaces), the default capped
 * {@link dev.loopkit.core.LoopEngine}, its run journal and the embedded Markdown tracker.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.core;

import org.jspecify.annotations.NullMarked;
