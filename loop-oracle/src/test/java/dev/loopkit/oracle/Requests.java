package dev.loopkit.oracle;

import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.VerifyRequest;
import dev.loopkit.core.Workspace;
import dev.loopkit.core.process.Jail;
import dev.loopkit.core.process.ProcessRunner;
import dev.loopkit.core.process.Sandbox;
import java.nio.file.Path;
import java.util.Map;

/** Verify requests for tests: one ticket, attempt 1, in a given directory, sandboxed unless said otherwise. */
final class Requests {
  private Requests() {}

  static Ticket ticket(String id, Status status) {
    return Ticket.builder(id).title("ticket " + id).status(status).build();
  }

  static VerifyRequest in(Path dir) {
    return in(dir, Ticket.builder("T-1").title("ticket T-1").build());
  }

  static VerifyRequest in(Path dir, Ticket ticket) {
    return new VerifyRequest("run-1", ticket, new Workspace(ticket.id(), dir, Map.of()), 1);
  }

  /** A request whose processes run as the engine runs them with {@code sandbox: {kind: none}}. */
  static VerifyRequest unsandboxed(Path dir) {
    Ticket ticket = Ticket.builder("T-1").title("ticket T-1").build();
    return new VerifyRequest("run-1", ticket, new Workspace(ticket.id(), dir, Map.of()), 1,
        ProcessRunner.confined(Sandbox.none(), Jail.of(dir)));
  }
}
