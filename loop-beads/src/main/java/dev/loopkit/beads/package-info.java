/**
 * A {@link dev.loopkit.core.Tracker} for beads: {@link dev.loopkit.beads.BeadsTracker} drives the {@code bd}
 * executable as real processes through its JSON contract (beads 1.3, {@code schema_version} 1, with
 * {@code BD_JSON_ENVELOPE=1}). A batch is the beads of one database that carry a label.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.beads;

import org.jspecify.annotations.NullMarked;
