package dev.loopkit.github;

/**
 * Where a {@link GitHubTracker} reads and writes the {@code blocks} and {@code parent-child} edges between
 * issues. {@code related} and {@code discovered-from} edges have no GitHub counterpart and are always lines of
 * the issue body. Body lines ({@code Blocked by #12}, {@code Parent: #3}) are read in both modes.
 */
public enum DependencySource {
  /**
   * GitHub's own relations: issue dependencies ("blocked by") and sub-issues, on github.com and GitHub
   * Enterprise Server 3.19 and later. Issues that Loop files also carry their edges as body lines, the record
   * that survives a crash between filing the issue and linking it.
   */
  NATIVE,
  /** Only lines of the issue body, for servers without issue dependencies or sub-issues. */
  BODY
}
