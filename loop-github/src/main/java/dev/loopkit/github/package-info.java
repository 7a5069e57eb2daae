/**
 * A {@link dev.loopkit.core.Tracker} for GitHub Issues: {@link dev.loopkit.github.GitHubTracker}. A batch is
 * the issues of one repository that carry a label or belong to a milestone; reads are conditional, rate limits
 * are waited out within a cap, and creation is idempotent through a hidden marker in the issue body.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.github;

import org.jspecify.annotations.NullMarked;
