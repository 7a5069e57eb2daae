package dev.loopkit.llm.work;

import dev.loopkit.core.InputException;
import dev.loopkit.core.Review;
import dev.loopkit.core.ReviewRequest;
import dev.loopkit.core.Reviewer;
import dev.loopkit.core.Usage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link Reviewer} of several reviewers (say three models of three vendors, one of them seeing only the diff),
 * combined by a {@link Rule}: every reviewer must approve, or a strict majority. Every reviewer is asked, in
 * the order added, even when the outcome is settled early, so every verdict is on record: the review's
 * attributes hold {@code panel-rule}, {@code panel-approvals} ({@code 2/3}) and, per reviewer,
 * {@code <name>.verdict} ({@code approve} or {@code request_changes}) and each of its own attributes as
 * {@code <name>.<key>} ({@code claude.vendor}, {@code claude.prompt-sha256}, ...); the engine journals them on the
 * review stage. Findings of the reviewers that requested changes are joined, each prefixed with the reviewer's
 * name; usage is summed. An exception of any reviewer fails the review (the engine counts a failed attempt).
 * Thread-safe when the reviewers are; they are called one after another on the attempt's thread.
 */
public final class ReviewPanel implements Reviewer {
  /** How the verdicts combine. */
  public enum Rule {
    /** Approved only when every reviewer approves. */
    ALL,
    /** Approved when more than half of the reviewers approve. */
    MAJORITY
  }

  private final Rule rule;
  private final Map<String, Reviewer> reviewers;

  private ReviewPanel(Rule rule, Map<String, Reviewer> reviewers) {
    this.rule = rule;
    this.reviewers = reviewers;
  }

  /**
   * A builder for a panel combining verdicts by {@code rule}.
   *
   * @param rule how the verdicts combine
   * @return a builder with no reviewers yet
   */
  public static Builder builder(Rule rule) {
    return new Builder(rule);
  }

  @Override
  public Review review(ReviewRequest request) throws Exception {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("panel-rule", rule.name().toLowerCase(java.util.Locale.ROOT));
    List<String> findings = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Usage usage = Usage.ZERO;
    int approvals = 0;
    for (Map.Entry<String, Reviewer> entry : reviewers.entrySet()) {
      String name = entry.getKey();
      Review review = entry.getValue().review(request);
      usage = usage.plus(review.usage());
      review.attributes().forEach((k, v) -> attributes.put(name + "." + k, v));
      if (review instanceof Review.Approved approved) {
        approvals++;
        attributes.put(name + ".verdict", "approve");
        notes.add(name + ": " + approved.notes());
      } else {
        Review.ChangesRequested changes = (Review.ChangesRequested) review;
        attributes.put(name + ".verdict", "request_changes");
        changes.findings().forEach(f -> findings.add(name + ": " + f));
      }
    }
    int n = reviewers.size();
    attributes.put("panel-approvals", approvals + "/" + n);
    boolean approved = rule == Rule.ALL ? approvals == n : approvals * 2 > n;
    if (approved) {
      String summary = approvals + " of " + n + " reviewers approved (" + attributes.get("panel-rule") + "): "
          + String.join("; ", notes) + (findings.isEmpty() ? "" : "; outvoted: " + String.join("; ", findings));
      return new Review.Approved(summary, usage, attributes);
    }
    return new Review.ChangesRequested(findings, usage, attributes);
  }

  @Override
  public String toString() {
    return "ReviewPanel{" + rule + ", " + reviewers.keySet() + "}";
  }

  /** Builds a {@link ReviewPanel}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final Rule rule;
    private final Map<String, Reviewer> reviewers = new LinkedHashMap<>();

    private Builder(Rule rule) {
      this.rule = Objects.requireNonNull(rule, "rule");
    }

    /**
     * Adds a reviewer under a name unique in the panel (it prefixes its verdict's attributes and findings).
     *
     * @param name the reviewer's name in the panel
     * @param reviewer the reviewer
     * @return this builder
     * @throws InputException when the name is malformed or taken
     */
    public Builder add(String name, Reviewer reviewer) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(reviewer, "reviewer");
      if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,39}")) {
        throw new InputException("reviewer name '" + name + "' passed to ReviewPanel.add: expected 1 to 40"
            + " letters, digits, '.', '_' or '-'");
      }
      if (reviewers.putIfAbsent(name, reviewer) != null) {
        throw new InputException("reviewer name '" + name + "' is used twice in one review panel: expected unique"
            + " names");
      }
      return this;
    }

    /**
     * @return the panel
     * @throws InputException with fewer than two reviewers (one needs no panel)
     */
    public ReviewPanel build() {
      if (reviewers.size() < 2) {
        throw new InputException("a review panel needs at least two reviewers, got " + reviewers.size()
            + (reviewers.isEmpty() ? "" : " (" + reviewers.keySet() + ")") + ": add more, or use the reviewer alone");
      }
      return new ReviewPanel(rule, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(reviewers)));
    }
  }
}
