package dev.loopkit.cli;

import dev.loopkit.core.Ticket;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.VerifyRequest;
import dev.loopkit.oracle.FingerprintSink;
import dev.loopkit.oracle.Fingerprinted;
import dev.loopkit.oracle.TicketCommandVerifier;
import java.util.Map;

/**
 * The project's verifier (each ticket's {@code verify} metadata, else {@code verifier.command}) together with the
 * keys of loop.yaml that define done, so the definition tripwire fingerprints exactly those: the {@code tracker}
 * (which batch), the {@code verifier} section, {@code worker.protect}, and the repository and integration branch
 * of {@code workspace}. A change to any of them between sessions ends the run {@code TAMPERED}; every other key
 * (caps, concurrency, models, the worker's kind and prompt, the healer, the sandbox) may change, and a change of
 * caps or concurrency is counted as an intervention.
 */
final class ProjectVerifier implements Verifier, Fingerprinted {
  private final TicketCommandVerifier tickets;
  private final ProjectConfig config;

  ProjectVerifier(TicketCommandVerifier tickets, ProjectConfig config) {
    this.tickets = tickets;
    this.config = config;
  }

  @Override
  public Verification verify(VerifyRequest request) throws Exception {
    return tickets.verify(request);
  }

  @Override
  public Map<String, String> finishLine(Ticket ticket) {
    return tickets.finishLine(ticket);
  }

  @Override
  public void describe(FingerprintSink sink) {
    sink.part("tickets", tickets);
    sink.config("loop.yaml tracker", config.tracker().toString());
    ProjectConfig.VerifierSettings v = config.verifier();
    sink.config("loop.yaml verifier.command", v.command());
    sink.config("loop.yaml verifier.expect-output", v.expectOutput());
    sink.config("loop.yaml verifier.timeout", v.timeout().toString());
    sink.config("loop.yaml worker.protect", String.join("\n", config.worker().protect()));
    sink.config("loop.yaml workspace.repo", config.workspace().repository().toString());
    sink.config("loop.yaml workspace.integration-branch", config.workspace().integrationBranch());
  }

  @Override
  public String toString() {
    return "ProjectVerifier{" + tickets + "}";
  }
}
