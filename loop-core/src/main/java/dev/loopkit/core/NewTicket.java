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

  public static Builder builder(String title) {
    return new Builder(title);
  }

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
   */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  public String title() {
    return title;
  }

  public String body() {
    return body;
  }

  public List<String> acceptanceCriteria() {
    return acceptanceCriteria;
  }

  public int priority() {
    return priority;
  }

  public List<String> labels() {
    return labels;
  }

  public Set<String> resources() {
    return resources;
  }

  public List<Dependency> dependencies() {
    return dependencies;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  /** {@return the ticket this draft becomes under {@code id}, open, created at {@code createdAt}} */
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

    public Builder title(String title) {
      this.title = checkTitle(title);
      return this;
    }

    public Builder requestedId(String id) {
      this.requestedId = TicketIds.check(id, "NewTicket.requestedId");
      return this;
    }

    public Builder idempotencyKey(String key) {
      if (key.isBlank()) {
        throw new InputException("idempotency key is blank: expected a stable, non-blank key");
      }
      this.idempotencyKey = key;
      return this;
    }

    public Builder body(String body) {
      this.body = Objects.requireNonNull(body, "body");
      return this;
    }

    public Builder acceptanceCriteria(List<String> criteria) {
      acceptanceCriteria.clear();
      criteria.forEach(c -> acceptanceCriteria.add(Objects.requireNonNull(c, "criterion")));
      return this;
    }

    /** @throws InputException unless {@code 0 <= priority <= 4} */
    public Builder priority(int priority) {
      if (priority < 0 || priority > 4) {
        throw new InputException("priority " + priority + " of new ticket '" + title + "': expected 0 to 4");
      }
      this.priority = priority;
      return this;
    }

    public Builder labels(List<String> labels) {
      this.labels.clear();
      labels.forEach(l -> this.labels.add(Objects.requireNonNull(l, "label")));
      return this;
    }

    public Builder resources(Set<String> resources) {
      this.resources.clear();
      resources.forEach(r -> this.resources.add(Objects.requireNonNull(r, "resource")));
      return this;
    }

    public Builder dependencies(List<Dependency> dependencies) {
      this.dependencies.clear();
      dependencies.forEach(this::addDependency);
      return this;
    }

    public Builder addDependency(Dependency dependency) {
      if (!dependencies.contains(dependency)) {
        dependencies.add(Objects.requireNonNull(dependency, "dependency"));
      }
      return this;
    }

    public Builder metadata(Map<String, String> metadata) {
      this.metadata.clear();
      metadata.forEach((k, v) -> this.metadata.put(Objects.requireNonNull(k), Objects.requireNonNull(v)));
      return this;
    }

    public Builder putMetadata(String key, String value) {
      metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    public NewTicket build() {
      return new NewTicket(this);
    }
  }
}
