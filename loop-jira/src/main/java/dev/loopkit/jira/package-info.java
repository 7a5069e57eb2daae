/**
 * A {@link dev.loopkit.core.Tracker} for Jira Cloud over REST v3: {@link dev.loopkit.jira.JiraTracker}. A batch
 * is a JQL query (or a project and a label); reads are one token-paginated search per pass, incremental by
 * {@code updated}; writes are ADF comments, workflow transitions chosen by target status, and issue links;
 * creation is idempotent through a searchable label.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.jira;

import org.jspecify.annotations.NullMarked;
