package dev.loopkit.oracle;

import dev.loopkit.core.InputException;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.OracleContext;
import dev.loopkit.core.Verdict;
import dev.loopkit.core.Verifier;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Oracles that must all agree. Every member is asked, in order, even after one said pending, so the verdict
 * lists the outstanding reasons of all of them (identical entries once). Done only when every member says
 * done; the reason joins theirs. An exception from a member propagates (the engine then ends the run
 * {@code FAILED}: a broken oracle is not a verdict). Thread-safe if the members are.
 */
public final class CompositeOracle implements VerifyingOracle, Fingerprinted {
  private final List<Oracle> members;

  private CompositeOracle(List<Oracle> members) {
    this.members = List.copyOf(members);
  }

  /**
   * Oracles that must all agree, asked in the order given.
   *
   * @param members at least one oracle
   * @return the composite
   * @throws InputException if no oracle is given
   */
  public static CompositeOracle allOf(Oracle... members) {
    return allOf(List.of(members));
  }

  /**
   * Oracles that must all agree, asked in the list's order.
   *
   * @param members at least one oracle; the list is copied
   * @return the composite
   * @throws InputException if the list is empty
   */
  public static CompositeOracle allOf(List<? extends Oracle> members) {
    return new CompositeOracle(Members.check(members, "CompositeOracle.allOf()", "oracle"));
  }

  /**
   * The members in the order they are asked.
   *
   * @return an unmodifiable, non-empty list
   */
  public List<Oracle> members() {
    return members;
  }

  @Override
  public Verdict judge(OracleContext context) throws Exception {
    Set<Verdict.Outstanding> outstanding = new LinkedHashSet<>();
    List<String> why = new ArrayList<>();
    for (Oracle member : members) {
      Verdict verdict = member.judge(context);
      if (verdict instanceof Verdict.Pending) {
        outstanding.addAll(((Verdict.Pending) verdict).outstanding());
      } else {
        why.add(((Verdict.Done) verdict).why());
      }
    }
    return outstanding.isEmpty() ? Verdict.done(String.join("; ", why)) : Verdict.pending(List.copyOf(outstanding));
  }

  /** Replaces the verifiers of the members that run verifiers; the others are kept. */
  @Override
  public CompositeOracle withVerifier(Verifier verifier) {
    List<Oracle> replaced = new ArrayList<>();
    for (Oracle m : members) {
      replaced.add(m instanceof VerifyingOracle ? ((VerifyingOracle) m).withVerifier(verifier) : m);
    }
    return new CompositeOracle(replaced);
  }

  @Override
  public void describe(FingerprintSink sink) {
    Members.describe(sink, members);
  }

  @Override
  public String toString() {
    return "CompositeOracle" + members;
  }
}
