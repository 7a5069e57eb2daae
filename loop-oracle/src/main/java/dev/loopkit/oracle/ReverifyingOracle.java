package dev.loopkit.oracle;

import dev.loopkit.core.InputException;
import dev.loopkit.core.OracleContext;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Verdict;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.VerifyRequest;
import dev.loopkit.core.Workspace;
import dev.loopkit.core.WorkspaceRequest;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Jail;
import dev.loopkit.core.process.ProcessRunner;
import dev.loopkit.core.process.Sandbox;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * An oracle for "genuinely done": it applies the {@link TrackerOracle} rule to the batch the engine read in
 * this pass, and once that rule says done it runs the verifier again on every {@link Status#DONE} ticket
 * before it agrees. A ticket whose
 * re-verification fails or throws keeps the batch pending, named with the finding.
 *
 * <p>The verifier gets a {@link VerifyRequest} with {@code attempt} 0 (a re-check, not an attempt) and the
 * run id given to the builder, in the workspace the builder's function returns for the ticket (typically the
 * integrated main line, where done work now lives), with processes confined by the builder's
 * {@linkplain Builder#sandbox sandbox} to that workspace (the oracle is not handed the engine's runner). Verification runs on the engine's thread, one ticket
 * after another, so every oracle call takes as long as all of them: use it with fast verifiers, or as the
 * last word in a {@link CompositeOracle}. Thread-safe if the verifier and workspace function are.
 */
public final class ReverifyingOracle implements VerifyingOracle, Fingerprinted {
  private final TrackerOracle statusRule;
  private final Verifier verifier;
  private final Function<Ticket, Workspace> workspaceFor;
  private final String runId;
  private final Sandbox sandbox;

  private ReverifyingOracle(TrackerOracle statusRule, Verifier verifier, Function<Ticket, Workspace> workspaceFor,
      String runId, Sandbox sandbox) {
    this.statusRule = statusRule;
    this.verifier = verifier;
    this.workspaceFor = workspaceFor;
    this.runId = runId;
    this.sandbox = sandbox;
  }

  /**
   * Starts an oracle; {@link Builder#verifier} and a workspace source ({@link Builder#workspaceFor} or
   * {@link Builder#workspaces}) are required.
   *
   * @return a new builder with the default status rule, run id {@code reverify} and the bubblewrap sandbox
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Verdict judge(OracleContext context) {
    Verdict byStatus = statusRule.judge(context);
    if (!byStatus.isDone()) {
      return byStatus; // nothing to re-verify until every ticket is settled: a pass costs what changed
    }
    List<Verdict.Outstanding> outstanding = new ArrayList<>();
    int verified = 0;
    for (Ticket ticket : context.batch().withStatus(Status.DONE, Integer.MAX_VALUE)) {
      String problem = reverify(ticket);
      if (problem == null) {
        verified++;
      } else {
        outstanding.add(new Verdict.Outstanding(ticket.id(), problem));
      }
    }
    if (!outstanding.isEmpty()) {
      return Verdict.pending(outstanding);
    }
    return Verdict.done(((Verdict.Done) byStatus).why() + "; re-verified " + verified + " done tickets");
  }

  /** Null when the ticket re-verified with evidence; otherwise why not. */
  private @Nullable String reverify(Ticket ticket) {
    Verification verification;
    try {
      Workspace workspace = workspaceFor.apply(ticket);
      ProcessRunner processes = ProcessRunner.confined(sandbox,
          Jail.of(workspace.directory()).withReadOnly(workspace.readOnlyPaths()));
      verification = verifier.verify(new VerifyRequest(runId, ticket, workspace, 0, processes));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "re-verification interrupted";
    } catch (Exception e) {
      return "re-verification threw " + e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    if (verification instanceof Verification.Failed) {
      return "done in the tracker but re-verification failed: "
          + String.join("; ", ((Verification.Failed) verification).findings());
    }
    return null;
  }

  /**
   * The same rule with {@code replacement} run on each done ticket, in a workspace that is only the process's
   * temporary directory (no workspace is opened), for the tripwire's canaries.
   */
  @Override
  public ReverifyingOracle withVerifier(Verifier replacement) {
    Path scratch = Path.of(System.getProperty("java.io.tmpdir"));
    return new ReverifyingOracle(statusRule, Objects.requireNonNull(replacement, "verifier"),
        ticket -> new Workspace(ticket.id(), scratch, Map.of("canary", "true")), runId, sandbox);
  }

  @Override
  public void describe(FingerprintSink sink) {
    sink.part("status-rule", statusRule).part("verifier", verifier).config("run-id", runId);
  }

  @Override
  public String toString() {
    return "ReverifyingOracle{" + statusRule + ", verifier=" + verifier + "}";
  }

  /** Builds a {@link ReverifyingOracle}; {@link #verifier} and a workspace source are required. */
  public static final class Builder {
    private TrackerOracle statusRule = TrackerOracle.create();
    private @Nullable Verifier verifier;
    private @Nullable Function<Ticket, Workspace> workspaceFor;
    private String runId = "reverify";
    private Sandbox sandbox = Sandbox.bubblewrap();

    private Builder() {}

    /**
     * How the re-verification's processes are confined, in the ticket's workspace: give it the engine's own
     * ({@code LoopEngine.Builder.sandbox}); default {@link Sandbox#bubblewrap()}, the engine's default.
     *
     * @param sandbox the sandbox each re-verification's runner confines to the ticket's workspace
     * @return this builder
     */
    public Builder sandbox(Sandbox sandbox) {
      this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
      return this;
    }

    /**
     * The rule for every status other than DONE; default {@link TrackerOracle#create()}.
     *
     * @param rule the rule that must say done before any ticket is re-verified
     * @return this builder
     */
    public Builder statusRule(TrackerOracle rule) {
      this.statusRule = Objects.requireNonNull(rule, "rule");
      return this;
    }

    /**
     * The verifier run on each done ticket, e.g. a {@link TicketCommandVerifier}.
     *
     * @param verifier called on the engine's thread, once per done ticket per oracle call that reaches it
     * @return this builder
     */
    public Builder verifier(Verifier verifier) {
      this.verifier = Objects.requireNonNull(verifier, "verifier");
      return this;
    }

    /**
     * Where a done ticket is re-verified; replaces an earlier {@link #workspaces} setting.
     *
     * @param workspaceFor from a done ticket to its workspace; an exception it throws keeps the batch pending,
     *     naming the ticket
     * @return this builder
     */
    public Builder workspaceFor(Function<Ticket, Workspace> workspaceFor) {
      this.workspaceFor = Objects.requireNonNull(workspaceFor, "workspaceFor");
      return this;
    }

    /**
     * Re-verifies in the workspace {@code workspaces} opens for the ticket (attempt 0, this builder's run id).
     * The workspace is not closed afterwards, so it stays for inspection. Replaces an earlier
     * {@link #workspaceFor} setting; a workspace that cannot be opened keeps the batch pending, naming the ticket.
     *
     * @param workspaces the workspace source, e.g. the engine's git worktrees
     * @return this builder
     */
    public Builder workspaces(Workspaces workspaces) {
      Objects.requireNonNull(workspaces, "workspaces");
      this.workspaceFor = ticket -> {
        try {
          return workspaces.open(new WorkspaceRequest(runId, ticket, 0));
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new IllegalStateException("cannot open a workspace to re-verify " + ticket.id() + ": " + e.getMessage(), e);
        }
      };
      return this;
    }

    /**
     * The run id verifiers see; default {@code reverify}.
     *
     * @param runId a non-blank label, e.g. the engine's run id
     * @return this builder
     * @throws InputException if the id is blank
     */
    public Builder runId(String runId) {
      if (runId.isBlank()) {
        throw new InputException("re-verifying oracle run id is blank: expected a non-blank label");
      }
      this.runId = runId;
      return this;
    }

    /**
     * Builds the oracle.
     *
     * @return an oracle with this builder's settings
     * @throws InputException naming the missing setting
     */
    public ReverifyingOracle build() {
      if (verifier == null) {
        throw new InputException("ReverifyingOracle.builder(): no verifier: expected verifier(...) to be set");
      }
      if (workspaceFor == null) {
        throw new InputException(
            "ReverifyingOracle.builder(): no workspace source: expected workspaceFor(...) or workspaces(...)");
      }
      return new ReverifyingOracle(statusRule, verifier, workspaceFor, runId, sandbox);
    }
  }
}
