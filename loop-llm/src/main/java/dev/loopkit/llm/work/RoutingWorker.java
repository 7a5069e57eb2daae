package dev.loopkit.llm.work;

import dev.loopkit.core.Assignment;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Worker} that hands each attempt to one of several workers by the ticket's labels or priority, and
 * escalates to a stronger worker once an attempt on the ticket has failed: a cheap, fast model as the first pass
 * on tickets labelled {@code mechanical}, the strongest model at its highest reasoning effort otherwise and on
 * every retry.
 *
 * <pre>{@code
 * Worker worker = RoutingWorker.builder("strong", strong)          // the default route
 *     .route("fast", RoutingWorker.labelled("mechanical"), fast)   // first match wins
 *     .escalateTo("strong", strong)                                // from attempt 2 on
 *     .build();
 * }</pre>
 *
 * <p>The route taken is recorded on the work stage's journal event: attributes {@code route} (the route's name)
 * and {@code route-reason} ({@code label mechanical}, {@code priority 3}, {@code default}, or
 * {@code escalated: attempt 2 after 1 failed}), next to the chosen worker's own attributes. Each attempt is
 * still a fresh worker; routing only picks which one. Thread-safe when the workers are.
 */
public final class RoutingWorker implements Worker {
  private final List<Route> routes;
  private final Route fallback;
  private final @Nullable Route escalation;
  private final int escalateFromAttempt;

  /** One route: a name for the journal, when it applies, the worker, and how to describe the match. */
  private record Route(String name, Predicate<Ticket> when, String reason, Worker worker) {}

  private RoutingWorker(Builder b) {
    this.routes = List.copyOf(b.routes);
    this.fallback = b.fallback;
    this.escalation = b.escalation;
    this.escalateFromAttempt = b.escalateFromAttempt;
  }

  /**
   * A builder whose default route (when no other matches) is {@code worker}, named {@code name}.
   *
   * @param name names the default route in the journal
   * @param worker the worker of tickets no route matches
   * @return a builder
   */
  public static Builder builder(String name, Worker worker) {
    return new Builder(name, worker);
  }

  /**
   * Tickets that carry this label.
   *
   * @param label the label
   * @return a predicate that names the label in the journal
   */
  public static Predicate<Ticket> labelled(String label) {
    Objects.requireNonNull(label, "label");
    return new Described<>(t -> t.labels().contains(label), "label " + label);
  }

  /**
   * Tickets whose priority is this value or lower in importance (0 is highest, 4 lowest): {@code priority >= p}.
   *
   * @param priority 0 to 4
   * @return a predicate that names the priority in the journal
   * @throws InputException unless 0 to 4
   */
  public static Predicate<Ticket> priorityAtLeast(int priority) {
    if (priority < 0 || priority > 4) {
      throw new InputException("priority " + priority + " passed to RoutingWorker.priorityAtLeast: expected 0 to 4");
    }
    return new Described<>(t -> t.priority() >= priority, "priority " + priority + " or lower");
  }

  /** A predicate that names itself, for the journal's {@code route-reason}. */
  private record Described<T>(Predicate<T> test, String description) implements Predicate<T> {
    @Override
    public boolean test(T value) {
      return test.test(value);
    }

    @Override
    public String toString() {
      return description;
    }
  }

  @Override
  public WorkResult work(Assignment assignment) throws Exception {
    Route route = null;
    String reason = null;
    int failed = assignment.attempt() - 1;
    if (escalation != null && assignment.attempt() >= escalateFromAttempt) {
      route = escalation;
      reason = "escalated: attempt " + assignment.attempt() + " after " + failed + " failed";
    } else {
      for (Route r : routes) {
        if (r.when().test(assignment.ticket())) {
          route = r;
          reason = r.reason();
          break;
        }
      }
    }
    if (route == null) {
      route = fallback;
      reason = "default";
    }
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("route", route.name());
    facts.put("route-reason", reason);
    WorkResult result = route.worker().work(assignment);
    return result.withAttributes(facts);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("RoutingWorker{");
    routes.forEach(r -> sb.append(r.reason()).append(" -> ").append(r.name()).append(", "));
    sb.append("default -> ").append(fallback.name());
    if (escalation != null) {
      sb.append(", from attempt ").append(escalateFromAttempt).append(" -> ").append(escalation.name());
    }
    return sb.append('}').toString();
  }

  /** Builds a {@link RoutingWorker}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final List<Route> routes = new ArrayList<>();
    private final Route fallback;
    private @Nullable Route escalation;
    private int escalateFromAttempt = 2;

    private Builder(String name, Worker worker) {
      this.fallback = new Route(name(name), t -> true, "default", Objects.requireNonNull(worker, "worker"));
    }

    private static String name(String name) {
      Objects.requireNonNull(name, "name");
      if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,39}")) {
        throw new InputException("route name '" + name + "' passed to RoutingWorker: expected 1 to 40 letters,"
            + " digits, '.', '_' or '-'");
      }
      return name;
    }

    /**
     * Routes tickets matching {@code when} to {@code worker}; routes are tried in the order added, the first
     * match wins. {@link RoutingWorker#labelled} and {@link RoutingWorker#priorityAtLeast} name themselves in
     * the journal; another predicate appears by its {@code toString()}.
     *
     * @param name names the route in the journal
     * @param when which tickets the route takes
     * @param worker the worker of those tickets
     * @return this builder
     */
    public Builder route(String name, Predicate<Ticket> when, Worker worker) {
      Objects.requireNonNull(when, "when");
      routes.add(new Route(name(name), when, String.valueOf(when), Objects.requireNonNull(worker, "worker")));
      return this;
    }

    /**
     * From attempt 2 on (after a failed attempt), every ticket goes to {@code worker}, whatever its route.
     *
     * @param name names the escalation in the journal
     * @param worker the worker of every retried ticket
     * @return this builder
     */
    public Builder escalateTo(String name, Worker worker) {
      return escalateTo(name, worker, 2);
    }

    /**
     * From attempt {@code fromAttempt} on, every ticket goes to {@code worker}.
     *
     * @param name names the escalation in the journal
     * @param worker the worker of every ticket from that attempt on
     * @param fromAttempt the first attempt escalated, 2 or more
     * @return this builder
     * @throws InputException below 2
     */
    public Builder escalateTo(String name, Worker worker, int fromAttempt) {
      if (fromAttempt < 2) {
        throw new InputException("escalation from attempt " + fromAttempt + " passed to RoutingWorker: expected 2"
            + " or later (attempt 1 has no failure to escalate from)");
      }
      this.escalation = new Route(name(name), t -> true, "escalated", Objects.requireNonNull(worker, "worker"));
      this.escalateFromAttempt = fromAttempt;
      return this;
    }

    /**
     * The routing worker; the routes are tried in the order added.
     *
     * @return the worker
     */
    public RoutingWorker build() {
      return new RoutingWorker(this);
    }
  }
}
