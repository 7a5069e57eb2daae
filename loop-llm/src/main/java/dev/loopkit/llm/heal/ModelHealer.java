package dev.loopkit.llm.heal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Comment;
import dev.loopkit.core.FatalAdapterException;
import dev.loopkit.core.Finding;
import dev.loopkit.core.Heal;
import dev.loopkit.core.HealContext;
import dev.loopkit.core.HealRevert;
import dev.loopkit.core.Healer;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tripwire;
import dev.loopkit.core.Usage;
import dev.loopkit.core.process.CommandEnvironment;
import dev.loopkit.llm.Message;
import dev.loopkit.llm.ModelClient;
import dev.loopkit.llm.ModelException;
import dev.loopkit.llm.PriceTable;
import dev.loopkit.llm.agent.AgentLimits;
import dev.loopkit.llm.agent.AgentLoop;
import dev.loopkit.llm.agent.AgentOutcome;
import dev.loopkit.llm.agent.TranscriptWriter;
import dev.loopkit.llm.tools.Toolbox;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.TreeMap;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The self-heal agent: a {@link Healer} that asks a fresh model, on the capped {@link AgentLoop}, whether the
 * stop the run is heading for is a <b>harness gap</b> (a missing instruction in a prompt file, a worker profile,
 * a tool setting: something the loop should handle) or an <b>external wall</b> (a credential, a permission, a
 * product decision: a person must act), and, for a gap, to patch it.
 *
 * <p><b>What the model can touch.</b> Its tools are {@code list_files}, {@code read_file}, {@code write_file}
 * and {@code edit_file} over the <i>healable files</i> only: regular files under the
 * {@linkplain Builder#harnessDirectory harness directory} matching a {@linkplain Builder#healable healable glob}
 * (existing files only, unless {@linkplain Builder#allowNewFiles new files} are allowed);
 * every other path is refused, through {@code ..}, symbolic links and hard links too, and {@code .git} is never
 * written. {@code read_evidence} reads, read-only, the run's evidence: the context's recent findings, each
 * outstanding ticket with its comments, and what the host's {@link HealEvidence} adds (verifier output,
 * transcript excerpts). There is no {@code run_command} and no tool that touches a ticket. The verifier's files
 * must not match a healable glob; run this healer inside {@code dev.loopkit.oracle.HealGuard} all the same, which
 * rolls back any change to the definition of done.
 *
 * <p><b>The verdict.</b> The model must call {@code conclude} with {@code {kind, reason, evidence}}, each
 * evidence item a quote copied from a named evidence item or healable file (checked word for word). What the
 * heal answers:
 *
 * <ul>
 *   <li>{@code harness_gap} with a change: the smoke checks run (the {@linkplain Builder#canaries tripwire's
 *       canaries}, the host's {@linkplain Builder#smokeCheck checks}, then every
 *       {@linkplain Builder#dryPreparation dry preparation}, which must return non-blank text, e.g. the worker's
 *       prompt rendered from the patched prompt file). All pass: {@link Heal#applied} with the unified diff of
 *       the healable files, computed before versus after. One fails: the patch is rolled back and the heal is
 *       {@link Heal#rejected}, naming the check.
 *   <li>{@code external_wall}: {@link Heal#wall} whose text starts {@code external wall (a person must act)}
 *       and carries the reason and the quotes; any edit the model made is rolled back. A wall keeps the real
 *       stop: a stalled run ends {@code STALLED} naming the wall and its evidence, and under repeated failures
 *       the tickets go on to their attempt budget and a person.
 *   <li>No verdict (the model finished, hit a cap or got stuck without one), or a gap with no change:
 *       {@link Heal#rejected}, every edit rolled back, the reason naming what was missing and the last verdict
 *       {@code conclude} refused (a bad kind, a wall without evidence, a quote not in its source).
 *   <li>The model client failed (after its retries): every edit is rolled back and an {@link AdapterException}
 *       is thrown ({@link FatalAdapterException} for a bad key, a missing permission or quota), which the engine
 *       reports as a fault of the healer, never charged to a ticket.
 * </ul>
 *
 * <p><b>Caps.</b> Each heal is one agent loop capped by {@linkplain Builder#maxTurns turns},
 * {@linkplain Builder#maxTokens tokens}, {@linkplain Builder#maxCostUsd money} and a
 * {@linkplain Builder#timeout timeout}; its usage is named in the heal's summary and returned as the heal's
 * {@link Heal#usage()}, which the engine adds to the run's usage, so the run's money and token caps count it.
 *
 * <p><b>Reverts.</b> Before each applied heal the healable files are recorded as {@code heal-<n>.model.json} in the
 * heal's {@link HealContext#stateDirectory() state directory} (inside the run directory); {@link #revert} puts
 * them back (created files deleted) when the engine judges that the heal brought no progress, in any session.
 *
 * <p><b>Transcript.</b> Each heal's conversation is written to
 * {@code <run dir>/transcripts/heal-<n>.jsonl} ({@code n} = heals so far + 1), scrubbed of the host's
 * secret-looking environment values and key-shaped strings; the evidence is scrubbed the same way before the
 * model sees it.
 *
 * <p>Called on the engine's thread; heals are serialized (this method is synchronized). Blocks for the whole
 * conversation and the smoke checks.
 *
 * <pre>{@code
 * ModelHealer healer = ModelHealer.builder(anthropic, "claude-sonnet-4-5")
 *     .harnessDirectory(Path.of("harness"))
 *     .healable("prompts/*.md", "profiles/*.yaml")
 *     .runDirectory(runDir)
 *     .canaries(tripwire)
 *     .dryPreparation("worker prompt", dir -> render(Files.readString(dir.resolve("prompts/worker.md"))))
 *     .build();
 * Healer guarded = HealGuard.builder().delegate(healer).tripwire(tripwire)
 *     .harnessFile(Path.of("harness/prompts/worker.md")).build();
 * }</pre>
 */
public final class ModelHealer implements Healer {
  /** The default system prompt: the healer's job and its limits. */
  public static final String DEFAULT_SYSTEM = "You are the self-heal agent of an unattended harness loop that"
      + " drives tickets to done with AI workers. The loop is about to stop. Decide, from the evidence, whether the"
      + " stop is a harness gap (the harness lacks something it should have: an instruction or convention missing"
      + " from a worker prompt, a wrong tool setting, a budget or retry setting, a portability quirk in a harness"
      + " file) or an external wall (a credential, a permission, a product decision, broken infrastructure: only a"
      + " person can move it). Read the evidence with read_evidence and the healable files with list_files and"
      + " read_file. For a gap, patch the root cause with the smallest edit to a healable file (edit_file); never"
      + " try to make the checks easier: the definition of done (the oracle, the verifiers and their files) is"
      + " frozen, and any change to it is rolled back and stops the run. For a wall, change nothing. Finish by"
      + " calling conclude once with kind, reason and evidence quoted exactly from the evidence items, then end"
      + " your turn.";

  /** A host's check that the patched harness still works; throwing (with a message saying why) fails it. */
  @FunctionalInterface
  public interface SmokeCheck {
    /**
     * Runs the check against the patched harness; called on the healer's thread, after the canaries.
     *
     * @throws Exception with a message saying why when the harness no longer works; the patch is then rolled back
     */
    void check() throws Exception;
  }

  /**
   * A dry preparation of the next attempt from the patched harness, e.g. rendering the worker's prompt from the
   * prompt file: it must not throw and must return non-blank text.
   */
  @FunctionalInterface
  public interface Preparation {
    /**
     * Prepares the next attempt from the patched harness without running a worker.
     *
     * @param harnessDirectory the harness directory the healer patched
     * @return the prepared text (a prompt, say); blank text fails the preparation
     * @throws Exception when the preparation fails; the patch is then rolled back
     */
    String prepare(Path harnessDirectory) throws Exception;
  }

  private record Named<T>(String name, T check) {}

  private final ModelClient client;
  private final String model;
  private final String system;
  private final HarnessFiles files;
  private final Path runDirectory;
  private final @Nullable Tripwire canaries;
  private final List<Named<SmokeCheck>> smokeChecks;
  private final List<Named<Preparation>> preparations;
  private final HealEvidence evidence;
  private final int maxTurns;
  private final long maxTokens;
  private final BigDecimal maxCostUsd;
  private final Duration timeout;
  private final int maxOutputTokens;
  private final int maxTickets;
  private final int readLimitChars;
  private final boolean newFiles;
  private final Clock clock;
  private final @Nullable PriceTable prices;
  private final boolean streaming;
  private final Duration idleTimeout;
  private final Supplier<Map<String, String>> hostEnvironment;

  private ModelHealer(Builder b, HarnessFiles files, Path runDirectory) {
    this.client = b.client;
    this.model = b.model;
    this.system = b.system;
    this.files = files;
    this.runDirectory = runDirectory;
    this.canaries = b.canaries;
    this.smokeChecks = List.copyOf(b.smokeChecks);
    this.preparations = List.copyOf(b.preparations);
    this.evidence = b.evidence;
    this.maxTurns = b.maxTurns;
    this.maxTokens = b.maxTokens;
    this.maxCostUsd = b.maxCostUsd;
    this.timeout = b.timeout;
    this.maxOutputTokens = b.maxOutputTokens;
    this.maxTickets = b.maxTickets;
    this.readLimitChars = b.readLimitChars;
    this.newFiles = b.newFiles;
    this.clock = b.clock;
    this.prices = b.prices;
    this.streaming = b.streaming;
    this.idleTimeout = b.idleTimeout;
    this.hostEnvironment = b.hostEnvironment;
  }

  /**
   * A healer talking to {@code model} through {@code client}; see {@link Builder} for the required parts.
   *
   * @param client the healer model's client
   * @param model the model id, not blank
   * @return a builder with the defaults
   * @throws InputException when {@code model} is blank
   */
  public static Builder builder(ModelClient client, String model) {
    return new Builder(client, model);
  }

  /**
   * Where the transcript of heal {@code n} (1-based) of a run goes.
   *
   * @param runDirectory the run's directory, as given to {@link Builder#runDirectory}
   * @param n the heal's number in the run, from 1
   * @return {@code transcripts/heal-<n>.jsonl} under the run directory
   */
  public static Path transcriptPath(Path runDirectory, int n) {
    return runDirectory.resolve("transcripts").resolve("heal-" + n + ".jsonl");
  }

  /**
   * The healable files as they are now, as absolute paths: hand them to {@code HealGuard.Builder.harnessFile}
   * so the guard diffs and restores them too. Files a heal creates later are not in it (this healer rolls back
   * its own).
   *
   * @return an immutable list of the absolute paths matching the healable globs now; empty when none match
   */
  public List<Path> healableFiles() {
    List<Path> out = new ArrayList<>();
    files.snapshot().keySet().forEach(rel -> out.add(files.root().resolve(rel)));
    return List.copyOf(out);
  }

  @Override
  public synchronized Heal heal(HealContext context) throws Exception {
    Objects.requireNonNull(context, "context");
    int n = context.healsSoFar() + 1;
    Path file = transcriptPath(runDirectory, n);
    SortedMap<String, byte[]> before = files.snapshot();
    try (TranscriptWriter transcript = TranscriptWriter.open(file,
        CommandEnvironment.secretValues(hostEnvironment.get()))) {
      Heal heal;
      try {
        heal = scrubbed(heal(context, n, file, before, transcript), transcript);
      } catch (Exception | Error e) {
        files.restore(before); // a heal that did not finish leaves the harness as it found it
        throw e;
      }
      transcript.event("heal", JsonNodeFactory.instance.objectNode().put("outcome", heal.outcome().wireName())
          .put("summary", heal.summary())
          .put("reason", heal instanceof Heal.Rejected r ? r.reason() : ""));
      if (heal instanceof Heal.Applied) {
        record(stateFile(context.stateDirectory(), n), before);
      }
      return heal;
    }
  }

  /**
   * Puts the healable files back as they were before applied heal {@code request.heal()} (files it created are
   * deleted), from the record this healer wrote when it applied the heal.
   *
   * @return false when there is no record of that heal (another healer applied it, or the record is gone)
   * @throws UncheckedIOException when the record cannot be read or a file cannot be restored, naming it
   */
  @Override
  public synchronized boolean revert(HealRevert request) {
    Path state = stateFile(request.stateDirectory(), request.heal());
    if (!Files.isRegularFile(state)) {
      return false;
    }
    SortedMap<String, byte[]> before = new TreeMap<>();
    try {
      JsonNode root = STATE_JSON.readTree(state.toFile());
      root.path("files").properties().forEach(e -> before.put(e.getKey(),
          Base64.getDecoder().decode(e.getValue().asText())));
    } catch (IOException | IllegalArgumentException e) {
      throw new UncheckedIOException("cannot read the record of heal " + request.heal() + " in " + state + " ("
          + e.getMessage() + ")", e instanceof IOException io ? io : new IOException(e));
    }
    files.restore(before);
    return true;
  }

  private static final ObjectMapper STATE_JSON = new ObjectMapper();

  private Path stateFile(@Nullable Path stateDirectory, int heal) {
    Path dir = stateDirectory != null ? stateDirectory : runDirectory.resolve("heals");
    return dir.resolve("heal-" + heal + ".model.json");
  }

  private static void record(Path file, SortedMap<String, byte[]> before) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode fs = root.putObject("files");
    before.forEach((rel, bytes) -> fs.put(rel, Base64.getEncoder().encodeToString(bytes)));
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, STATE_JSON.writeValueAsBytes(root));
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record the healable files before heal in " + file, e);
    }
  }

  private Heal heal(HealContext context, int n, Path file, SortedMap<String, byte[]> before,
      TranscriptWriter transcript) throws Exception {
    Map<String, String> items = evidence(context, transcript);
    HealTools.Conclusion conclusion = new HealTools.Conclusion();
    Toolbox toolbox = HealTools.toolbox(files, items, readLimitChars, newFiles,
        () -> HarnessFiles.changed(before, files.snapshot()), conclusion);
    AgentLimits limits = new AgentLimits(maxTurns, maxTokens, maxCostUsd, clock.instant().plus(timeout));
    AgentLoop.Builder loop = AgentLoop.builder(client, model).system(system).toolbox(toolbox).limits(limits)
        .maxOutputTokens(maxOutputTokens).clock(clock).streaming(streaming).idleTimeout(idleTimeout);
    if (prices != null) {
      loop.prices(prices);
    }
    transcript.start(header(context, n, toolbox, limits));
    AgentOutcome outcome = loop.build().run(List.of(Message.user(task(context, n, items))), transcript);
    if (outcome instanceof AgentOutcome.ModelFailed failed) {
      throw modelFailed(failed.error(), file);
    }

    SortedMap<String, byte[]> after = files.snapshot();
    List<String> changed = HarnessFiles.changed(before, after);
    String diff = UnifiedDiff.of(before, after);
    String spent = spent(outcome.usage(), outcome.turns()) + "; transcript " + file;
    HealTools.Verdict verdict = conclusion.verdict();
    if (verdict == null) {
      files.restore(before);
      String refused = conclusion.lastRefusal();
      return Heal.rejected("the healer gave no verdict (" + spent + ")", diff, "it ended (" + outcome.describe()
          + ") without a valid conclude call" + (refused == null ? "" : "; its last verdict was refused: " + refused)
          + (changed.isEmpty() ? "" : "; its edits to " + changed + " were rolled back")
          + "; the stop stands for a person").withUsage(outcome.usage());
    }
    String quotes = verdict.evidence().isEmpty() ? "" : "; evidence: " + join(verdict.evidence());
    if (verdict.kind() == HealTools.Kind.EXTERNAL_WALL) {
      if (!changed.isEmpty()) {
        files.restore(before);
      }
      return Heal.wall("external wall (a person must act): " + verdict.reason()
          + (changed.isEmpty() ? "" : "; its edits to " + changed + " were rolled back") + " (" + spent + ")",
          verdict.evidence().stream().map(HealTools.Quote::toString).toList()).withUsage(outcome.usage());
    }
    if (changed.isEmpty()) { // the model may undo its patch after conclude accepted it
      return Heal.rejected("the healer called it a harness gap but changed nothing (" + spent + ")", "",
          "a harness gap needs a patch to a healable file " + files.globs() + "; the stop stands for a person")
          .withUsage(outcome.usage());
    }
    String summary = "harness gap: " + verdict.reason() + " (changed " + String.join(", ", changed) + quotes;
    String failure = smoke(transcript);
    if (failure != null) {
      files.restore(before);
      return Heal.rejected(summary + "; " + spent + ")", diff, failure + "; the patch was rolled back")
          .withUsage(outcome.usage());
    }
    return Heal.applied(summary + "; smoke checks passed: " + String.join(", ", checkNames()) + "; " + spent + ")",
        diff).withUsage(outcome.usage());
  }

  /**
   * The heal with its texts scrubbed as the transcript is: the summary and the reason quote the model, and the
   * engine journals them and the diff.
   */
  private static Heal scrubbed(Heal heal, TranscriptWriter transcript) {
    if (heal instanceof Heal.Applied a) {
      return Heal.applied(transcript.redact(a.summary()), transcript.redact(a.diff())).withUsage(a.usage());
    }
    if (heal instanceof Heal.Rejected r) {
      return Heal.rejected(transcript.redact(r.summary()), transcript.redact(r.diff()), transcript.redact(r.reason()))
          .withUsage(r.usage());
    }
    if (heal instanceof Heal.Wall w) {
      return Heal.wall(transcript.redact(w.why()), w.evidence().stream().map(transcript::redact).toList())
          .withUsage(w.usage());
    }
    return Heal.noChange(transcript.redact(heal.summary())).withUsage(heal.usage());
  }

  /** The first smoke check that fails, described, or null when all pass. */
  private @Nullable String smoke(TranscriptWriter transcript) throws InterruptedException {
    List<String> failures = new ArrayList<>();
    if (canaries != null) {
      try {
        List<String> misjudged = canaries.canaries();
        if (!misjudged.isEmpty()) {
          failures.add("smoke check 'canaries' failed: " + String.join("; ", misjudged));
        }
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        failures.add("smoke check 'canaries' failed: the tripwire threw " + describe(e));
      }
    }
    for (Named<SmokeCheck> c : smokeChecks) {
      if (!failures.isEmpty()) {
        break;
      }
      try {
        c.check().check();
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        failures.add("smoke check '" + c.name() + "' failed: " + describe(e));
      }
    }
    for (Named<Preparation> p : preparations) {
      if (!failures.isEmpty()) {
        break;
      }
      try {
        String prepared = p.check().prepare(files.root());
        if (prepared == null || prepared.isBlank()) {
          failures.add("smoke check '" + p.name() + "' failed: the dry preparation of the next attempt returned"
              + " " + (prepared == null ? "null" : "blank text") + ": expected the prepared input, e.g. the"
              + " worker's prompt");
        }
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        failures.add("smoke check '" + p.name() + "' failed: the dry preparation of the next attempt threw "
            + describe(e));
      }
    }
    String failure = failures.isEmpty() ? null : transcript.redact(failures.get(0));
    transcript.event("smoke_check", JsonNodeFactory.instance.objectNode().put("passed", failure == null)
        .put("checks", String.join(", ", checkNames())).put("failure", failure == null ? "" : failure));
    return failure;
  }

  private List<String> checkNames() {
    List<String> names = new ArrayList<>();
    if (canaries != null) {
      names.add("canaries");
    }
    smokeChecks.forEach(c -> names.add(c.name()));
    preparations.forEach(p -> names.add(p.name()));
    return names;
  }

  /** The evidence items by name, scrubbed: findings, each outstanding ticket, then the host's excerpts. */
  private Map<String, String> evidence(HealContext context, TranscriptWriter transcript) throws Exception {
    Map<String, String> items = new LinkedHashMap<>();
    StringBuilder findings = new StringBuilder();
    for (Finding f : context.recentFindings()) {
      findings.append(f).append('\n');
    }
    items.put("findings", transcript.redact(findings.length() == 0 ? "(no findings recorded)\n"
        : findings.toString()));
    for (Ticket t : outstanding(context)) {
      items.put("ticket/" + t.id(), transcript.redact(describe(t)));
    }
    for (HealEvidence.Excerpt e : evidence.gather(context)) {
      if (items.putIfAbsent(e.name(), transcript.redact(e.text())) != null) {
        throw new InputException("the host's HealEvidence gave the evidence name '" + e.name() + "' twice (or it is"
            + " one the healer sets itself: findings, ticket/<id>): expected unique names");
      }
    }
    return items;
  }

  private List<Ticket> outstanding(HealContext context) {
    List<Ticket> out = new ArrayList<>();
    for (Status s : List.of(Status.OPEN, Status.IN_PROGRESS, Status.HUMAN_GATED)) {
      if (out.size() < maxTickets) {
        out.addAll(context.batch().withStatus(s, maxTickets - out.size()));
      }
    }
    return out;
  }

  private static String describe(Ticket t) {
    StringBuilder out = new StringBuilder("ticket ").append(t.id()).append(": ").append(t.title()).append('\n')
        .append("status: ").append(t.status().name()).append('\n');
    if (!t.acceptanceCriteria().isEmpty()) {
      out.append("acceptance criteria:\n");
      t.acceptanceCriteria().forEach(c -> out.append("- ").append(c).append('\n'));
    }
    if (!t.body().isBlank()) {
      out.append("body:\n").append(t.body().strip()).append('\n');
    }
    List<Comment> comments = t.comments();
    if (!comments.isEmpty()) {
      out.append("comments (newest last):\n");
      for (Comment c : comments.subList(Math.max(0, comments.size() - 10), comments.size())) {
        out.append("[").append(c.at()).append("] ").append(c.author()).append(": ").append(c.body().strip())
            .append('\n');
      }
    }
    return out.toString();
  }

  private String task(HealContext context, int n, Map<String, String> items) {
    StringBuilder out = new StringBuilder();
    out.append("Heal ").append(n).append(" of run ").append(context.runId()).append(".\n");
    if (context.reason() == HealContext.Reason.STALLED) {
      out.append("Why now: the run has stalled: no ticket is ready, none is in flight, and the oracle says the"
          + " batch is not done.\nThe ending this heal would prevent: the run ends STALLED and waits for a person.\n");
    } else {
      out.append("Why now: several attempts in a row have failed.\nThe ending this heal would prevent: the"
          + " failing tickets use up their attempts and are handed to a person (human-gated).\n");
    }
    out.append("\nOutstanding tickets:\n");
    boolean any = false;
    for (String name : items.keySet()) {
      if (name.startsWith("ticket/")) {
        any = true;
        String text = items.get(name);
        out.append("- ").append(name).append(": ").append(firstLine(text)).append('\n');
      }
    }
    if (!any) {
      out.append("(none)\n");
    }
    out.append("\nRecent findings (newest last):\n").append(items.get("findings"));
    out.append("\nEvidence items (read_evidence, read-only):\n");
    items.forEach((name, text) -> out.append("- ").append(name).append(" (").append(text.split("\n", -1).length)
        .append(" lines)\n"));
    out.append("\nHealable files (the only files you can read or change): ").append(files.globs()).append('\n');
    files.snapshot().keySet().forEach(p -> out.append("- ").append(p).append('\n'));
    out.append("\nDecide: harness_gap (patch it) or external_wall (change nothing). Finish with conclude.\n");
    return out.toString();
  }

  private static String firstLine(String text) {
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl);
  }

  private ObjectNode header(HealContext context, int n, Toolbox toolbox, AgentLimits limits) {
    ObjectNode h = JsonNodeFactory.instance.objectNode().put("run_id", context.runId()).put("heal", n)
        .put("reason", context.reason().wireName()).put("vendor", client.vendor()).put("model", model)
        .put("system", system).put("harness_directory", files.root().toString())
        .put("max_turns", limits.maxTurns()).put("max_tokens", limits.maxTokens())
        .put("max_cost_usd", limits.maxCostUsd().toPlainString()).put("deadline", limits.deadline().toString());
    files.globs().forEach(h.putArray("healable")::add);
    toolbox.names().forEach(h.putArray("tools")::add);
    return h;
  }

  private static AdapterException modelFailed(ModelException e, Path file) {
    String message = "the healer's model call failed (" + e.kind() + "): " + e.getMessage() + "; its edits were"
        + " rolled back; transcript " + file;
    boolean fatal = e.kind() == ModelException.Kind.AUTHENTICATION || e.kind() == ModelException.Kind.PERMISSION
        || e.kind() == ModelException.Kind.INSUFFICIENT_QUOTA;
    return fatal ? new FatalAdapterException(message, e) : new AdapterException(message, e);
  }

  private static String spent(Usage usage, int turns) {
    return turns + " turns, " + usage.totalTokens() + " tokens, " + (usage.isMetered() ? "$"
        + usage.costUsd().toPlainString() : "cost not fully metered");
  }

  private static String join(List<HealTools.Quote> quotes) {
    List<String> parts = new ArrayList<>();
    quotes.forEach(q -> parts.add(q.toString()));
    return String.join("; ", parts);
  }

  private static String describe(Exception e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }

  @Override
  public String toString() {
    return "ModelHealer{" + client.vendor() + "/" + model + ", " + files + "}";
  }

  /**
   * Builds a {@link ModelHealer}. {@link #harnessDirectory}, {@link #healable}, {@link #runDirectory} and at
   * least one {@link #dryPreparation} are required; each setter rejects a bad value at once, naming it.
   */
  public static final class Builder {
    private final ModelClient client;
    private final String model;
    private String system = DEFAULT_SYSTEM;
    private @Nullable Path harnessDirectory;
    private final List<String> healable = new ArrayList<>();
    private @Nullable Path runDirectory;
    private @Nullable Tripwire canaries;
    private final List<Named<SmokeCheck>> smokeChecks = new ArrayList<>();
    private final List<Named<Preparation>> preparations = new ArrayList<>();
    private HealEvidence evidence = HealEvidence.none();
    private int maxTurns = 30;
    private long maxTokens = 1_000_000;
    private BigDecimal maxCostUsd = new BigDecimal("2");
    private Duration timeout = Duration.ofMinutes(15);
    private int maxOutputTokens = 8192;
    private int maxTickets = 20;
    private int readLimitChars = 50_000;
    private boolean newFiles;
    private Clock clock = Clock.systemUTC();
    private @Nullable PriceTable prices;
    private boolean streaming = true;
    private Duration idleTimeout = AgentLoop.DEFAULT_IDLE_TIMEOUT;
    private Supplier<Map<String, String>> hostEnvironment = System::getenv;

    private Builder(ModelClient client, String model) {
      this.client = Objects.requireNonNull(client, "client");
      if (model.isBlank()) {
        throw new InputException("blank model passed to ModelHealer.builder: expected a model id");
      }
      this.model = model;
    }

    /**
     * The healer's system prompt; default {@link #DEFAULT_SYSTEM}. Replace it only with rules as strict.
     *
     * @param system the system prompt, not blank
     * @return this builder
     * @throws InputException when {@code system} is blank
     */
    public Builder system(String system) {
      if (system.isBlank()) {
        throw new InputException("blank system prompt passed to ModelHealer.system: expected the healer's rules");
      }
      this.system = system;
      return this;
    }

    /**
     * Required: the directory the healable globs are relative to (the harness's own files, not a workspace).
     *
     * @param directory the harness folder
     * @return this builder
     */
    public Builder harnessDirectory(Path directory) {
      this.harnessDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * Required, at least one: globs relative to the harness directory naming the files a heal may read and
     * write, e.g. {@code prompts/*.md}, {@code profiles/**} (new files only with {@link #allowNewFiles}). Never name
     * the oracle's or the verifiers' files here.
     *
     * @param globs the globs, none blank
     * @return this builder
     * @throws InputException when a glob is blank
     */
    public Builder healable(String... globs) {
      for (String glob : globs) {
        if (glob.isBlank()) {
          throw new InputException("blank glob passed to ModelHealer.healable: expected e.g. prompts/*.md");
        }
        healable.add(glob);
      }
      return this;
    }

    /**
     * Required: the run's directory (the engine's), where {@code transcripts/heal-<n>.jsonl} is written. Nothing
     * under it is ever healable, whatever the globs say (the journal, the transcripts, the workspaces).
     *
     * @param directory the run's directory
     * @return this builder
     */
    public Builder runDirectory(Path directory) {
      this.runDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * The run's tripwire, whose canaries are the first smoke check of every patch.
     *
     * @param tripwire the run's tripwire
     * @return this builder
     */
    public Builder canaries(Tripwire tripwire) {
      this.canaries = Objects.requireNonNull(tripwire, "tripwire");
      return this;
    }

    /**
     * A host's smoke check, run after a patch in the order added; {@code name} names it when it fails.
     *
     * @param name names the check in the refusal when it fails
     * @param check the check
     * @return this builder
     */
    public Builder smokeCheck(String name, SmokeCheck check) {
      smokeChecks.add(new Named<>(checkName(name, "smokeCheck"), Objects.requireNonNull(check, "check")));
      return this;
    }

    /**
     * A dry preparation of the next attempt from the patched harness, run after the smoke checks: it must not
     * throw and must return non-blank text. At least one is required.
     *
     * @param name names the preparation in the refusal when it fails
     * @param preparation the preparation
     * @return this builder
     */
    public Builder dryPreparation(String name, Preparation preparation) {
      preparations.add(new Named<>(checkName(name, "dryPreparation"),
          Objects.requireNonNull(preparation, "preparation")));
      return this;
    }

    /**
     * Evidence beyond the context's (verifier output, transcript excerpts); default none.
     *
     * @param evidence the extra evidence the heal may read
     * @return this builder
     */
    public Builder evidence(HealEvidence evidence) {
      this.evidence = Objects.requireNonNull(evidence, "evidence");
      return this;
    }

    /**
     * Model turns per heal; default 30.
     *
     * @param turns at least 1
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder maxTurns(int turns) {
      if (turns < 1) {
        throw new InputException("max turns " + turns + " passed to ModelHealer.maxTurns: expected at least 1");
      }
      this.maxTurns = turns;
      return this;
    }

    /**
     * Tokens per heal over every round trip; default 1,000,000.
     *
     * @param tokens at least 1
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder maxTokens(long tokens) {
      if (tokens < 1) {
        throw new InputException("max tokens " + tokens + " passed to ModelHealer.maxTokens: expected at least 1");
      }
      this.maxTokens = tokens;
      return this;
    }

    /**
     * Money per heal in US dollars; default 2.
     *
     * @param usd 0 or more
     * @return this builder
     * @throws InputException when negative
     */
    public Builder maxCostUsd(BigDecimal usd) {
      if (usd.signum() < 0) {
        throw new InputException("max cost " + usd + " passed to ModelHealer.maxCostUsd: expected 0 or more");
      }
      this.maxCostUsd = usd;
      return this;
    }

    /**
     * Wall clock per heal's conversation; default 15 minutes.
     *
     * @param timeout positive
     * @return this builder
     * @throws InputException unless positive
     */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InputException("timeout " + timeout + " passed to ModelHealer.timeout: expected a positive"
            + " duration");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * The max tokens of each model response during a heal; default 8192.
     *
     * @param tokens at least 1
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder maxOutputTokens(int tokens) {
      if (tokens < 1) {
        throw new InputException("max output tokens " + tokens + " passed to ModelHealer: expected at least 1");
      }
      this.maxOutputTokens = tokens;
      return this;
    }

    /**
     * The most outstanding tickets handed over as evidence; default 20.
     *
     * @param tickets at least 1
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder maxTickets(int tickets) {
      if (tickets < 1) {
        throw new InputException("max tickets " + tickets + " passed to ModelHealer.maxTickets: expected at least 1");
      }
      this.maxTickets = tickets;
      return this;
    }

    /**
     * Characters {@code read_file} and {@code read_evidence} return per call; default 50,000.
     *
     * @param chars at least 1000
     * @return this builder
     * @throws InputException when below 1000
     */
    public Builder readLimitChars(int chars) {
      if (chars < 1000) {
        throw new InputException("read limit " + chars + " passed to ModelHealer.readLimitChars: expected at least"
            + " 1000 characters");
      }
      this.readLimitChars = chars;
      return this;
    }

    /**
     * Whether a heal may create a new file matching a healable glob (default false: only existing healable files
     * may change). This healer rolls back the files it created when it refuses its own patch, but
     * {@code HealGuard} restores only the harness files it was given, so a file created by a heal the guard
     * rejects stays; allow new files only with a guard that knows them.
     *
     * @param allow whether new files may be created
     * @return this builder
     */
    public Builder allowNewFiles(boolean allow) {
      this.newFiles = allow;
      return this;
    }

    /**
     * The clock the per-heal wall-clock cap reads (injected in tests); default UTC system time.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Prices responses whose usage has no cost yet, for the money cap; default none (the client's own prices).
     *
     * @param prices the price table
     * @return this builder
     */
    public Builder prices(PriceTable prices) {
      this.prices = Objects.requireNonNull(prices, "prices");
      return this;
    }

    /**
     * Whether the agent loop streams (the default); see {@link AgentLoop.Builder#streaming}.
     *
     * @param enabled {@code false} sends each request whole
     * @return this builder
     */
    public Builder streaming(boolean enabled) {
      this.streaming = enabled;
      return this;
    }

    /**
     * How long a streamed response may send nothing before its turn ends as a retryable timeout; see {@link
     * AgentLoop.Builder#idleTimeout}.
     *
     * @param timeout positive
     * @return this builder
     * @throws InputException unless positive
     */
    public Builder idleTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InputException("idle timeout " + timeout + " passed to ModelHealer: expected a positive duration");
      }
      this.idleTimeout = timeout;
      return this;
    }

    /**
     * Where the secret values scrubbed from the transcript and the evidence are found: the values of
     * secret-looking names ({@link CommandEnvironment#looksSecret}); {@link System#getenv()} unless a host (or a
     * test) says otherwise.
     *
     * @param environment supplies the host's environment variables when a heal starts
     * @return this builder
     */
    public Builder hostEnvironment(Supplier<Map<String, String>> environment) {
      this.hostEnvironment = Objects.requireNonNull(environment, "environment");
      return this;
    }

    /**
     * @return the healer
     * @throws InputException naming every missing part, or a bad harness directory or glob
     */
    public ModelHealer build() {
      List<String> missing = new ArrayList<>();
      if (harnessDirectory == null) {
        missing.add("harnessDirectory(path)");
      }
      if (healable.isEmpty()) {
        missing.add("healable(globs...)");
      }
      if (runDirectory == null) {
        missing.add("runDirectory(path)");
      }
      if (preparations.isEmpty()) {
        missing.add("dryPreparation(name, preparation), e.g. rendering the worker's prompt from the patched file");
      }
      if (!missing.isEmpty()) {
        throw new InputException("ModelHealer.builder(" + model + ") is missing " + String.join(", ", missing));
      }
      return new ModelHealer(this, HarnessFiles.of(harnessDirectory, healable, List.of(runDirectory)), runDirectory);
    }

    private String checkName(String name, String setter) {
      if (name.isBlank()) {
        throw new InputException("blank name passed to ModelHealer." + setter + ": expected a name for reports,"
            + " e.g. worker prompt");
      }
      boolean taken = name.equals("canaries") || smokeChecks.stream().anyMatch(c -> c.name().equals(name))
          || preparations.stream().anyMatch(p -> p.name().equals(name));
      if (taken) {
        throw new InputException("check name '" + name + "' passed to ModelHealer." + setter + " is already used:"
            + " expected unique names (canaries is the tripwire's)");
      }
      return name;
    }
  }
}
