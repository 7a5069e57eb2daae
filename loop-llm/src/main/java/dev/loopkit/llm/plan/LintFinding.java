package dev.loopkit.llm.plan;

import java.util.Objects;

/**
 * One failure of the {@link ReadinessLint}: the ticket, the field that fails, the rule, and what was expected.
 *
 * @param ticketId the ticket (a plan's draft key before filing)
 * @param field the field that fails: {@code verify}, {@code verify-expect}, {@code acceptance}, {@code title},
 *     {@code body}, {@code dependencies}, {@code resources}
 * @param rule the rule's name ({@link ReadinessLint#RULES})
 * @param message what is wrong and what was expected
 */
public record LintFinding(String ticketId, String field, String rule, String message) {

  /**
   * Checks that no component is null.
   *
   * @param ticketId the ticket (a plan's draft key before filing)
   * @param field the field that fails: {@code verify}, {@code verify-expect}, {@code acceptance}, {@code title},
   *     {@code body}, {@code dependencies}, {@code resources}
   * @param rule the rule's name ({@link ReadinessLint#RULES})
   * @param message what is wrong and what was expected
   */
  public LintFinding {
    Objects.requireNonNull(ticketId, "ticketId");
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(message, "message");
  }

  /** One line: {@code <ticket> <field> [<rule>]: <message>}, as {@code loop lint} prints it. */
  @Override
  public String toString() {
    return ticketId + " " + field + " [" + rule + "]: " + message;
  }
}
