package dev.loopkit.llm.plan;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A plan as it stood when planning ended: the intent, the master ticket, the sub-tickets last proposed, the
 * research reports, every lint round and every review. Saved as {@code plan.json} in the plan's directory.
 *
 * @param id stable for the same intent (or the same master ticket), so a re-run files nothing twice
 * @param intent the requirement in plain language
 * @param existingMaster the id of the tracker ticket that is the master, or null when the plan files one
 * @param masterTitle the master's title (proposed by the planner, or the existing ticket's)
 * @param masterAcceptance the master's acceptance criteria
 * @param tickets the sub-tickets, empty when no proposal was accepted
 * @param research the research reports, in the order asked
 * @param lintRounds the lint rounds, in order
 * @param reviews the review rounds, in order
 */
public record Plan(String id, String intent, @Nullable String existingMaster, String masterTitle,
    List<String> masterAcceptance, List<PlannedTicket> tickets, List<ResearchReport> research,
    List<LintRound> lintRounds, List<ReviewRound> reviews) {

  /**
   * Copies the lists.
   *
   * @param id stable for the same intent (or the same master ticket), so a re-run files nothing twice
   * @param intent the requirement in plain language
   * @param existingMaster the id of the tracker ticket that is the master, or null when the plan files one
   * @param masterTitle the master's title (proposed by the planner, or the existing ticket's)
   * @param masterAcceptance the master's acceptance criteria
   * @param tickets the sub-tickets, empty when no proposal was accepted
   * @param research the research reports, in the order asked
   * @param lintRounds the lint rounds, in order
   * @param reviews the review rounds, in order
   */
  public Plan {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(intent, "intent");
    Objects.requireNonNull(masterTitle, "masterTitle");
    masterAcceptance = List.copyOf(masterAcceptance);
    tickets = List.copyOf(tickets);
    research = List.copyOf(research);
    lintRounds = List.copyOf(lintRounds);
    reviews = List.copyOf(reviews);
  }

  /**
   * The plan as a table, one row per ticket: key, priority, blockers, resources, title and finish line; what
   * {@code loop plan --dry-run} prints.
   *
   * @return the table: a line naming the plan and its master, a header, then per ticket its row and its finish line
   */
  public String table() {
    int keyWidth = Math.max(3, tickets.stream().mapToInt(t -> t.key().length()).max().orElse(3));
    int blockWidth = Math.max(10, tickets.stream().mapToInt(t -> String.join(",", t.blockedBy()).length()).max()
        .orElse(10));
    StringBuilder out = new StringBuilder();
    out.append("plan ").append(id).append(": ").append(masterTitle)
        .append(existingMaster == null ? " (master to file)" : " (master " + existingMaster + ")").append('\n');
    String format = "%-" + keyWidth + "s  %-2s  %-" + blockWidth + "s  %-12s  %s%n";
    out.append(String.format(java.util.Locale.ROOT, format, "key", "p", "blocked by", "resources", "title"));
    for (PlannedTicket t : tickets) {
      out.append(String.format(java.util.Locale.ROOT, format, t.key(), t.priority(),
          t.blockedBy().isEmpty() ? "-" : String.join(",", t.blockedBy()),
          t.resources().isEmpty() ? "-" : String.join(",", t.resources()), t.title()));
      out.append(String.format(java.util.Locale.ROOT, "%-" + keyWidth + "s  %s%n", "",
          "verify: " + t.verify() + "  expect: " + t.verifyExpect()));
    }
    return out.toString();
  }
}
