/**
 * Loop's benchmarks and simulations, run from the shaded jar: {@code java -jar loop-bench/target/loop-bench.jar
 * engine} (the whole engine through its public API) or {@code ... scheduler} (the ready index alone). Not
 * published; nothing depends on this module.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.bench;

import org.jspecify.annotations.NullMarked;
