package dev.loopkit.llm.plan;

import java.util.List;
import java.util.Objects;

/**
 * One sub-ticket of a {@link Plan}, as the planner proposed it and the lint accepted it.
 *
 * @param key the plan-local key edges name (a valid ticket id, e.g. {@code list-cmd}); not the tracker's id
 * @param title one line
 * @param scope what to do and why, in plain language
 * @param acceptance the checkable criteria
 * @param files the file-level places the change lands
 * @param blockedBy plan keys (or ids of existing tickets) that must be done first
 * @param related plan keys or ticket ids, informational
 * @param resources exclusive resources the work needs ({@code infra-apply}, ...)
 * @param testPlan how the change is tested
 * @param verify the finish line's command
 * @param verifyExpect the regular expression its output must contain
 * @param priority 0 (highest) to 4
 */
public record PlannedTicket(String key, String title, String scope, List<String> acceptance, List<String> files,
    List<String> blockedBy, List<String> related, List<String> resources, String testPlan, String verify,
    String verifyExpect, int priority) {

  /**
   * Copies the lists.
   *
   * @param key the plan-local key edges name (a valid ticket id, e.g. {@code list-cmd}); not the tracker's id
   * @param title one line
   * @param scope what to do and why, in plain language
   * @param acceptance the checkable criteria
   * @param files the file-level places the change lands
   * @param blockedBy plan keys (or ids of existing tickets) that must be done first
   * @param related plan keys or ticket ids, informational
   * @param resources exclusive resources the work needs ({@code infra-apply}, ...)
   * @param testPlan how the change is tested
   * @param verify the finish line's command
   * @param verifyExpect the regular expression its output must contain
   * @param priority 0 (highest) to 4
   */
  public PlannedTicket {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(scope, "scope");
    acceptance = List.copyOf(acceptance);
    files = List.copyOf(files);
    blockedBy = List.copyOf(blockedBy);
    related = List.copyOf(related);
    resources = List.copyOf(resources);
    Objects.requireNonNull(testPlan, "testPlan");
    Objects.requireNonNull(verify, "verify");
    Objects.requireNonNull(verifyExpect, "verifyExpect");
  }

  /**
   * The ticket body: the scope, then where the change lands and the test plan.
   *
   * @return the body text
   */
  public String body() {
    StringBuilder b = new StringBuilder(scope.strip());
    if (!files.isEmpty()) {
      b.append("\n\n## Where the change lands\n");
      files.forEach(f -> b.append("- ").append(f).append('\n'));
    }
    if (!testPlan.isBlank()) {
      b.append(files.isEmpty() ? "\n\n" : "\n").append("## Test plan\n").append(testPlan.strip()).append('\n');
    }
    return b.toString();
  }
}
