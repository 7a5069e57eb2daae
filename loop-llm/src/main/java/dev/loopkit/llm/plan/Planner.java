package dev.loopkit.llm.plan;

import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Usage;
import dev.loopkit.llm.Message;
import dev.loopkit.llm.ModelClient;
import dev.loopkit.llm.agent.AgentLimits;
import dev.loopkit.llm.agent.AgentLoop;
import dev.loopkit.llm.agent.AgentOutcome;
import dev.loopkit.llm.agent.TranscriptWriter;
import dev.loopkit.llm.tools.Toolbox;
import dev.loopkit.llm.tools.WorkspaceTools;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * The planner: from an intent to a batch an unattended loop can finish. One {@link #plan} call
 *
 * <ol>
 *   <li>starts a planner conversation (the capped {@link AgentLoop}) with the intent;
 *   <li>its {@code research} tool runs the research pass: at most {@link Builder#maxQuestions} fresh agents,
 *       {@link Builder#researchConcurrency} at a time on the executor, each with the read-only repository tools
 *       ({@code read_file}, {@code list_files}, {@code search}, confined to the repository; no writes, no
 *       commands), each answering one question the planner set;
 *   <li>its {@code propose_tickets} tool takes the decomposition as structured data, checks its structure and
 *       runs the {@link ReadinessLint} on it as draft tickets under the master; findings go back to the model, for
 *       at most {@link Builder#lintRounds} rounds (then planning gives up with the findings:
 *       {@link PlanOutcome.LintFailed});
 *   <li>a reviewer model (of another vendor unless {@link Builder#allowSameVendorReview}) approves the plan or
 *       requests changes, which go back to the planner's conversation, for at most {@link Builder#reviewRounds}
 *       reviews ({@link PlanOutcome.ReviewFailed});
 *   <li>unless the request is a dry run, files the master (unless it exists) and the tickets through
 *       {@link Tracker#create}, idempotently: each carries a plan key (sha256 of the plan id and its title) in its
 *       metadata and idempotency key, so a re-run of the same intent files nothing twice. Tickets are children
 *       ({@code parent-child}) of the master, with their {@code blocks} and {@code related} edges.
 * </ol>
 *
 * <p>Everything is journaled to the plan's own directory, {@code <planDirectory>/<plan id>/}: {@code plan.json},
 * {@code research/<n>.md}, {@code lint/round-<n>.json}, {@code review/round-<n>.json}, {@code filed.json} and one
 * transcript per agent under {@code transcripts/}; not the run journal.
 *
 * <p>Immutable; {@link #plan} blocks the calling thread for the whole plan (the research agents run on the
 * executor) and may be called from several threads for different intents.
 */
public final class Planner {
  /** The key of the master ticket in a plan's edges and in {@link PlanOutcome.Ready#filed()}. */
  public static final String MASTER = "master";

  /**
   * The label of a master the planner files: an epic, which the engine starts only once every child is done or
   * cancelled, so its finish line checks the whole feature.
   */
  public static final String EPIC_LABEL = "epic";
  /** The metadata keys a filed ticket carries. */
  public static final String PLAN_ID = "plan-id";
  /** The metadata key holding a filed ticket's {@link #planKey}, so a re-run finds the ticket it already filed. */
  public static final String PLAN_KEY = "plan-key";

  static final String SYSTEM = "You are the planner of an unattended coding loop. Turn the intent into a batch of"
      + " small tickets that fresh workers, each with an empty context, can finish without asking anyone. First"
      + " call research once with the few questions whose answers you need from the repository (what exists, where"
      + " a change lands, what could block it). Then call propose_tickets with the master ticket and every"
      + " sub-ticket: decided scope (no open questions, no TBD), checkable acceptance criteria, the files the change"
      + " touches, blocked_by edges between keys, resources for infrastructure work (infra-apply), a test plan, and"
      + " a finish line: a verify command that exists in the repository and a verify_expect regular expression its"
      + " output must show. Fix every finding you get back and propose the whole plan again. When it is accepted,"
      + " end your turn with a one-paragraph summary.";
  static final String RESEARCH_SYSTEM = "You are a research agent. Answer one question about the repository using"
      + " the read-only tools (read_file, list_files, search). You cannot change anything. End with a short"
      + " report: the answer, the files and lines that show it, and anything that could block the work.";
  static final String REVIEW_SYSTEM = "You review a plan for an unattended coding loop. Check that the tickets"
      + " cover the intent, that each is small, decided and verifiable by its finish line, and that the edges and"
      + " resources are right. Call review_plan once: approve, or request_changes with concrete findings.";

  private final ModelClient planner;
  private final String plannerModel;
  private final @Nullable ModelClient reviewer;
  private final String reviewerModel;
  private final IntFunction<ModelClient> researchers;
  private final String researcherModel;
  private final Path repository;
  private final Path planDirectory;
  private final ReadinessLint lint;
  private final int maxQuestions;
  private final int researchConcurrency;
  private final @Nullable Executor executor;
  private final int lintRounds;
  private final int reviewRounds;
  private final int maxTickets;
  private final int maxTurns;
  private final long maxTokens;
  private final BigDecimal maxCostUsd;
  private final Duration timeout;
  private final Clock clock;

  private Planner(Builder b) {
    this.planner = b.planner;
    this.plannerModel = b.plannerModel;
    this.reviewer = b.reviewer;
    this.reviewerModel = b.reviewerModel;
    this.researchers = b.researchers != null ? b.researchers : i -> b.planner;
    this.researcherModel = b.researcherModel != null ? b.researcherModel : b.plannerModel;
    this.repository = Objects.requireNonNull(b.repository);
    this.planDirectory = Objects.requireNonNull(b.planDirectory);
    this.lint = b.lint != null ? b.lint : ReadinessLint.builder(repository).build();
    this.maxQuestions = b.maxQuestions;
    this.researchConcurrency = b.researchConcurrency;
    this.executor = b.executor;
    this.lintRounds = b.lintRounds;
    this.reviewRounds = b.reviewRounds;
    this.maxTickets = b.maxTickets;
    this.maxTurns = b.maxTurns;
    this.maxTokens = b.maxTokens;
    this.maxCostUsd = b.maxCostUsd;
    this.timeout = b.timeout;
    this.clock = b.clock;
  }

  /**
   * A planner talking to {@code model} through {@code client}; {@link Builder#repository} and {@link
   * Builder#planDirectory} are required.
   *
   * @param client the planner's client; its vendor is compared with the reviewer's in {@link Builder#build}
   * @param model the planner's model id, not blank
   * @return a builder with this package's defaults
   */
  public static Builder builder(ModelClient client, String model) {
    return new Builder(client, model);
  }

  /**
   * The plan id of a request: the same intent (or master) gives the same id, so re-runs file nothing twice.
   *
   * @param request the request whose master id, or else whose whitespace-normalised intent, is hashed
   * @return {@code plan-} and the first 12 hex digits of the sha256 of that basis
   */
  public static String planId(PlanRequest request) {
    String basis = request.masterId() != null ? "master:" + request.masterId()
        : "intent:" + Objects.requireNonNull(request.intentText()).strip().replaceAll("\\s+", " ");
    return "plan-" + sha256(basis).substring(0, 12);
  }

  /**
   * The plan key of one ticket: sha256 of the plan id and the ticket's title.
   *
   * @param planId the plan's id, from {@link #planId}
   * @param title the ticket's title; leading and trailing whitespace are ignored
   * @return the 64 lowercase hex digits of the hash
   */
  public static String planKey(String planId, String title) {
    return sha256(planId + "\n" + title.strip());
  }

  /**
   * Plans {@code request} against {@code tracker} (read for an existing master and for edges to existing
   * tickets; written only when the request is not a dry run and the plan is ready).
   *
   * @param tracker the tracker holding the master, the existing tickets and, after a ready plan, the filed ones
   * @param request the intent or master to plan, and whether this is a dry run
   * @return how planning ended: a filed (or, in a dry run, ready) plan, or the reason it is not ready
   * @throws InputException when the master ticket does not exist, naming it
   * @throws LoopException when the plan directory cannot be written
   * @throws InterruptedException when the thread is interrupted; research agents in flight are cancelled
   */
  public PlanOutcome plan(Tracker tracker, PlanRequest request) throws InterruptedException {
    Objects.requireNonNull(tracker, "tracker");
    Ticket master = null;
    String intent;
    if (request.masterId() != null) {
      master = tracker.find(request.masterId()).orElseThrow(() -> new InputException("master ticket "
          + request.masterId() + " is not in the tracker: expected an existing ticket id (or --intent)"));
      intent = (master.title() + "\n\n" + master.body()).strip();
    } else {
      intent = Objects.requireNonNull(request.intentText());
    }
    String id = planId(request);
    Path dir = planDirectory.resolve(id);
    Journal journal = new Journal(dir);
    UsageSum usage = new UsageSum();

    ResearchTool research = new ResearchTool(questions -> research(questions, journal, usage), maxQuestions);
    ProposeTicketsTool propose = new ProposeTicketsTool(lint, master, intent, tracker::find, maxTickets,
        lintRounds, journal::lintRound);
    Toolbox tools = Toolbox.of(research, propose);
    List<ReviewRound> reviews = new ArrayList<>();
    String masterTitle = master != null ? master.title() : "";
    List<Message> conversation = new ArrayList<>(List.of(Message.user(task(intent, master))));

    for (int cycle = 1; ; cycle++) {
      AgentOutcome outcome = loop(planner, plannerModel, SYSTEM, tools).run(conversation,
          journal.transcript("planner-" + cycle + ".jsonl"));
      usage.add(outcome.usage());
      var last = propose.last();
      Plan plan = new Plan(id, intent, master == null ? null : master.id(),
          last.map(ProposeTicketsTool.Proposal::masterTitle).orElse(masterTitle),
          last.map(ProposeTicketsTool.Proposal::masterAcceptance).orElse(List.of()),
          last.map(ProposeTicketsTool.Proposal::tickets).orElse(List.of()), research.reports(), propose.rounds(),
          reviews);
      if (propose.gaveUp()) {
        journal.plan(plan);
        List<LintRound> rounds = propose.rounds();
        return new PlanOutcome.LintFailed(plan, dir, usage.total(), rounds.get(rounds.size() - 1).findings());
      }
      if (propose.accepted().isEmpty()) {
        journal.plan(plan);
        return new PlanOutcome.Stopped(plan, dir, usage.total(), "the planner ended without an accepted proposal ("
            + outcome.describe() + ")");
      }
      if (reviewer != null) {
        ReviewRound review = review(plan, reviews.size() + 1, journal, usage);
        reviews.add(review);
        journal.review(review);
        plan = new Plan(plan.id(), plan.intent(), plan.existingMaster(), plan.masterTitle(), plan.masterAcceptance(),
            plan.tickets(), plan.research(), plan.lintRounds(), reviews);
        if (!review.approved()) {
          if (reviews.size() >= reviewRounds) {
            journal.plan(plan);
            return new PlanOutcome.ReviewFailed(plan, dir, usage.total(), review.findings());
          }
          conversation = new ArrayList<>(outcome.transcript());
          conversation.add(Message.user("The reviewer (" + review.reviewer() + ") asked for changes:\n- "
              + String.join("\n- ", review.findings()) + "\nAddress every finding and call propose_tickets with the"
              + " whole plan again."));
          propose.newCycle();
          continue;
        }
      }
      journal.plan(plan);
      Map<String, String> filed = request.isDryRun() ? Map.of() : file(tracker, plan, journal);
      return new PlanOutcome.Ready(plan, dir, usage.total(), request.isDryRun(), filed);
    }
  }

  private static String task(String intent, @Nullable Ticket master) {
    return "Intent:\n\n" + intent + "\n\n" + (master == null ? "Propose the master ticket (a title and acceptance"
        + " criteria for the whole requirement) and its sub-tickets."
        : "The master ticket exists: " + master.id() + " (" + master.title() + "). Propose its sub-tickets;"
            + " leave out master.") ;
  }

  private AgentLoop loop(ModelClient client, String model, String system, Toolbox tools) {
    return AgentLoop.builder(client, model).system(system).toolbox(tools).clock(clock)
        .limits(new AgentLimits(maxTurns, maxTokens, maxCostUsd, clock.instant().plus(timeout))).build();
  }

  /** The research pass: every question to a fresh read-only agent, at most {@code researchConcurrency} at once. */
  private List<ResearchReport> research(List<String> questions, Journal journal, UsageSum usage)
      throws InterruptedException {
    Toolbox readOnly = readOnlyTools(repository);
    Semaphore slots = new Semaphore(researchConcurrency);
    ExecutorService own = executor == null
        ? Executors.newFixedThreadPool(Math.min(questions.size(), researchConcurrency)) : null;
    Executor runOn = own != null ? own : Objects.requireNonNull(executor);
    List<Future<ResearchReport>> futures = new ArrayList<>();
    try {
      for (int i = 0; i < questions.size(); i++) {
        int index = i + 1;
        String question = questions.get(i);
        FutureTask<ResearchReport> task = new FutureTask<>(() -> {
          slots.acquire();
          try {
            AgentOutcome outcome = loop(researchers.apply(index), researcherModel, RESEARCH_SYSTEM, readOnly)
                .run(List.of(Message.user("Question " + index + ": " + question)),
                    journal.transcript("research-" + index + ".jsonl"));
            usage.add(outcome.usage());
            ResearchReport report = outcome instanceof AgentOutcome.Finished
                ? new ResearchReport(index, question, ((AgentOutcome.Finished) outcome).text(), true)
                : new ResearchReport(index, question, "(no answer: " + outcome.describe() + ")", false);
            journal.research(report);
            return report;
          } finally {
            slots.release();
          }
        });
        futures.add(task);
        runOn.execute(task);
      }
      List<ResearchReport> reports = new ArrayList<>();
      for (Future<ResearchReport> f : futures) {
        try {
          reports.add(f.get());
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          reports.add(new ResearchReport(reports.size() + 1, questions.get(reports.size()), "(no answer: the agent"
              + " failed: " + cause + ")", false));
        }
      }
      return reports;
    } catch (InterruptedException e) {
      futures.forEach(f -> f.cancel(true));
      throw e;
    } finally {
      if (own != null) {
        own.shutdownNow();
      }
    }
  }

  /** The workspace tools that only read: the confined read, list and search tools, without writes or commands. */
  static Toolbox readOnlyTools(Path repository) {
    Toolbox all = WorkspaceTools.builder().withoutCommands().build().open(repository);
    // chosen by name, not by leaving out the writers: a tool added later is not read-only until it is listed here
    Set<String> reading = Set.of("read_file", "list_files", "search");
    Toolbox box = Toolbox.of(all.tools().stream().filter(t -> reading.contains(t.name())).toList());
    if (box.names().size() != reading.size()) {
      throw new IllegalStateException("the workspace tools no longer include all of " + reading + ": " + all.names());
    }
    return box;
  }

  private ReviewRound review(Plan plan, int round, Journal journal, UsageSum usage) throws InterruptedException {
    ReviewPlanTool verdict = new ReviewPlanTool();
    ModelClient client = Objects.requireNonNull(reviewer);
    AgentOutcome outcome = loop(client, reviewerModel, REVIEW_SYSTEM, Toolbox.of(verdict))
        .run(List.of(Message.user(describe(plan))), journal.transcript("review-" + round + ".jsonl"));
    usage.add(outcome.usage());
    String who = client.vendor() + "/" + reviewerModel;
    return verdict.verdict().map(v -> new ReviewRound(round, v.approved(), v.findings(), who))
        .orElseGet(() -> new ReviewRound(round, false, List.of("the reviewer gave no verdict through review_plan ("
            + outcome.describe() + ")"), who));
  }

  /** The plan for the reviewer, in Markdown. */
  static String describe(Plan plan) {
    StringBuilder b = new StringBuilder("# Intent\n\n").append(plan.intent()).append("\n\n# Master: ")
        .append(plan.masterTitle()).append('\n');
    plan.masterAcceptance().forEach(c -> b.append("- ").append(c).append('\n'));
    if (!plan.research().isEmpty()) {
      b.append("\n# Research\n");
      plan.research().forEach(r -> b.append("\n## ").append(r.question()).append("\n").append(r.answer().strip())
          .append('\n'));
    }
    b.append("\n# Tickets\n");
    for (PlannedTicket t : plan.tickets()) {
      b.append("\n## ").append(t.key()).append(": ").append(t.title()).append(" (p").append(t.priority())
          .append(")\n").append(t.body()).append("\nAcceptance:\n");
      t.acceptance().forEach(c -> b.append("- ").append(c).append('\n'));
      b.append("Blocked by: ").append(t.blockedBy().isEmpty() ? "-" : String.join(", ", t.blockedBy()))
          .append("\nResources: ").append(t.resources().isEmpty() ? "-" : String.join(", ", t.resources()))
          .append("\nFinish line: ").append(t.verify()).append(" expecting /").append(t.verifyExpect()).append("/\n");
    }
    return b.toString();
  }

  /** Files the master (unless it exists) and the tickets in dependency order, each idempotent by its plan key. */
  private static Map<String, String> file(Tracker tracker, Plan plan, Journal journal) {
    Map<String, String> ids = new LinkedHashMap<>();
    String masterId = plan.existingMaster();
    if (masterId == null) {
      String key = planKey(plan.id(), MASTER);
      masterId = tracker.create(NewTicket.builder(plan.masterTitle()).body(plan.intent())
          .requestedId(plan.id()) // named after its plan where the tracker lets the caller choose (Markdown)
          .labels(List.of(EPIC_LABEL)) // the engine starts it only after its children (an epic)
          .acceptanceCriteria(plan.masterAcceptance()).idempotencyKey("plan:" + key).putMetadata(PLAN_ID, plan.id())
          .putMetadata(PLAN_KEY, key).build()).id();
    }
    ids.put(MASTER, masterId);
    List<PlannedTicket> pending = new ArrayList<>(plan.tickets());
    while (!pending.isEmpty()) {
      PlannedTicket next = pending.stream().filter(t -> t.blockedBy().stream().allMatch(b -> ids.containsKey(b)
          || plan.tickets().stream().noneMatch(x -> x.key().equals(b)))).findFirst()
          .orElseThrow(() -> new IllegalStateException("the linted plan " + plan.id() + " has a cycle"));
      pending.remove(next);
      String key = planKey(plan.id(), next.title());
      NewTicket.Builder draft = NewTicket.builder(next.title()).body(next.body()).acceptanceCriteria(next.acceptance())
          .priority(next.priority()).resources(new java.util.LinkedHashSet<>(next.resources()))
          .idempotencyKey("plan:" + key).addDependency(Dependency.childOf(masterId))
          .putMetadata("verify", next.verify()).putMetadata("verify-expect", next.verifyExpect())
          .putMetadata(PLAN_ID, plan.id()).putMetadata(PLAN_KEY, key);
      next.blockedBy().forEach(b -> draft.addDependency(Dependency.blockedBy(ids.getOrDefault(b, b))));
      next.related().forEach(r -> draft.addDependency(Dependency.relatedTo(ids.getOrDefault(r, r))));
      ids.put(next.key(), tracker.create(draft.build()).id());
    }
    journal.filed(ids);
    return ids;
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Usage summed across threads (the research agents report from the executor). */
  private static final class UsageSum {
    private Usage total = Usage.ZERO;

    synchronized void add(Usage usage) {
      total = total.plus(usage);
    }

    synchronized Usage total() {
      return total;
    }
  }

  /** The plan's directory. Thread-safe: research reports are written from the executor. */
  private static final class Journal {
    private final Path dir;

    Journal(Path dir) {
      this.dir = dir;
      try {
        Files.createDirectories(dir.resolve("transcripts"));
      } catch (IOException e) {
        throw new LoopException("cannot create the plan directory " + dir + ": " + e.getMessage(), e);
      }
    }

    TranscriptWriter transcript(String name) {
      return TranscriptWriter.open(dir.resolve("transcripts").resolve(name));
    }

    void research(ResearchReport r) {
      write("research/" + r.index() + ".md", "# " + r.question() + "\n\n" + r.answer().strip() + "\n"
          + (r.answered() ? "" : "\n(the agent ended without an answer)\n"));
    }

    void lintRound(LintRound r) {
      write("lint/round-" + r.round() + ".json", PlanJson.lintRound(r).toPrettyString());
    }

    void review(ReviewRound r) {
      write("review/round-" + r.round() + ".json", PlanJson.review(r).toPrettyString());
    }

    void plan(Plan plan) {
      write("plan.json", PlanJson.plan(plan).toPrettyString());
    }

    void filed(Map<String, String> ids) {
      var n = PlanJson.MAPPER.createObjectNode();
      ids.forEach(n::put);
      write("filed.json", n.toPrettyString());
    }

    private synchronized void write(String name, String text) {
      Path file = dir.resolve(name);
      try {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new LoopException("cannot write " + file + " of the plan: " + e.getMessage(), e);
      }
    }
  }

  /** Builds a {@link Planner}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final ModelClient planner;
    private final String plannerModel;
    private @Nullable ModelClient reviewer;
    private String reviewerModel = "";
    private boolean allowSameVendor;
    private @Nullable IntFunction<ModelClient> researchers;
    private @Nullable String researcherModel;
    private @Nullable Path repository;
    private @Nullable Path planDirectory;
    private @Nullable ReadinessLint lint;
    private int maxQuestions = 4;
    private int researchConcurrency = 2;
    private @Nullable Executor executor;
    private int lintRounds = 3;
    private int reviewRounds = 2;
    private int maxTickets = 20;
    private int maxTurns = 30;
    private long maxTokens = 2_000_000;
    private BigDecimal maxCostUsd = new BigDecimal("5");
    private Duration timeout = Duration.ofMinutes(30);
    private Clock clock = Clock.systemUTC();

    private Builder(ModelClient client, String model) {
      this.planner = Objects.requireNonNull(client, "client");
      this.plannerModel = model(model, "Planner.builder");
    }

    private static String model(String model, String where) {
      if (model.isBlank()) {
        throw new InputException("blank model passed to " + where + ": expected a model id such as claude-sonnet-4-5");
      }
      return model;
    }

    private static int atLeast(int value, int min, String what) {
      if (value < min) {
        throw new InputException(what + " " + value + " passed to Planner: expected at least " + min);
      }
      return value;
    }

    /**
     * The reviewer model, ideally of another vendor than the planner; without one the plan is not reviewed.
     *
     * @param client the reviewer model's client
     * @param model the reviewer's model id, not blank
     * @return this builder
     */
    public Builder reviewer(ModelClient client, String model) {
      this.reviewer = Objects.requireNonNull(client, "client");
      this.reviewerModel = model(model, "Planner.reviewer");
      return this;
    }

    /**
     * Lets the reviewer be of the planner's vendor (refused by default: the plan deserves a second opinion).
     *
     * @return this builder
     */
    public Builder allowSameVendorReview() {
      this.allowSameVendor = true;
      return this;
    }

    /**
     * The research agents' model: {@code clients} gives the client of the agent answering question {@code n}
     * (1-based; a vendor client may be shared, a scripted one is one conversation per agent). Default: the
     * planner's client and model.
     *
     * @param clients maps a question's 1-based number to the client of the agent answering it
     * @param model the research agents' model id, not blank
     * @return this builder
     */
    public Builder researchers(IntFunction<ModelClient> clients, String model) {
      this.researchers = Objects.requireNonNull(clients, "clients");
      this.researcherModel = model(model, "Planner.researchers");
      return this;
    }

    /**
     * Required: the repository the research agents read (read-only) and the verify commands run in.
     *
     * @param repository an existing folder: the git working tree the plan changes
     * @return this builder
     * @throws InputException when {@code repository} is not a folder
     */
    public Builder repository(Path repository) {
      if (!Files.isDirectory(repository)) {
        throw new InputException("repository " + repository + " passed to Planner is not a folder: expected the"
            + " git working tree the plan changes");
      }
      this.repository = repository.toAbsolutePath().normalize();
      return this;
    }

    /**
     * Required: where plans are journaled, one folder per plan id (the CLI uses {@code .loop/plans}).
     *
     * @param directory the folder holding one subfolder per plan id; made absolute
     * @return this builder
     */
    public Builder planDirectory(Path directory) {
      this.planDirectory = Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize();
      return this;
    }

    /**
     * The lint (default: {@link ReadinessLint} over the repository with its defaults).
     *
     * @param lint the readiness lint every proposal must pass
     * @return this builder
     */
    public Builder lint(ReadinessLint lint) {
      this.lint = Objects.requireNonNull(lint, "lint");
      return this;
    }

    /**
     * The most research questions (agents) per plan, default 4.
     *
     * @param questions at least 1
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder maxQuestions(int questions) {
      this.maxQuestions = atLeast(questions, 1, "max questions");
      return this;
    }

    /**
     * How many research agents run at once, default 2.
     *
     * @param agents at least 1
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder researchConcurrency(int agents) {
      this.researchConcurrency = atLeast(agents, 1, "research concurrency");
      return this;
    }

    /**
     * Where research agents run (default: a pool of {@link #researchConcurrency} threads per pass).
     *
     * @param executor runs the research agents; the planner does not shut it down
     * @return this builder
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Failed proposals allowed per cycle before planning gives up, default 3.
     *
     * @param rounds at least 1
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder lintRounds(int rounds) {
      this.lintRounds = atLeast(rounds, 1, "lint rounds");
      return this;
    }

    /**
     * Reviews allowed before planning gives up, default 2.
     *
     * @param rounds at least 1
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder reviewRounds(int rounds) {
      this.reviewRounds = atLeast(rounds, 1, "review rounds");
      return this;
    }

    /**
     * The most sub-tickets a plan may have, default 20.
     *
     * @param tickets at least 1
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder maxTickets(int tickets) {
      this.maxTickets = atLeast(tickets, 1, "max tickets");
      return this;
    }

    /**
     * Turns of each agent loop (planner cycle, research agent, review), default 30.
     *
     * @param turns at least 1
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder maxTurns(int turns) {
      this.maxTurns = atLeast(turns, 1, "max turns");
      return this;
    }

    /**
     * Tokens of each agent loop, default 2,000,000.
     *
     * @param tokens at least 1
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder maxTokens(long tokens) {
      if (tokens < 1) {
        throw new InputException("max tokens " + tokens + " passed to Planner: expected at least 1");
      }
      this.maxTokens = tokens;
      return this;
    }

    /**
     * Money of each agent loop in US dollars, default 5.
     *
     * @param usd 0 or more
     * @return this builder
     * @throws InputException when negative
     */
    public Builder maxCostUsd(BigDecimal usd) {
      if (usd.signum() < 0) {
        throw new InputException("max cost " + usd + " USD passed to Planner: expected 0 or more");
      }
      this.maxCostUsd = usd;
      return this;
    }

    /**
     * Wall clock of each agent loop, default 30 minutes.
     *
     * @param timeout positive; each agent loop's deadline is the clock's time at its start plus this
     * @return this builder
     * @throws InputException unless positive
     */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InputException("timeout " + timeout + " passed to Planner: expected a positive duration");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * The clock the agent loops' deadlines and the plan journal's times read (injected in tests); default UTC system
     * time.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * @return the planner
     * @throws InputException when the repository or plan directory is missing, or the reviewer is of the
     *     planner's vendor without {@link #allowSameVendorReview}
     */
    public Planner build() {
      if (repository == null) {
        throw new InputException("Planner has no repository: expected repository(path), the tree the plan changes");
      }
      if (planDirectory == null) {
        throw new InputException("Planner has no plan directory: expected planDirectory(path), e.g. .loop/plans");
      }
      if (reviewer != null && !allowSameVendor && reviewer.vendor().equals(planner.vendor())) {
        throw new InputException("the plan reviewer and the planner are both of vendor " + planner.vendor()
            + ": expected a reviewer of another vendor, or allowSameVendorReview()");
      }
      return new Planner(this);
    }
  }
}
