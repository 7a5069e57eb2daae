package dev.loopkit.core;

import java.util.Objects;

/**
 * An edge from the ticket that holds it to {@code target}. On ticket A, {@code Dependency(BLOCKS, "B")} means
 * B blocks A (A waits for B); {@code Dependency(PARENT_CHILD, "P")} means P is A's parent.
 */
public record Dependency(DependencyType type, String target) {

  /**
   * Checks the target.
   *
   * @param type the kind of edge
   * @param target the id of the ticket at the other end; not blank
   * @throws InputException if {@code target} is blank
   */
  public Dependency {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(target, "target");
    if (target.isBlank()) {
      throw new InputException("dependency target is blank: expected a ticket id");
    }
  }

  /**
   * The holder waits until {@code target} is done.
   *
   * @param target the blocker's id
   * @return the edge
   */
  public static Dependency blockedBy(String target) {
    return new Dependency(DependencyType.BLOCKS, target);
  }

  /**
   * {@code parent} is the holder's parent.
   *
   * @param parent the parent's id
   * @return the edge
   */
  public static Dependency childOf(String parent) {
    return new Dependency(DependencyType.PARENT_CHILD, parent);
  }

  /**
   * The holder is related to {@code target}; the edge never keeps either from being ready.
   *
   * @param target the related ticket's id
   * @return the edge
   */
  public static Dependency relatedTo(String target) {
    return new Dependency(DependencyType.RELATED, target);
  }

  /**
   * The holder was filed as discovered work during an attempt on {@code origin}.
   *
   * @param origin the id of the ticket whose attempt filed it
   * @return the edge
   */
  public static Dependency discoveredFrom(String origin) {
    return new Dependency(DependencyType.DISCOVERED_FROM, origin);
  }

  /**
   * Parses {@code type:id} (e.g. {@code blocks:T-2}); a bare id means {@code blocks}.
   *
   * @param value the text, as written in a ticket file or on a command line
   * @return the edge
   * @throws InputException naming the value when the type is unknown or the id is missing
   */
  public static Dependency parse(String value) {
    String text = value.trim();
    int colon = text.indexOf(':');
    if (colon < 0) {
      return blockedBy(text);
    }
    String id = text.substring(colon + 1).trim();
    if (id.isEmpty()) {
      throw new InputException("dependency '" + value + "' has no ticket id: expected type:id, e.g. blocks:T-2");
    }
    return new Dependency(DependencyType.parse(text.substring(0, colon)), id);
  }

  /** {@code type:target}, the form {@link #parse} reads. */
  @Override
  public String toString() {
    return type.wireName() + ":" + target;
  }
}
