package dev.loopkit.core;

import java.util.Map;
import java.util.TreeMap;

/**
 * Checks a ticket's finish line live (runs the tests, probes the endpoint) and returns evidence. Called on
 * the worker thread of the attempt after work, review and integration (on the candidate's checkout when the
 * integrator builds candidates), and once more on the integration head by the final gate. An exception is a
 * failed attempt. {@code loop-oracle} provides command, HTTP-probe and composite verifiers.
 */
@FunctionalInterface
public interface Verifier {

  /**
   * Verifies one attempt's work.
   *
   * @param request the ticket, the workspace to check and a confined process runner
   * @return a pass with positive evidence, or a failure saying what failed
   * @throws Exception if it cannot verify; the attempt fails, naming the error
   */
  Verification verify(VerifyRequest request) throws Exception;

  /**
   * What this verifier reads of a ticket to decide its finish line: the engine freezes a digest of it for
   * every ticket at the run's start and trips the run when it changes. The default is the acceptance criteria;
   * a verifier that reads more (a {@code verify} command in the ticket's metadata, an endpoint) must add it.
   *
   * @param ticket the ticket whose finish line is read
   * @return named parts of the finish line mapped to what the verifier reads of them
   */
  default Map<String, String> finishLine(Ticket ticket) {
    Map<String, String> line = new TreeMap<>();
    line.put("acceptance-criteria", String.join("\n", ticket.acceptanceCriteria()));
    return line;
  }
}
