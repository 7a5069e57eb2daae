/**
 * A {@link dev.loopkit.core.Tracker} for Linear over its GraphQL API: {@link dev.loopkit.linear.LinearTracker}.
 * A batch is the issues of one team narrowed by a label, a project or a cycle; each pass is one paginated query,
 * incremental reads filter on {@code updatedAt}, rate limits are read from the response headers and waited out
 * within a cap, and creation is idempotent through an issue id derived from the idempotency key.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.linear;

import org.jspecify.annotations.NullMarked;
