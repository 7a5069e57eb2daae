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

  /**
   * A ticket as a worker host needs it.
   *
   * @param id the ticket's id
   * @param title the one-line summary
   * @param body the description, Markdown
   * @param acceptanceCriteria one criterion per entry, in order
   * @param status the ticket's status, by its wire name
   * @param priority 0 (highest) to 4
   * @param labels the labels, in order
   * @param resources names of the resources the ticket needs exclusively while in flight
   * @param dependencies the edges to other tickets, each as {@link Dependency#toString()} writes it
   * @param metadata the key-value pairs
   * @param comments the comments, oldest first
   * @param createdAt when the ticket was created, an ISO-8601 instant
   */
  public record TicketData(String id, String title, String body, List<String> acceptanceCriteria, String status,
      int priority, List<String> labels, List<String> resources, List<String> dependencies,
      Map<String, String> metadata, List<CommentData> comments, String createdAt) {}

  /**
   * A ticket comment.
   *
   * @param at when it was written, an ISO-8601 instant
   * @param author who wrote it
   * @param body what it says
   */
  public record CommentData(String at, String author, String body) {}

  /**
   * A ticket to file, as a worker drafted it.
   *
   * @param requestedId the id the worker would like, or null
   * @param idempotencyKey stable across retries of the same creation; blank lets the engine derive it
   * @param title the one-line summary
   * @param body the description, Markdown
   * @param acceptanceCriteria one criterion per entry, in order
   * @param priority 0 (highest) to 4
   * @param labels the labels, in order
   * @param resources names of resources the ticket will need exclusively while in flight
   * @param dependencies the edges to existing tickets, each as {@link Dependency#toString()} writes it
   * @param metadata the key-value pairs
   */
  public record DraftData(@Nullable String requestedId, String idempotencyKey, String title, String body,
      List<String> acceptanceCriteria, int priority, List<String> labels, List<String> resources,
      List<String> dependencies, Map<String, String> metadata) {}

  /**
   * Token and money usage; the cost as a decimal string so no precision is lost.
   *
   * @param inputTokens uncached input tokens
   * @param outputTokens output tokens
   * @param cacheReadTokens input tokens read from a prompt cache
   * @param cacheWriteTokens input tokens written to a prompt cache
   * @param costUsd what these tokens cost, in dollars, as a plain decimal string
   * @param unmeteredCalls model calls that could not be priced or reported no usage
   */
  public record UsageData(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens,
      String costUsd, long unmeteredCalls) {}

  /**
   * One piece of evidence.
   *
   * @param kind names the check, such as {@code command} or {@code http-probe}
   * @param summary what was seen, in one line
   * @param attributes the details (command, exit code, duration, output hash, ...)
   */
  public record EvidenceData(String kind, String summary, Map<String, String> attributes) {}

  /**
   * One earlier finding.
   *
   * @param attempt the attempt that learned it
   * @param stage where it came from ({@code work}, {@code review}, {@code verify}, ...)
   * @param message what the next worker should know
   */
  public record FindingData(int attempt, String stage, String message) {}

  /**
   * A workspace on a worker host, with the task queue of that host.
   *
   * @param ticketId the ticket
   * @param directory the workspace's directory on the host, as a path string
   * @param attributes facts to record; {@link Queues#HOST_ATTRIBUTE} names the task queue of the host that opened it
   * @param readOnlyPaths paths outside the directory that the attempt's processes need to read
   */
  public record WorkspaceData(String ticketId, String directory, Map<String, String> attributes,
      List<String> readOnlyPaths) {}

  /**
   * What is left of the run's caps.
   *
   * @param tokens tokens left for the whole run
   * @param moneyUsd dollars left for the whole run, as a plain decimal string
   * @param deadline when the run's wall-clock cap expires, an ISO-8601 instant
   * @param maxTurns the most conversation turns one worker may take
   */
  public record BudgetData(long tokens, String moneyUsd, String deadline, int maxTurns) {}

  /**
   * One stage call from the coordinator to a worker host. {@code stage} is {@code workspace}, {@code work},
   * {@code review}, {@code verify} or {@code close}. {@code wallClockLeftMillis} is what was left of the run's
   * wall-clock cap, by the engine's clock, when the coordinator sent a stage with a budget (0: none, or unbounded;
   * histories written before it read 0); the attempt workflow bounds that stage's start-to-close by it.
   *
   * @param stage the stage to run
   * @param runId the run's id
   * @param runDirectory the run directory, as a path string on the coordinator
   * @param ticket the ticket
   * @param attempt the attempt's number on the ticket, from 1
   * @param workspace the attempt's workspace; null for the {@code workspace} stage, which opens it
   * @param findings the findings of earlier attempts (work and review)
   * @param budget what is left of the run's caps (work), else null
   * @param claim what the worker said it did (review), else empty
   * @param filed the tickets the attempt filed as discovered work (review), else empty
   * @param succeeded whether the attempt succeeded ({@code close})
   * @param coordinatorQueue the task queue of the coordinator running the attempt, where its discoveries go
   * @param wallClockLeftMillis the wall clock left when sent, in milliseconds; 0 for none
   */
  public record StageCall(String stage, String runId, String runDirectory, TicketData ticket, int attempt,
      @Nullable WorkspaceData workspace, List<FindingData> findings, @Nullable BudgetData budget, String claim,
      List<TicketData> filed, boolean succeeded, String coordinatorQueue, long wallClockLeftMillis) {}

  /**
   * A worker host's answer. {@code outcome} is {@code passed}, {@code failed} or {@code needs-human}; a stage that
   * threw answers with an activity failure instead.
   *
   * @param outcome {@code passed}, {@code failed} or {@code needs-human}
   * @param summary the worker's summary or the reviewer's notes; may be empty
   * @param findings what failed or must change, when the outcome is {@code failed}
   * @param evidence the evidence of the stage, such as a verifier's checks
   * @param usage the tokens and money the stage used
   * @param attributes facts worth journaling (a review's)
   * @param workspace the opened workspace, for the {@code workspace} stage; else null
   */
  public record StageReply(String outcome, String summary, List<String> findings, List<EvidenceData> evidence,
      UsageData usage, Map<String, String> attributes, @Nullable WorkspaceData workspace) {}

  /**
   * A discovered ticket to file through the coordinator of the attempt that found it.
   *
   * @param runId the run's id
   * @param ticketId the ticket of the attempt that found it
   * @param attempt that attempt's number
   * @param coordinatorQueue the task queue of the coordinator running that attempt
   * @param draft the ticket to file
   * @param blocksCurrent whether the current ticket waits for the new one
   */
  public record Discovery(String runId, String ticketId, int attempt, String coordinatorQueue, DraftData draft,
      boolean blocksCurrent) {}

  /**
   * How a session of the core engine ended: the kind, its detail, and the cap when a cap ended it.
   *
   * @param kind the ending's kind ({@code DONE}, {@code CAPPED}, ...)
   * @param detail what ended it
   * @param cap the cap that ended it, by name; null unless the kind is {@code CAPPED}
   */
  public record SessionOutcome(String kind, String detail, @Nullable String cap) {}

  /**
   * The batch workflow's input: the run, where it lives, and the queues and timeouts of its activities.
   *
   * @param runId the run's id, also the batch workflow's id
   * @param runDirectory the run directory, as a path string on the coordinators
   * @param taskQueue the run's task queue
   * @param sessionHeartbeatMillis the session activity's heartbeat timeout, in milliseconds
   * @param sessionTimeoutMillis the session activity's start-to-close timeout, in milliseconds
   * @param continueAsNewAfterUpdates after how many updates the workflow continues as new
   * @param priorRuns how many runs of the workflow came before this one (continue-as-new)
   * @param sessionsBefore how many sessions those runs scheduled
   * @param decisionsByUpdate whether the workflow takes decisions by its {@code decide} update
   */
  public record BatchInput(String runId, String runDirectory, String taskQueue, long sessionHeartbeatMillis,
      long sessionTimeoutMillis, int continueAsNewAfterUpdates, int priorRuns, int sessionsBefore,
      boolean decisionsByUpdate) {
    /**
     * The same input for the next run of the workflow after a continue-as-new.
     *
     * @param sessions the sessions scheduled so far, across the workflow's runs
     * @return this input with one more prior run and {@code sessions} as the sessions before
     */
    public BatchInput next(int sessions) {
      return new BatchInput(runId, runDirectory, taskQueue, sessionHeartbeatMillis, sessionTimeoutMillis,
          continueAsNewAfterUpdates, priorRuns + 1, sessions, decisionsByUpdate);
    }
  }

  /**
   * The ticket workflow's input: one attempt on one ticket.
   *
   * @param runId the run's id
   * @param ticketId the ticket's id
   * @param attempt the attempt's number on the ticket, from 1
   * @param taskQueue the run's task queue, where the workspace stage goes
   * @param stageHeartbeatMillis the heartbeat timeout of every stage activity, in milliseconds
   * @param stageTimeoutMillis the start-to-close timeout of every stage activity, in milliseconds
   */
  public record AttemptInput(String runId, String ticketId, int attempt, String taskQueue,
      long stageHeartbeatMillis, long stageTimeoutMillis) {}

  /**
   * A ticket as it crosses Temporal.
   *
   * @param t the ticket
   * @return its data
   */
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

  /**
   * The ticket a {@link TicketData} describes.
   *
   * @param d the ticket's data
   * @return the ticket
   */
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

  /**
   * A drafted ticket as it crosses Temporal.
   *
   * @param n the drafted ticket
   * @return its data
   */
  public static DraftData draft(NewTicket n) {
    List<String> deps = new ArrayList<>();
    n.dependencies().forEach(d -> deps.add(d.toString()));
    return new DraftData(n.requestedId(), n.idempotencyKey(), n.title(), n.body(), n.acceptanceCriteria(),
        n.priority(), n.labels(), List.copyOf(n.resources()), deps, n.metadata());
  }

  /**
   * The new ticket a {@link DraftData} describes; a blank key lets the engine derive it.
   *
   * @param d the draft's data
   * @return the drafted ticket
   */
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

  /**
   * Usage as it crosses Temporal.
   *
   * @param u the usage
   * @return its data
   */
  public static UsageData usage(Usage u) {
    return new UsageData(u.inputTokens(), u.outputTokens(), u.cacheReadTokens(), u.cacheWriteTokens(),
        u.costUsd().toPlainString(), u.unmeteredCalls());
  }

  /**
   * The usage a {@link UsageData} describes.
   *
   * @param u the usage's data
   * @return the usage
   */
  public static Usage usage(UsageData u) {
    return new Usage(u.inputTokens(), u.outputTokens(), u.cacheReadTokens(), u.cacheWriteTokens(),
        new BigDecimal(u.costUsd()), u.unmeteredCalls());
  }

  /**
   * Evidence as it crosses Temporal.
   *
   * @param list the evidence
   * @return its data, in the same order
   */
  public static List<EvidenceData> evidence(List<Evidence> list) {
    List<EvidenceData> out = new ArrayList<>();
    list.forEach(e -> out.add(new EvidenceData(e.kind(), e.summary(), e.attributes())));
    return out;
  }

  /**
   * The evidence {@link EvidenceData} describe.
   *
   * @param list the evidence's data
   * @return the evidence, in the same order
   */
  public static List<Evidence> evidenceOf(List<EvidenceData> list) {
    List<Evidence> out = new ArrayList<>();
    list.forEach(e -> out.add(new Evidence(e.kind(), e.summary(), e.attributes())));
    return out;
  }

  /**
   * Findings as they cross Temporal.
   *
   * @param list the findings
   * @return their data, in the same order
   */
  public static List<FindingData> findings(List<Finding> list) {
    List<FindingData> out = new ArrayList<>();
    list.forEach(f -> out.add(new FindingData(f.attempt(), f.stage(), f.message())));
    return out;
  }

  /**
   * The findings {@link FindingData} describe.
   *
   * @param list the findings' data
   * @return the findings, in the same order
   */
  public static List<Finding> findingsOf(List<FindingData> list) {
    List<Finding> out = new ArrayList<>();
    list.forEach(f -> out.add(new Finding(f.attempt(), f.stage(), f.message())));
    return out;
  }

  /**
   * A workspace as it crosses Temporal.
   *
   * @param w the workspace
   * @return its data
   */
  public static WorkspaceData workspace(Workspace w) {
    List<String> ro = new ArrayList<>();
    w.readOnlyPaths().forEach(p -> ro.add(p.toString()));
    return new WorkspaceData(w.ticketId(), w.directory().toString(), w.attributes(), ro);
  }

  /**
   * The workspace a {@link WorkspaceData} describes.
   *
   * @param d the workspace's data
   * @return the workspace
   */
  public static Workspace workspace(WorkspaceData d) {
    List<Path> ro = new ArrayList<>();
    d.readOnlyPaths().forEach(p -> ro.add(Path.of(p)));
    return new Workspace(d.ticketId(), Path.of(d.directory()), d.attributes(), ro);
  }

  /**
   * A budget as it crosses Temporal.
   *
   * @param b the budget
   * @return its data
   */
  public static BudgetData budget(Budget b) {
    return new BudgetData(b.tokens(), b.moneyUsd().toPlainString(), b.deadline().toString(), b.maxTurns());
  }

  /**
   * The budget a {@link BudgetData} describes.
   *
   * @param b the budget's data
   * @return the budget
   */
  public static Budget budget(BudgetData b) {
    return new Budget(b.tokens(), new BigDecimal(b.moneyUsd()), Instant.parse(b.deadline()), b.maxTurns());
  }
}
