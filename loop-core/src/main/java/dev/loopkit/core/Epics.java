package dev.loopkit.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Keeps epics waiting for their children. An <b>epic</b> is a ticket labelled {@value #LABEL} (any letter case),
 * such as the master ticket {@code loop plan} files: a container whose children (tickets with a
 * {@code parent-child} edge to it) are the work. Whatever the ready set says, an epic does not start while any of
 * its children is neither done nor cancelled; once they all are, it starts like any ticket, and its own finish line
 * (the whole feature's check) is verified. A ticket that is not an epic is never held here, so beads' rule stays
 * as it is for every other parent: open children do not block their parent.
 *
 * <p>Costs what changed: the index of open children is updated from each pass's {@link BatchChanges}. Engine
 * thread only.
 */
final class Epics {
  /** The label that makes a ticket an epic. */
  static final String LABEL = "epic";

  /** Parent id to the ids of its children that are not done or cancelled yet. */
  private final Map<String, Set<String>> openChildren = new HashMap<>();
  /** Child id to the parents it was counted under, so that a changed or removed child is uncounted. */
  private final Map<String, List<String>> parentsOf = new HashMap<>();

  /** Whether {@code ticket} is an epic. */
  static boolean isEpic(Ticket ticket) {
    for (String label : ticket.labels()) {
      if (label.toLowerCase(Locale.ROOT).equals(LABEL)) {
        return true;
      }
    }
    return false;
  }

  /** Takes in a pass's changes (a full read replaces everything). */
  void apply(BatchChanges changes) {
    if (changes.full()) {
      openChildren.clear();
      parentsOf.clear();
    } else {
      changes.removed().forEach(this::uncount);
    }
    for (Ticket t : changes.tickets()) {
      uncount(t.id());
      if (!t.status().releasesDependents()) {
        List<String> parents = t.dependencyTargets(DependencyType.PARENT_CHILD);
        if (!parents.isEmpty()) {
          parentsOf.put(t.id(), List.copyOf(parents));
          parents.forEach(p -> openChildren.computeIfAbsent(p, k -> new HashSet<>()).add(t.id()));
        }
      }
    }
  }

  /** {@code ready} without the epics that still wait for a child (the same list when none does). */
  List<Ticket> withoutWaitingEpics(List<Ticket> ready) {
    if (openChildren.isEmpty()) {
      return ready;
    }
    List<Ticket> out = null;
    for (int i = 0; i < ready.size(); i++) {
      Ticket t = ready.get(i);
      boolean waits = openChildren.containsKey(t.id()) && isEpic(t);
      if (waits && out == null) {
        out = new ArrayList<>(ready.subList(0, i));
      } else if (!waits && out != null) {
        out.add(t);
      }
    }
    return out == null ? ready : out;
  }

  private void uncount(String child) {
    List<String> parents = parentsOf.remove(child);
    if (parents == null) {
      return;
    }
    for (String p : parents) {
      Set<String> open = openChildren.get(p);
      if (open != null && open.remove(child) && open.isEmpty()) {
        openChildren.remove(p);
      }
    }
  }
}
