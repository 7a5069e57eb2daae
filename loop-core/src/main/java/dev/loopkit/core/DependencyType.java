package dev.loopkit.core;

import java.util.Locale;

/**
 * How one ticket depends on another, with the semantics of beads: {@link #BLOCKS} and {@link #PARENT_CHILD}
 * affect readiness, {@link #RELATED} and {@link #DISCOVERED_FROM} never do.
 */
public enum DependencyType {
  /** The target must be done (or cancelled) before this ticket is ready. */
  BLOCKS("blocks"),
  /** The target is this ticket's parent; a blocked parent blocks its children. */
  PARENT_CHILD("parent-child"),
  /** Informational link. */
  RELATED("related"),
  /** This ticket was filed by a worker while working on the target. */
  DISCOVERED_FROM("discovered-from");

  private final String wireName;

  DependencyType(String wireName) {
    this.wireName = wireName;
  }

  /** {@return the spelling used in files and on the wire, e.g. {@code parent-child}} */
  public String wireName() {
    return wireName;
  }

  /** {@return whether this kind of edge can keep a ticket from being ready} */
  public boolean affectsReadiness() {
    return this == BLOCKS || this == PARENT_CHILD;
  }

  /**
   * Parses a type name: case-insensitive, {@code -} or {@code _} between words.
   *
   * @param value the text, such as {@code parent-child} or {@code BLOCKS}
   * @return the type
   * @throws InputException naming the value and the types expected
   */
  public static DependencyType parse(String value) {
    String normal = value.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (DependencyType type : values()) {
      if (type.wireName.equals(normal)) {
        return type;
      }
    }
    throw new InputException("unknown dependency type '" + value
        + "': expected one of blocks, parent-child, related, discovered-from");
  }
}
