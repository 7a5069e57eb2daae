/**
 * The one way Loop starts processes. {@link dev.loopkit.core.process.ProcessRunner} runs a
 * {@link dev.loopkit.core.process.Command} (an argument vector, never a shell string; an explicit environment; a
 * timeout after which everything it started is killed; capped output) either for the harness itself
 * ({@link dev.loopkit.core.process.ProcessRunner#unconfined()}) or on behalf of a ticket, confined by a
 * {@link dev.loopkit.core.process.Sandbox} to that ticket's {@link dev.loopkit.core.process.Jail}.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.core.process;

import org.jspecify.annotations.NullMarked;
