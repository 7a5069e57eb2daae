/**
 * Runnable examples of embedding Loop, each a small program with a {@code main} that a Java developer can
 * copy from: {@link dev.loopkit.examples.EmbeddedService} (the loop inside an HTTP service the host already
 * runs), {@link dev.loopkit.examples.OpenApiEndpointVerifier} (a verifier of one's own that the tripwire can
 * fingerprint) and {@link dev.loopkit.examples.JsonFileTracker} (a tracker adapter over one JSON file).
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.examples;

import org.jspecify.annotations.NullMarked;
