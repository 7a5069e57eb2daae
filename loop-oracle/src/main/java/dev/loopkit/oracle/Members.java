package dev.loopkit.oracle;

import dev.loopkit.core.InputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The members of a composite (oracles or verifiers): checked once, described by position. */
final class Members {
  private Members() {}

  /** @throws InputException naming {@code factory} if the list is empty */
  static <T> List<T> check(List<? extends T> members, String factory, String kind) {
    if (members.isEmpty()) {
      throw new InputException(factory + ": no " + kind + "s: expected at least one");
    }
    List<T> copy = new ArrayList<>();
    members.forEach(m -> copy.add(Objects.requireNonNull(m, kind)));
    return List.copyOf(copy);
  }

  static void describe(FingerprintSink sink, List<?> members) {
    for (int i = 0; i < members.size(); i++) {
      sink.part(Integer.toString(i), members.get(i));
    }
  }
}
