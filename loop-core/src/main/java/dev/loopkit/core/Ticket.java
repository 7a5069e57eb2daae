package dev.loopkit.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable ticket as a tracker holds it. Build one with {@link #builder(String)}; change one with
 * {@link #toBuilder()}.
 *
 * <p>Ids are 1-100 letters, digits, {@code .}, {@code _} or {@code -}, so they are safe as file names and
 * git branch names. Priority runs from 0 (highest) to 4.
 */
public final class Ticket {
  private final String id;
  private final String title;
  private final String body;
  private final List<String> acceptanceCriteria;
  private final Status status;
  private final int priority;
  private final List<String> labels;
  private final Set<String> resources;
  private final List<Dependency> dependencies;
  private final Map<String, String> metadata;
  private final List<Comment> comments;
  private final Instant createdAt;

  private Ticket(Builder b) {
    this.id = b.id;
    this.title = b.title;
    this.body = b.body;
    this.acceptanceCriteria = List.copyOf(b.acceptanceCriteria);
    this.status = b.status;
    this.priority = b.priority;
    this.labels = List.copyOf(b.labels);
    this.resources = Set.copyOf(new LinkedHashSet<>(b.resources));
    this.dependencies = List.copyOf(b.dependencies);
    this.metadata = Map.copyOf(b.metadata);
    this.comments = List.copyOf(b.comments);
    this.createdAt = b.createdAt;
  }

  /**
   * Whether {@code id} is a valid ticket id: 1-100 letters, digits, {@code .}, {@code _} or {@code -}, starting
   * with a letter or digit (safe as a file name and a git branch name).
   *
   * @param id the candidate id, as read from a file, a command line or a tracker
   * @return true if a tracker may hold a ticket under this id
   */
  public static boolean isValidId(String id) {
    return TicketIds.isValid(id);
  }

  /**
   * Starts a ticket: open, priority 2, created at {@link Instant#EPOCH}, everything else empty.
   *
   * @param id the ticket's id (see {@link #isValidId})
   * @return a builder for a ticket with that id
   * @throws InputException if {@code id} is not a valid ticket id
   */
  public static Builder builder(String id) {
    return new Builder(id);
  }

  /**
   * Starts a builder holding every field of this ticket, to change some of them.
   *
   * @return a builder whose {@code build()} gives a ticket equal to this one until a setter is called
   */
  public Builder toBuilder() {
    Builder b = new Builder(id);
    b.title = title;
    b.body = body;
    b.acceptanceCriteria.addAll(acceptanceCriteria);
    b.status = status;
    b.priority = priority;
    b.labels.addAll(labels);
    b.resources.addAll(resources);
    b.dependencies.addAll(dependencies);
    b.metadata.putAll(metadata);
    b.comments.addAll(comments);
    b.createdAt = createdAt;
    return b;
  }

  private Ticket(Ticket t, Status status) {
    this.id = t.id;
    this.title = t.title;
    this.body = t.body;
    this.acceptanceCriteria = t.acceptanceCriteria;
    this.status = status;
    this.priority = t.priority;
    this.labels = t.labels;
    this.resources = t.resources;
    this.dependencies = t.dependencies;
    this.metadata = t.metadata;
    this.comments = t.comments;
    this.createdAt = t.createdAt;
  }

  /**
   * {@return a copy with another status; cheap (the immutable fields are shared, nothing is validated again)}
   *
   * @param newStatus the status of the copy
   */
  public Ticket withStatus(Status newStatus) {
    return newStatus == status ? this : new Ticket(this, java.util.Objects.requireNonNull(newStatus, "status"));
  }

  /** {@return the ticket's id, unique within its tracker} */
  public String id() {
    return id;
  }

  /** {@return the one-line summary; empty when none was given} */
  public String title() {
    return title;
  }

  /** {@return the description, Markdown} */
  public String body() {
    return body;
  }

  /** {@return the finish line: each entry is one criterion a verifier or reviewer can check} */
  public List<String> acceptanceCriteria() {
    return acceptanceCriteria;
  }

  /** {@return where the ticket is in its life: open, in progress, done, ...} */
  public Status status() {
    return status;
  }

  /**
   * 0 (highest) to 4.
   *
   * @return the ticket's priority
   */
  public int priority() {
    return priority;
  }

  /** {@return the tracker's labels on the ticket, in the tracker's order} */
  public List<String> labels() {
    return labels;
  }

  /**
   * Resources this ticket needs exclusively while in flight, e.g. {@code infra-apply} or {@code merge}.
   *
   * @return the resource names, in the order they were added
   */
  public Set<String> resources() {
    return resources;
  }

  /** {@return the edges to other tickets (blockers, parent), in declaration order} */
  public List<Dependency> dependencies() {
    return dependencies;
  }

  /**
   * {@return the targets of this ticket's dependencies of one type, in declaration order}
   *
   * @param type the kind of edge to follow
   */
  public List<String> dependencyTargets(DependencyType type) {
    List<String> out = new ArrayList<>();
    for (Dependency d : dependencies) {
      if (d.type() == type) {
        out.add(d.target());
      }
    }
    return out;
  }

  /** {@return free-form key-value pairs a tracker or host attaches; the loop keeps them but does not read them} */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * Comments in the order they were added, oldest first.
   *
   * @return the comments, possibly empty
   */
  public List<Comment> comments() {
    return comments;
  }

  /** {@return when the ticket was created; {@link Instant#EPOCH} when the tracker does not know} */
  public Instant createdAt() {
    return createdAt;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Ticket)) {
      return false;
    }
    Ticket t = (Ticket) o;
    return priority == t.priority && id.equals(t.id) && title.equals(t.title) && body.equals(t.body)
        && acceptanceCriteria.equals(t.acceptanceCriteria) && status == t.status && labels.equals(t.labels)
        && resources.equals(t.resources) && dependencies.equals(t.dependencies) && metadata.equals(t.metadata)
        && comments.equals(t.comments) && createdAt.equals(t.createdAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, title, status, priority, dependencies);
  }

  @Override
  public String toString() {
    return "Ticket{" + id + " " + status.wireName() + " p" + priority + " '" + title + "'}";
  }

  /** Builds a {@link Ticket}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final String id;
    private String title = "";
    private String body = "";
    private final List<String> acceptanceCriteria = new ArrayList<>();
    private Status status = Status.OPEN;
    private int priority = 2;
    private final List<String> labels = new ArrayList<>();
    private final Set<String> resources = new LinkedHashSet<>();
    private final List<Dependency> dependencies = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Comment> comments = new ArrayList<>();
    private Instant createdAt = Instant.EPOCH;

    private Builder(String id) {
      this.id = TicketIds.check(Objects.requireNonNull(id, "id"), "Ticket.builder");
    }

    /**
     * @param title the one-line summary
     * @return this builder
     */
    public Builder title(String title) {
      this.title = Objects.requireNonNull(title, "title");
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
     * Adds one acceptance criterion after those already set.
     *
     * @param criterion one criterion a verifier or reviewer can check
     * @return this builder
     */
    public Builder addAcceptanceCriterion(String criterion) {
      acceptanceCriteria.add(Objects.requireNonNull(criterion, "criterion"));
      return this;
    }

    /**
     * @param status the ticket's status; default {@link Status#OPEN}
     * @return this builder
     */
    public Builder status(Status status) {
      this.status = Objects.requireNonNull(status, "status");
      return this;
    }

    /**
     * @param priority 0 (highest) to 4; default 2
     * @return this builder
     * @throws InputException unless {@code 0 <= priority <= 4}
     */
    public Builder priority(int priority) {
      if (priority < 0 || priority > 4) {
        throw new InputException("priority " + priority + " of ticket " + id + ": expected 0 (highest) to 4");
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
     * @param resources names of the resources the ticket needs exclusively while in flight; none blank
     * @return this builder
     * @throws InputException if a name is blank
     */
    public Builder resources(Set<String> resources) {
      this.resources.clear();
      resources.forEach(this::addResource);
      return this;
    }

    /**
     * Adds one resource the ticket needs exclusively while in flight.
     *
     * @param resource the resource's name, such as {@code merge}; not blank
     * @return this builder
     * @throws InputException if the name is blank
     */
    public Builder addResource(String resource) {
      if (resource.isBlank()) {
        throw new InputException("blank resource name on ticket " + id + ": expected a name such as merge");
      }
      resources.add(resource);
      return this;
    }

    /**
     * Replaces the dependencies; a repeated one is kept once.
     *
     * @param dependencies the edges to other tickets
     * @return this builder
     * @throws InputException if a dependency points at this ticket itself
     */
    public Builder dependencies(List<Dependency> dependencies) {
      this.dependencies.clear();
      dependencies.forEach(this::addDependency);
      return this;
    }

    /**
     * Adds one dependency; one equal to a dependency already held is ignored.
     *
     * @param dependency the edge to another ticket
     * @return this builder
     * @throws InputException if the dependency points at this ticket itself
     */
    public Builder addDependency(Dependency dependency) {
      if (dependency.target().equals(id)) {
        throw new InputException("ticket " + id + " depends on itself (" + dependency + ")");
      }
      if (!dependencies.contains(dependency)) {
        dependencies.add(dependency);
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
      metadata.forEach(this::putMetadata);
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

    /**
     * Replaces the comments.
     *
     * @param comments the comments, oldest first
     * @return this builder
     */
    public Builder comments(List<Comment> comments) {
      this.comments.clear();
      comments.forEach(c -> this.comments.add(Objects.requireNonNull(c, "comment")));
      return this;
    }

    /**
     * Adds a comment after those already held.
     *
     * @param comment the comment to add
     * @return this builder
     */
    public Builder addComment(Comment comment) {
      comments.add(Objects.requireNonNull(comment, "comment"));
      return this;
    }

    /**
     * @param createdAt when the ticket was created; default {@link Instant#EPOCH} (unknown)
     * @return this builder
     */
    public Builder createdAt(Instant createdAt) {
      this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
      return this;
    }

    /** {@return the ticket} */
    public Ticket build() {
      return new Ticket(this);
    }
  }
}
