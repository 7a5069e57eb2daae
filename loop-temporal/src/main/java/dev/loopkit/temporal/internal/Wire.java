package dev.loopkit.temporal.internal;

import dev.loopkit.core.Budget;
import dev.loopkit.core.Comment;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.Finding;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Workspace;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Not API: the records that cross Temporal (workflow and activity arguments and results), flat and
 * JSON-friendly, and their conversions to and from the core types. They hold ids, statuses, short summaries and
 * findings; transcripts and diffs stay in files the workers write (a payload over the client's threshold goes to
 * External Storage, e.g. {@link dev.loopkit.temporal.SharedFolderStorage}).
 */
public final class Wire {
  private Wire() {}

  /** A ticket as a worker host needs it. */
  public record TicketData(String id, String title, String body, List<String> acceptanceCriteria, String status,
      int priority, List<String> labels, List<String> resources, List<String> dependencies,
      Map<String, String> metadata, List<CommentData> comments, String createdAt) {}

  /** A ticket comment. */
  public record CommentData(String at, String author, String body) {}

  /** A ticket to file, as a worker drafted it. */
  public record DraftData(@Nullable String requestedId, String idempotencyKey, String title, String body,
      List<String> acceptanceCriteria, int priority, List<String> labels, List<String> resources,
      List<String> dependencies, Map<String, String> metadata) {}

  /** Token and money usage; the cost as a decimal string so no precision is lost. */
  public record UsageData(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens,
      String costUsd, long unmeteredCalls) {}

  /** One piece of evidence. */
  public record EvidenceData(String kind, String summary, Map<String, String> attributes) {}

  /** One earlier finding. */
  public record FindingData(int attempt, String stage, String message) {}

  /** A workspace on a worker host, with the task queue of that host. */
  public record WorkspaceData(String ticketId, String directory, Map<String, String> attributes,
      List<String> readOnlyPaths) {}

  /** What is left of the run's caps. */
  public record BudgetData(long tokens, String moneyUsd, String deadline, int maxTurns) {}

  /**
   * One stage call from the coordinator to a worker host. {@code stage} is {@code workspace}, {@code work},
   * {@code review}, {@code verify} or {@code close}. {@code wallClockLeftMillis} is what was left of the run's
   * wall-clock cap, by the engine's clock, when the coordinator sent a stage with a budget (0: none, or unbounded;
   * histories written before it read 0); the attempt workflow bounds that stage's start-to-close by it.
   */
  public record StageCall(String stage, String runId, String runDirectory, TicketData ticket, int attempt,
      @Nullable WorkspaceData workspace, List<FindingData> findings, @Nullable BudgetData budget, String claim,
      List<TicketData> filed, boolean succeeded, String coordinatorQueue, long wallClockLeftMillis) {}

  /**
   * A worker host's answer. {@code outcome} is {@code passed}, {@code failed} or {@code needs-human}; a stage that
   * threw answers with an activity failure instead.
   */
  public record StageReply(String outcome, String summary, List<String> findings, List<EvidenceData> evidence,
      UsageData usage, Map<String, String> attributes, @Nullable WorkspaceData workspace) {}

  /** A discovered ticket to file through the coordinator of the attempt that found it. */
  public record Discovery(String runId, String ticketId, int attempt, String coordinatorQueue, DraftData draft,
      boolean blocksCurrent) {}

  /** How a session of the core engine ended: the kind, its detail, and the cap when a cap ended it. */
  public record SessionOutcome(String kind, String detail, @Nullable String cap) {}

  /** The batch workflow's input: the run, where it lives, and the queues and timeouts of its activities. */
  public record BatchInput(String runId, String runDirectory, String taskQueue, long sessionHeartbeatMillis,
      long sessionTimeoutMillis, int continueAsNewAfterUpdates, int priorRuns, int sessionsBefore,
      boolean decisionsByUpdate) {
    /** The same input for the next run of the workflow after a continue-as-new. */
    public BatchInput next(int sessions) {
      return new BatchInput(runId, runDirectory, taskQueue, sessionHeartbeatMillis, sessionTimeoutMillis,
          continueAsNewAfterUpdates, priorRuns + 1, sessions, decisionsByUpdate);
    }
  }

  /** The ticket workflow's input: one attempt on one ticket. */
  public record AttemptInput(String runId, String ticketId, int attempt, String taskQueue,
      long stageHeartbeatMillis, long stageTimeoutMillis) {}

  /** A ticket as it crosses Temporal. */
  public static TicketData ticket(Ticket t) {
    List<String> deps = new ArrayList<>();
    t.dependencies().forEach(d -> deps.add(d.toString()));
    List<CommentData> comments = new ArrayList<>();
    for (Comment c : t.comments()) {
      comments.add(new CommentData(c.at().toString(), c.author(), c.body()));
    }
    return new TicketData(t.id(), t.title(), t.body(), t.acceptanceCriteria(), t.status().wireName(), t.priority(),
        t.labels(), List.copyOf(t.resources()), deps, t.metadata(), comments, t.createdAt().toString());
  }

