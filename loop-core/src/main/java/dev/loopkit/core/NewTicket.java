package dev.loopkit.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A ticket to be created by a {@link Tracker}: the fields of a {@link Ticket} without a status (new tickets
 * are {@link Status#OPEN}), an optional requested id, and the idempotency key that makes creation safe to
 * repeat after a crash.
 */
public final class NewTicket {
  private final @Nullable String requestedId;
  private final String idempotencyKey;
  private final String title;
  private final String body;
  private final List<String> acceptanceCriteria;
  private final int priority;
  private final List<String> labels;
  private final Set<String> resources;
  private final List<Dependency> dependencies;
  private final Map<String, String> metadata;

  private NewTicket(Builder b) {
    this.requestedId = b.requestedId;
    this.idempotencyKey = b.idempotencyKey == null ? "" : b.idempotencyKey;
    this.title = b.title;
    this.body = b.body;
    this.acceptanceCriteria = List.copyOf(b.acceptanceCriteria);
    this.priority = b.priority;
    this.labels = List.copyOf(b.labels);
    this.resources = Set.copyOf(b.resources);
    this.dependencies = List.copyOf(b.dependencies);
    this.metadata = Map.copyOf(b.metadata);
  }

  /**
   * Starts a draft: priority 2, no requested id, no idempotency key, everything else empty.
   *
   * @param title the one-line summary; not blank
   * @return a builder for a draft with that title
   * @throws InputException if {@code title} is blank
   */
  public static Builder builder(String title) {
    return new Builder(title);
  }

  /**
   * Starts a builder holding every field of this draft, to change some of them.
   *
   * @return a builder whose {@code build()} gives a draft like this one until a setter is called
   */
  public Builder toBuilder() {
    Builder b = new Builder(title);
    b.requestedId = requestedId;
    b.idempotencyKey = idempotencyKey.isEmpty() ? null : idempotencyKey;
    b.body = body;
    b.acceptanceCriteria.addAll(acceptanceCriteria);
    b.priority = priority;
    b.labels.addAll(labels);
    b.resources.addAll(resources);
    b.dependencies.addAll(dependencies);
    b.metadata.putAll(metadata);
    return b;
  }

  /** {@return the id the caller would like; a tracker that assigns its own ids may ignore it} */
  public @Nullable String requestedId() {
    return requestedId;
  }

  /**
   * The key that identifies this creation: a tracker that already holds a ticket created with this key
   * returns that ticket instead of filing a second one. Empty when the caller wants no idempotency.
   *
   * @return the key, or the empty string
   */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** {@return the one-line summary, never blank} */
  public String title() {
    return title;
  }

  /** {@return the description, Markdown; empty when none was given} */
  public String body() {
    return body;
  }

  /** {@return the finish line, one criterion per entry} */
  public List<String> acceptanceCriteria() {
    return acceptanceCriteria;
  }

  /** {@return the priority, 0 (highest) to 4} */
  public int priority() {
    return priority;
  }

  /** {@return the labels to file the ticket with, in order} */
  public List<String> labels() {
    return labels;
  }

  /** {@return resources the ticket will need exclusively while in flight} */
  public Set<String> resources() {
    return resources;
  }

  /** {@return the edges to existing tickets (blockers, parent)} */
  public List<Dependency> dependencies() {
    return dependencies;
  }

  /** {@return free-form key-value pairs to file the ticket with} */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * {@return the ticket this draft becomes under {@code id}, open, created at {@code createdAt}}
   *
   * @param id the id the tracker filed the ticket under
   * @param createdAt when the tracker created it
   */
  public Ticket toTicket(String id, java.time.Instant createdAt) {
    return Ticket.builder(id).title(title).body(body).acceptanceCriteria(acceptanceCriteria).priority(priority)
        .labels(labels).resources(resources).dependencies(dependencies).metadata(metadata)
        .status(Status.OPEN).createdAt(createdAt).build();
  }

  @Override
  public String toString() {
    return "NewTicket{'" + title + "'" + (idempotencyKey.isEmpty() ? "" : " key=" + idempotencyKey) + "}";
  }

  /** Builds a {@link NewTicket}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private @Nullable String requestedId;
    private @Nullable String idempotencyKey;
    private String title;
    private String body = "";
    private final List<String> acceptanceCriteria = new ArrayList<>();
    private int priority = 2;
    private final List<String> labels = new ArrayList<>();
    private final Set<String> resources = new LinkedHashSet<>();
    private final List<Dependency> dependencies = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private Builder(String title) {
      this.title = checkTitle(title);
    }

    private static String checkTitle(String title) {
      if (title.isBlank()) {
        throw new InputException("new ticket title is blank: expected a one-line summary");
      }
      return title;
    }

    /**
     * @param title the one-line summary; not blank
     * @return this builder
     * @throws InputException if {@code title} is blank
     */
    public Builder title(String title) {
      this.title = checkTitle(title);
      return this;
    }

    /**
     * @param id the id the caller would like (see {@link Ticket#isValidId})
     * @return this builder
     * @throws InputException if {@code id} is not a valid ticket id
     */
    public Builder requestedId(String id) {
      this.requestedId = TicketIds.check(id, "NewTicket.requestedId");
      return this;
    }

    /**
     * @param key stable across retries of the same creation (a crash and a resume file the ticket once); not blank
     * @return this builder
     * @throws InputException if {@code key} is blank
     */
    public Builder idempotencyKey(String key) {
      if (key.isBlank()) {
        throw new InputException("idempotency key is blank: expected a stable, non-blank key");
      }
      this.idempotencyKey = key;
      return this;
    }

    /**
     * @param body the description, Markdown
     * @return this builder
     */
    public Builder body(String body) {
      this.body = Objects.requireNonNull(body, "body");
      return this;
    }

    /**
     * Replaces the acceptance criteria.
     *
     * @param criteria one criterion per entry, in order
     * @return this builder
     */
    public Builder acceptanceCriteria(List<String> criteria) {
      acceptanceCriteria.clear();
      criteria.forEach(c -> acceptanceCriteria.add(Objects.requireNonNull(c, "criterion")));
      return this;
    }

    /**
     * @param priority 0 (highest) to 4; default 2
     * @return this builder
     * @throws InputException unless {@code 0 <= priority <= 4}
     */
    public Builder priority(int priority) {
      if (priority < 0 || priority > 4) {
        throw new InputException("priority " + priority + " of new ticket '" + title + "': expected 0 to 4");
      }
      this.priority = priority;
      return this;
    }

    /**
     * Replaces the labels.
     *
     * @param labels the labels, in order
     * @return this builder
     */
    public Builder labels(List<String> labels) {
      this.labels.clear();
      labels.forEach(l -> this.labels.add(Objects.requireNonNull(l, "label")));
      return this;
    }

    /**
     * Replaces the resources.
     *
     * @param resources names of resources the ticket will need exclusively while in flight
     * @return this builder
     */
    public Builder resources(Set<String> resources) {
      this.resources.clear();
      resources.forEach(r -> this.resources.add(Objects.requireNonNull(r, "resource")));
      return this;
    }

    /**
     * Replaces the dependencies; a repeated one is kept once.
     *
     * @param dependencies the edges to existing tickets
     * @return this builder
     */
    public Builder dependencies(List<Dependency> dependencies) {
      this.dependencies.clear();
      dependencies.forEach(this::addDependency);
      return this;
    }

    /**
     * Adds one dependency; one equal to a dependency already held is ignored.
     *
     * @param dependency the edge to an existing ticket
     * @return this builder
     */
    public Builder addDependency(Dependency dependency) {
      if (!dependencies.contains(dependency)) {
        dependencies.add(Objects.requireNonNull(dependency, "dependency"));
      }
      return this;
    }

    /**
     * Replaces the metadata.
     *
     * @param metadata the key-value pairs
     * @return this builder
     */
    public Builder metadata(Map<String, String> metadata) {
      this.metadata.clear();
      metadata.forEach((k, v) -> this.metadata.put(Objects.requireNonNull(k), Objects.requireNonNull(v)));
      return this;
    }

    /**
     * Sets one metadata entry, replacing any value under the same key.
     *
     * @param key the entry's key
     * @param value the entry's value
     * @return this builder
     */
    public Builder putMetadata(String key, String value) {
      metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** {@return the draft} */
    public NewTicket build() {
      return new NewTicket(this);
    }
  }
}
