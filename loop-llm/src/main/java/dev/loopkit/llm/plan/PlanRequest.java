package dev.loopkit.llm.plan;

import dev.loopkit.core.InputException;
import dev.loopkit.core.Ticket;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What to plan: an intent in plain language (a sentence or two, or a file's text), or an existing tracker ticket
 * as the master; and whether to file the tickets or only return the plan ({@link #dryRun()}).
 */
public final class PlanRequest {
  private final @Nullable String intent;
  private final @Nullable String masterId;
  private final boolean dryRun;

  private PlanRequest(@Nullable String intent, @Nullable String masterId, boolean dryRun) {
    this.intent = intent;
    this.masterId = masterId;
    this.dryRun = dryRun;
  }

  /**
   * Plans {@code intent}; the master ticket is filed with the intent as its body.
   *
   * @param intent the requirement in a sentence or two, not blank
   * @return the request, not a dry run
   * @throws InputException when blank
   */
  public static PlanRequest intent(String intent) {
    if (intent.isBlank()) {
      throw new InputException("blank intent: expected the requirement in a sentence or two, e.g. 'Add a list"
          + " command to kv, sorted.'");
    }
    return new PlanRequest(intent.strip(), null, false);
  }

  /**
   * Plans the existing ticket {@code id}: it is the master, its title and body the intent.
   *
   * @param id the master's ticket id, such as {@code QS-1}
   * @return the request, not a dry run
   * @throws InputException when {@code id} is not a valid ticket id
   */
  public static PlanRequest master(String id) {
    if (!Ticket.isValidId(id)) {
      throw new InputException("master ticket id '" + id + "': expected a ticket id such as QS-1");
    }
    return new PlanRequest(null, id, false);
  }

  /**
   * This request returning the plan without filing anything.
   *
   * @return a copy that is a dry run
   */
  public PlanRequest dryRun() {
    return new PlanRequest(intent, masterId, true);
  }

  /**
   * The intent to plan, when the request was made from one.
   *
   * @return the intent, or null when the request names a master
   */
  public @Nullable String intentText() {
    return intent;
  }

  /**
   * The master ticket to plan, when the request names one.
   *
   * @return the master's id, or null when the request was made from an intent
   */
  public @Nullable String masterId() {
    return masterId;
  }

  /**
   * Whether the plan is returned without filing anything.
   *
   * @return true for a dry run
   */
  public boolean isDryRun() {
    return dryRun;
  }

  @Override
  public String toString() {
    return "PlanRequest{" + (masterId != null ? "master=" + masterId : "intent='" + Objects.requireNonNull(intent)
        + "'") + (dryRun ? ", dry run" : "") + "}";
  }
}