  /** The ticket a {@link TicketData} describes. */
  public static Ticket ticket(TicketData d) {
    Ticket.Builder b = Ticket.builder(d.id()).title(d.title()).body(d.body()).acceptanceCriteria(d.acceptanceCriteria())
        .status(Status.parse(d.status())).priority(d.priority()).labels(d.labels())
        .resources(new LinkedHashSet<>(d.resources())).metadata(d.metadata()).createdAt(Instant.parse(d.createdAt()));
    List<Dependency> deps = new ArrayList<>();
    d.dependencies().forEach(s -> deps.add(Dependency.parse(s)));
    b.dependencies(deps);
    List<Comment> comments = new ArrayList<>();
    d.comments().forEach(c -> comments.add(new Comment(Instant.parse(c.at()), c.author(), c.body())));
    return b.comments(comments).build();
  }

  /** A drafted ticket as it crosses Temporal. */
  public static DraftData draft(NewTicket n) {
    List<String> deps = new ArrayList<>();
    n.dependencies().forEach(d -> deps.add(d.toString()));
    return new DraftData(n.requestedId(), n.idempotencyKey(), n.title(), n.body(), n.acceptanceCriteria(),
        n.priority(), n.labels(), List.copyOf(n.resources()), deps, n.metadata());
  }

  /** The new ticket a {@link DraftData} describes; a blank key lets the engine derive it. */
  public static NewTicket draft(DraftData d) {
    NewTicket.Builder b = NewTicket.builder(d.title()).body(d.body())
        .acceptanceCriteria(d.acceptanceCriteria()).priority(d.priority()).labels(d.labels())
        .resources(new LinkedHashSet<>(d.resources())).metadata(d.metadata());
    if (!d.idempotencyKey().isBlank()) { // blank: the engine derives the key from the run, ticket and title
      b.idempotencyKey(d.idempotencyKey());
    }
    String requested = d.requestedId();
    if (requested != null) {
      b.requestedId(requested);
    }
    List<Dependency> deps = new ArrayList<>();
    d.dependencies().forEach(s -> deps.add(Dependency.parse(s)));
    return b.dependencies(deps).build();
  }

  /** Usage as it crosses Temporal. */
  public static UsageData usage(Usage u) {
    return new UsageData(u.inputTokens(), u.outputTokens(), u.cacheReadTokens(), u.cacheWriteTokens(),
        u.costUsd().toPlainString(), u.unmeteredCalls());
  }

  /** The usage a {@link UsageData} describes. */
  public static Usage usage(UsageData u) {
    return new Usage(u.inputTokens(), u.outputTokens(), u.cacheReadTokens(), u.cacheWriteTokens(),
        new BigDecimal(u.costUsd()), u.unmeteredCalls());
  }

  /** Evidence as it crosses Temporal. */
  public static List<EvidenceData> evidence(List<Evidence> list) {
    List<EvidenceData> out = new ArrayList<>();
    list.forEach(e -> out.add(new EvidenceData(e.kind(), e.summary(), e.attributes())));
    return out;
  }

  /** The evidence {@link EvidenceData} describe. */
  public static List<Evidence> evidenceOf(List<EvidenceData> list) {
    List<Evidence> out = new ArrayList<>();
    list.forEach(e -> out.add(new Evidence(e.kind(), e.summary(), e.attributes())));
    return out;
  }

  /** Findings as they cross Temporal. */
  public static List<FindingData> findings(List<Finding> list) {
    List<FindingData> out = new ArrayList<>();
    list.forEach(f -> out.add(new FindingData(f.attempt(), f.stage(), f.message())));
    return out;
  }

  /** The findings {@link FindingData} describe. */
  public static List<Finding> findingsOf(List<FindingData> list) {
    List<Finding> out = new ArrayList<>();
    list.forEach(f -> out.add(new Finding(f.attempt(), f.stage(), f.message())));
    return out;
  }

  /** A workspace as it crosses Temporal. */
  public static WorkspaceData workspace(Workspace w) {
    List<String> ro = new ArrayList<>();
    w.readOnlyPaths().forEach(p -> ro.add(p.toString()));
    return new WorkspaceData(w.ticketId(), w.directory().toString(), w.attributes(), ro);
  }

  /** The workspace a {@link WorkspaceData} describes. */
  public static Workspace workspace(WorkspaceData d) {
    List<Path> ro = new ArrayList<>();
    d.readOnlyPaths().forEach(p -> ro.add(Path.of(p)));
    return new Workspace(d.ticketId(), Path.of(d.directory()), d.attributes(), ro);
  }

  /** A budget as it crosses Temporal. */
  public static BudgetData budget(Budget b) {
    return new BudgetData(b.tokens(), b.moneyUsd().toPlainString(), b.deadline().toString(), b.maxTurns());
  }

  /** The budget a {@link BudgetData} describes. */
  public static Budget budget(BudgetData b) {
    return new Budget(b.tokens(), new BigDecimal(b.moneyUsd()), Instant.parse(b.deadline()), b.maxTurns());
  }
}
