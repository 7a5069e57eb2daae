/**
 * The embedded Markdown tracker: a folder of one {@code <id>.md} file per ticket, with YAML front matter for
 * the fields, the Markdown body for the description and a {@code ## Log} section for comments. The entry point
 * is {@link dev.loopkit.core.markdown.MarkdownTracker}; the file format is described in
 * {@code loop-core/MARKDOWN-TRACKER.md}.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.core.markdown;

import org.jspecify.annotations.NullMarked;
