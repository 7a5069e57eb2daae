package dev.loopkit.oracle;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.VerifyRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * Verifiers that must all pass, run in order. It stops at the first that fails (later ones, often slower,
 * would only add noise) and fails naming the ones not run. A member that throws fails the whole (and one
 * cannot pass without evidence: {@link Verification#passed} refuses it); the evidence of every member that ran is kept. Passes with the evidence of all
 * members. Thread-safe if the members are.
 */
public final class CompositeVerifier implements Verifier, Fingerprinted {
  private final List<Verifier> members;

  private CompositeVerifier(List<Verifier> members) {
    this.members = List.copyOf(members);
  }

  /**
   * Verifiers that must all pass, run in the order given.
   *
   * @param members at least one verifier; put the fast, likely-to-fail ones first
   * @return the composite
   * @throws InputException if no verifier is given
   */
  public static CompositeVerifier allOf(Verifier... members) {
    return allOf(List.of(members));
  }

  /**
   * Verifiers that must all pass, run in the list's order.
   *
   * @param members at least one verifier; the list is copied
   * @return the composite
   * @throws InputException if the list is empty
   */
  public static CompositeVerifier allOf(List<? extends Verifier> members) {
    return new CompositeVerifier(Members.check(members, "CompositeVerifier.allOf()", "verifier"));
  }

  /**
   * The members in the order they run.
   *
   * @return an unmodifiable, non-empty list
   */
  public List<Verifier> members() {
    return members;
  }

  /** What every member reads of the ticket, each member's keys prefixed by its position ({@code 1.verify}). */
  @Override
  public java.util.Map<String, String> finishLine(dev.loopkit.core.Ticket ticket) {
    java.util.Map<String, String> line = new java.util.TreeMap<>();
    for (int i = 0; i < members.size(); i++) {
      int n = i + 1;
      members.get(i).finishLine(ticket).forEach((k, v) -> line.put(n + "." + k, v));
    }
    return line;
  }

  @Override
  public Verification verify(VerifyRequest request) throws InterruptedException {
    List<Evidence> evidence = new ArrayList<>();
    for (int i = 0; i < members.size(); i++) {
      Verifier member = members.get(i);
      String name = "verifier " + (i + 1) + " of " + members.size() + " (" + member + ")";
      Verification result;
      try {
        result = member.verify(request);
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        return Verification.failed(List.of(name + " threw " + e.getClass().getSimpleName() + ": " + e.getMessage()
            + notRun(i + 1)), evidence);
      }
      evidence.addAll(result.evidence());
      if (result instanceof Verification.Failed) {
        List<String> findings = new ArrayList<>(((Verification.Failed) result).findings());
        if (i + 1 < members.size()) {
          findings.add("not run after that failure:" + notRun(i + 1));
        }
        return Verification.failed(findings, evidence);
      }
    }
    return Verification.passed(evidence);
  }

  private String notRun(int from) {
    if (from >= members.size()) {
      return "";
    }
    List<String> names = new ArrayList<>();
    for (int i = from; i < members.size(); i++) {
      names.add(String.valueOf(members.get(i)));
    }
    return " " + names;
  }

  @Override
  public void describe(FingerprintSink sink) {
    Members.describe(sink, members);
  }

  @Override
  public String toString() {
    return "CompositeVerifier" + members;
  }
}
