package dev.loopkit.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.loopkit.core.Caps;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.LoopListener;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.Worker;
import dev.loopkit.core.markdown.MarkdownTracker;
import dev.loopkit.llm.work.AgentProfile;
import dev.loopkit.llm.work.CommandWorker;
import dev.loopkit.oracle.TicketCommandVerifier;
import dev.loopkit.oracle.TrackerOracle;
import dev.loopkit.scheduler.DependencyReadySet;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop embedded in a service the host already runs: a small HTTP API (the JDK's own
 * {@link HttpServer}, no framework) that starts runs of Markdown batches, one at a time, and reports on them.
 *
 * <pre>
 * POST /runs        {"batch": "orders"}  run the Markdown batch BATCHES/orders (resuming its unfinished run)
 * GET  /runs                             every run this service started, newest last
 * GET  /runs/{id}                        progress (from a listener) while running; ending and report after
 *                                        (POST answers 202 with Location: /runs/{id}, or 409 while a run runs)
 * GET  /metrics                          events counted by type, in Prometheus text format
 * </pre>
 *
 * <p>What it shows a host:
 * <ul>
 *   <li><b>The host's threads.</b> Attempts run on the {@link Executor} the host passes (its own pool, or
 *       virtual threads on Java 21+); the engine never shuts it down. Each run's control loop runs on one
 *       thread this service owns, so starting a run never blocks an HTTP thread.
 *   <li><b>Listeners for metrics.</b> A {@link LoopListener} counts events per run (the progress that
 *       {@code GET /runs/{id}} shows) and per service ({@code /metrics}); the host may add its own (Micrometer,
 *       OpenTelemetry). Listeners are quick and thread-safe, as the engine requires.
 *   <li><b>The run report.</b> When a run ends, its {@link RunResult} (ending and {@link RunReport}: attempts,
 *       evidence, interventions) replaces the live counts.
 *   <li><b>A clean shutdown, and resume.</b> {@link #close()} stops taking requests, interrupts the run in
 *       flight and this service's attempts on the host's executor, waits for the run to stop, and leaves the
 *       executor to the host. The run's journal stops where it was, exactly as if the process had been killed,
 *       and the next {@code POST} of that batch (from this process or the next) resumes the unfinished run in
 *       its directory: interrupted attempts are counted and retried by a fresh worker, finished tickets are not
 *       redone. A service that is killed outright resumes the same way.
 * </ul>
 *
 * <p>Each run gets a new directory under the runs folder (journal, workspaces, transcripts). Thread-safe.
 */
public final class EmbeddedService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedService.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
      .withZone(ZoneOffset.UTC);
  private static final int MAX_BODY = 64 * 1024;

  private final Path batches;
  private final Path runs;
  private final Worker worker;
  private final Verifier verifier;
  private final Caps caps;
  private final Executor hostExecutor;
  private final Set<Thread> attemptThreads = ConcurrentHashMap.newKeySet();
  private final Clock clock;
  private final List<LoopListener> listeners;
  private final Duration shutdownWait;
  private final HttpServer server;
  private final ExecutorService engineThread;
  private final Map<String, RunRecord> records = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> eventCounts = new ConcurrentHashMap<>();
  private @Nullable RunRecord current;
  private boolean closed;

  private EmbeddedService(Builder b) throws IOException {
    this.batches = Objects.requireNonNull(b.batches);
    this.runs = Objects.requireNonNull(b.runs);
    this.worker = Objects.requireNonNull(b.worker);
    this.verifier = Objects.requireNonNull(b.verifier);
    this.caps = b.caps;
    this.hostExecutor = Objects.requireNonNull(b.attempts);
    this.clock = b.clock;
    this.listeners = List.copyOf(b.listeners);
    this.shutdownWait = b.shutdownWait;
    this.engineThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "loop-engine"));
    this.server = HttpServer.create(b.address, 0);
    server.createContext("/runs", this::handleRuns);
    server.createContext("/metrics", this::handleMetrics);
    server.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Where the service listens, e.g. {@code http://127.0.0.1:40123}. */
  public URI uri() {
    InetSocketAddress a = server.getAddress();
    return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort());
  }

  /**
   * Starts a run of the Markdown batch in {@code <batches>/<batch>} on the engine thread, unless one is
   * running. Also what {@code POST /runs} calls.
   *
   * @return the new run's id
   * @throws InputException if the batch name is not a plain folder name or no such folder exists
   * @throws IllegalStateException if a run is in flight (naming it) or the service is closed
   */
  public synchronized String start(String batch) {
    if (closed) {
      throw new IllegalStateException("the service is shutting down: no new runs");
    }
    if (!NAME.matcher(batch).matches()) {
      throw new InputException("batch '" + batch + "': expected a folder name of letters, digits, '.', '_' or '-'"
          + " under " + batches);
    }
    Path folder = batches.resolve(batch);
    if (!Files.isDirectory(folder)) {
      throw new NoSuchBatchException("no batch '" + batch + "': expected a folder of ticket files at " + folder);
    }
    if (current != null && !current.ended()) {
      throw new IllegalStateException("run " + current.id + " of batch " + current.batch
          + " is still running: this service runs one batch at a time");
    }
    String unfinished = unfinishedRun(batch);
    String id = unfinished != null ? unfinished : newRunId(batch);
    RunRecord record = new RunRecord(id, batch, runs.resolve(id), clock.instant(), unfinished != null);
    records.put(id, record);
    current = record;
    record.future = engineThread.submit(() -> execute(record, folder));
    return id;
  }

  /**
   * The newest run of this batch that has not ended DONE (the service was stopped or killed during it, or it
   * ended for a person to act), to continue rather than start afresh: its attempts in flight are counted as
   * interrupted and retried, and its claimed tickets are released. Null when there is none.
   */
  private @Nullable String unfinishedRun(String batch) {
    try (Stream<Path> dirs = Files.list(runs)) {
      return dirs.filter(d -> d.getFileName().toString().startsWith(batch + "-"))
          .filter(d -> RunDirectory.of(d).exists())
          .filter(d -> RunDirectory.of(d).history().ending().orElse(null) != RunEnding.Kind.DONE)
          .map(d -> d.getFileName().toString())
          .max(Comparator.naturalOrder())
          .orElse(null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list runs folder " + runs, e);
    }
  }

  private String newRunId(String batch) {
    String base = batch + "-" + STAMP.format(clock.instant());
    String id = base;
    for (int n = 2; records.containsKey(id) || Files.exists(runs.resolve(id)); n++) {
      id = base + "-" + n;
    }
    return id;
  }

  /** Hands an attempt to the host's executor, remembering its thread so {@link #close()} can interrupt it. */
  private void runAttempt(Runnable attempt) {
    hostExecutor.execute(() -> {
      Thread self = Thread.currentThread();
      attemptThreads.add(self);
      try {
        attempt.run();
      } finally {
        attemptThreads.remove(self);
      }
    });
  }

  /** The engine thread's whole job: one run, to its ending. Never throws; failures land in the record. */
  private void execute(RunRecord record, Path folder) {
    try {
      LoopEngine.Builder engine = LoopEngine.builder()
          .tracker(MarkdownTracker.open(folder))
          .readySet(DependencyReadySet.create())
          .oracle(TrackerOracle.create())
          .worker(worker)
          .verifier(verifier)
          .caps(caps)
          .clock(clock)
          .executor(this::runAttempt)
          .runDirectory(record.directory)
          .runId(record.id)
          .listener(record)
          .listener(e -> eventCounts.computeIfAbsent(eventName(e), k -> new LongAdder()).increment());
      listeners.forEach(engine::listener);
      RunResult result = engine.build().run();
      if (isClosing()) {
        // close() interrupted the engine: the run ended FAILED with its tickets reopened, and continues on the
        // next POST of its batch
        record.error = "stopped by the service's shutdown; POST the batch again to resume run " + record.id;
        LOG.info("run {} stopped by shutdown; it resumes on the next POST of batch {}", record.id, record.batch);
      } else {
        LOG.info("run {} ended: {}", record.id, result.ending().describe());
      }
      record.result = result;
    } catch (RuntimeException e) {
      // the batch could not be read (a malformed ticket file, a dependency cycle) or the directory was locked
      record.error = e.getMessage() == null ? e.toString() : e.getMessage();
      LOG.warn("run {} could not run: {}", record.id, record.error, e);
    } finally {
      record.endedAt = clock.instant();
    }
  }

  private synchronized boolean isClosing() {
    return closed;
  }

  /**
   * Stops taking requests, interrupts the run in flight and waits for it to end (up to the builder's
   * {@code shutdownWait}), then stops the engine thread. The host's executor is left running: it is the host's.
   * Idempotent.
   */
  @Override
  public void close() {
    RunRecord running;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      running = current;
    }
    server.stop(0);
    if (running != null && running.future != null) {
      running.future.cancel(true);
    }
    attemptThreads.forEach(Thread::interrupt);
    engineThread.shutdown();
    try {
      if (!engineThread.awaitTermination(shutdownWait.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("run {} did not end within {}; leaving it", running == null ? "-" : running.id, shutdownWait);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits until the run ends and returns its result (for hosts and tests that start runs in-process).
   *
   * @throws IllegalArgumentException for an unknown id
   * @throws IllegalStateException if the run failed to start, naming why
   */
  public RunResult await(String runId, Duration timeout) throws InterruptedException, TimeoutException {
    RunRecord record = records.get(runId);
    if (record == null) {
      throw new IllegalArgumentException("no run '" + runId + "' in this service: it knows " + records.keySet());
    }
    try {
      Objects.requireNonNull(record.future).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("run " + runId + " failed: " + e.getCause(), e.getCause());
    }
    if (record.result == null) {
      throw new IllegalStateException("run " + runId + " did not run: " + record.error);
    }
    return record.result;
  }

  // ---- HTTP ----

  private void handleRuns(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      if (path.equals("/runs") || path.equals("/runs/")) {
        if (method.equals("POST")) {
          postRun(exchange);
        } else if (method.equals("GET")) {
          ArrayNode list = JSON.createArrayNode();
          records.values().stream().sorted((a, b) -> a.startedAt.compareTo(b.startedAt))
              .forEach(r -> list.add(r.status(false)));
          send(exchange, 200, list);
        } else {
          notAllowed(exchange, "GET, POST");
        }
        return;
      }
      String id = path.substring("/runs/".length());
      if (!method.equals("GET")) {
        notAllowed(exchange, "GET");
        return;
      }
      RunRecord record = records.get(id);
      if (record == null) {
        send(exchange, 404, error("no run '" + id + "': POST /runs starts one; GET /runs lists them"));
      } else {
        send(exchange, 200, record.status(true));
      }
    } catch (RuntimeException e) {
      LOG.error("request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      send(exchange, 500, error("internal error: " + e));
    }
  }

  private void postRun(HttpExchange exchange) throws IOException {
    byte[] body = readBody(exchange.getRequestBody());
    if (body.length > MAX_BODY) {
      send(exchange, 413, error("request body over " + MAX_BODY + " bytes: expected {\"batch\": \"NAME\"}"));
      return;
    }
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      send(exchange, 400, error("request body is not JSON (" + e.getOriginalMessage() + "): expected"
          + " {\"batch\": \"NAME\"}"));
      return;
    }
    JsonNode batch = request == null ? null : request.get("batch");
    if (batch == null || !batch.isTextual()) {
      send(exchange, 400, error("request body " + (request == null ? "is empty" : "has batch " + batch)
          + ": expected {\"batch\": \"NAME\"} naming a folder under " + batches));
      return;
    }
    String id;
    try {
      id = start(batch.textValue());
    } catch (NoSuchBatchException e) {
      send(exchange, 404, error(e.getMessage()));
      return;
    } catch (InputException e) {
      send(exchange, 400, error(e.getMessage()));
      return;
    } catch (IllegalStateException e) {
      send(exchange, 409, error(e.getMessage()));
      return;
    }
    exchange.getResponseHeaders().set("Location", "/runs/" + id);
    send(exchange, 202, records.get(id).status(false));
  }

  private void handleMetrics(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("GET")) {
        notAllowed(exchange, "GET");
        return;
      }
      StringBuilder text = new StringBuilder("# TYPE loop_events_total counter\n");
      new TreeMap<>(eventCounts).forEach((name, count) -> text.append("loop_events_total{event=\"").append(name)
          .append("\"} ").append(count.sum()).append('\n'));
      text.append("# TYPE loop_runs_total counter\nloop_runs_total ").append(records.size()).append('\n');
      byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  private static byte[] readBody(InputStream in) throws IOException {
    return in.readNBytes(MAX_BODY + 1);
  }

  private static ObjectNode error(@Nullable String message) {
    return JSON.createObjectNode().put("error", message);
  }

  private static void notAllowed(HttpExchange exchange, String allow) throws IOException {
    exchange.getResponseHeaders().set("Allow", allow);
    send(exchange, 405, error(exchange.getRequestMethod() + " is not allowed on " + exchange.getRequestURI().getPath()
        + ": expected " + allow));
  }

  private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static String eventName(LoopEvent e) {
    return e.getClass().getSimpleName();
  }

  /** A run this service started: the live counts (it is the run's listener) and, once ended, the result. */
  private static final class RunRecord implements LoopListener {
    final String id;
    final String batch;
    final Path directory;
    final Instant startedAt;
    final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    volatile @Nullable Future<?> future;
    volatile @Nullable RunResult result;
    volatile @Nullable String error;
    volatile @Nullable Instant endedAt;
    volatile String lastEvent = "";

    final boolean resumed;

    RunRecord(String id, String batch, Path directory, Instant startedAt, boolean resumed) {
      this.resumed = resumed;
      this.id = id;
      this.batch = batch;
      this.directory = directory;
      this.startedAt = startedAt;
    }

    /** Called on the engine thread and on attempt threads; only counts, so it is quick and thread-safe. */
    @Override
    public void onEvent(LoopEvent event) {
      counts.computeIfAbsent(eventName(event), k -> new LongAdder()).increment();
      lastEvent = event instanceof LoopEvent.AttemptEvent a ? eventName(event) + " " + a.ticketId()
          : eventName(event);
    }

    boolean ended() {
      return endedAt != null;
    }

    private long count(Class<? extends LoopEvent> type) {
      LongAdder n = counts.get(type.getSimpleName());
      return n == null ? 0 : n.sum();
    }

    ObjectNode status(boolean detailed) {
      RunResult r = result;
      ObjectNode n = JSON.createObjectNode().put("id", id).put("batch", batch)
          .put("state", error != null ? "stopped" : r != null ? "ended" : "running").put("resumed", resumed)
          .put("startedAt", startedAt.toString()).put("directory", directory.toString());
      if (endedAt != null) {
        n.put("endedAt", String.valueOf(endedAt));
      }
      if (error != null) {
        n.put("error", error);
      }
      if (!detailed) {
        return n;
      }
      n.putObject("progress")
          .put("passes", count(LoopEvent.PassStarted.class))
          .put("attemptsStarted", count(LoopEvent.TicketDispatched.class))
          .put("attemptsFailed", count(LoopEvent.AttemptFailed.class))
          .put("ticketsDone", count(LoopEvent.TicketDone.class))
          .put("humanGated", count(LoopEvent.HumanGated.class))
          .put("discovered", count(LoopEvent.TicketDiscovered.class))
          .put("lastEvent", lastEvent);
      if (r != null) {
        n.putObject("ending").put("kind", r.ending().kind().name()).put("detail", r.ending().describe());
        n.set("report", report(r.report()));
      }
      return n;
    }

    private static ObjectNode report(RunReport report) {
      ObjectNode n = JSON.createObjectNode().put("summary", report.summary()).put("attempts", report.attempts())
          .put("passes", report.passes()).put("tokens", report.usage().totalTokens())
          .put("costUsd", report.usage().costUsd().toPlainString());
      ArrayNode tickets = n.putArray("tickets");
      for (RunReport.TicketReport t : report.tickets()) {
        ObjectNode tn = tickets.addObject().put("id", t.ticketId()).put("outcome", t.outcome().wireName())
            .put("attempts", t.attempts()).put("failedAttempts", t.failedAttempts());
        ArrayNode evidence = tn.putArray("evidence");
        for (Evidence e : t.evidence()) {
          evidence.addObject().put("kind", e.kind()).put("summary", e.summary());
        }
        ArrayNode findings = tn.putArray("findings");
        t.findings().forEach(findings::add);
      }
      ArrayNode interventions = n.putArray("interventions");
      for (RunReport.Intervention i : report.interventions()) {
        interventions.addObject().put("kind", i.kind().wireName()).put("ticket", i.ticketId()).put("detail", i.detail());
      }
      return n;
    }
  }

  /** {@code POST /runs} named a batch folder that does not exist: 404 rather than 400. */
  private static final class NoSuchBatchException extends InputException {
    private static final long serialVersionUID = 1L;

    NoSuchBatchException(String message) {
      super(message);
    }
  }

  /**
   * Builds and starts an {@link EmbeddedService}. Required: batches, runs, worker, verifier and the host's
   * executor for attempts; each setter rejects a bad value at once, {@link #start()} names what is missing.
   */
  public static final class Builder {
    private @Nullable Path batches;
    private @Nullable Path runs;
    private @Nullable Worker worker;
    private @Nullable Verifier verifier;
    private @Nullable Executor attempts;
    private Caps caps = Caps.builder().maxConcurrency(2).maxAttemptsPerTicket(3).build();
    private InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private Clock clock = Clock.systemUTC();
    private Duration shutdownWait = Duration.ofSeconds(30);
    private final List<LoopListener> listeners = new ArrayList<>();

    private Builder() {}

    /** The folder whose sub-folders are Markdown batches ({@code <batches>/<name>/<id>.md}); must exist. */
    public Builder batches(Path folder) {
      if (!Files.isDirectory(folder)) {
        throw new InputException("batches folder " + folder + " does not exist: expected a folder of batch folders");
      }
      this.batches = folder;
      return this;
    }

    /** Where run directories go, one per run; created when missing. */
    public Builder runs(Path folder) {
      try {
        this.runs = Files.createDirectories(folder);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create runs folder " + folder, e);
      }
      return this;
    }

    public Builder worker(Worker worker) {
      this.worker = Objects.requireNonNull(worker, "worker");
      return this;
    }

    public Builder verifier(Verifier verifier) {
      this.verifier = Objects.requireNonNull(verifier, "verifier");
      return this;
    }

    /** The host's executor for attempts (a pool it owns, or virtual threads); the service never shuts it down. */
    public Builder executor(Executor executor) {
      this.attempts = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Caps for every run; default 2 concurrent attempts, 3 attempts per ticket, the other caps' defaults. */
    public Builder caps(Caps caps) {
      this.caps = Objects.requireNonNull(caps, "caps");
      return this;
    }

    /** Where to listen; default the loopback address on a free port. */
    public Builder address(InetSocketAddress address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** A listener of the host's (metrics, logs), added to every run after the service's own. */
    public Builder listener(LoopListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** How long {@link EmbeddedService#close()} waits for an interrupted run to end; default 30 s. */
    public Builder shutdownWait(Duration wait) {
      if (wait.isNegative() || wait.isZero()) {
        throw new InputException("shutdownWait " + wait + ": expected a positive duration");
      }
      this.shutdownWait = wait;
      return this;
    }

    /**
     * Binds the port and starts serving.
     *
     * @throws InputException naming every required part that is missing
     * @throws UncheckedIOException if the address cannot be bound
     */
    public EmbeddedService start() {
      List<String> missing = new ArrayList<>();
      Map<String, @Nullable Object> required = new LinkedHashMap<>();
      required.put("batches", batches);
      required.put("runs", runs);
      required.put("worker", worker);
      required.put("verifier", verifier);
      required.put("executor (the host's pool for attempts)", attempts);
      required.forEach((name, value) -> {
        if (value == null) {
          missing.add(name);
        }
      });
      if (!missing.isEmpty()) {
        throw new InputException("EmbeddedService is missing " + String.join(", ", missing));
      }
      try {
        return new EmbeddedService(this);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot listen on " + address, e);
      }
    }
  }

  /**
   * Runs the service until the process is stopped (Ctrl-C closes it cleanly):
   * {@code EmbeddedService BATCHES RUNS PORT AGENT-COMMAND...}. Each ticket's finish line is its own
   * {@code verify} metadata ({@link TicketCommandVerifier}); the worker runs {@code AGENT-COMMAND} in the
   * ticket's workspace with the task on standard input (see {@link AgentProfile#custom}), e.g.
   * {@code claude -p {task}} or a script of yours. Its usage is unmetered and declared free
   * ({@link Caps.Builder#allowUnmeteredUsage()}): the agent reports no tokens or cost.
   */
  public static void main(String[] args) {
    if (args.length < 4) {
      System.err.println("usage: EmbeddedService BATCHES RUNS PORT AGENT-COMMAND [ARG...]");
      System.exit(2);
    }
    ExecutorService pool = hostPool();
    EmbeddedService service;
    try {
      service = fromArguments(args, pool);
    } catch (InputException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      service.close();
      pool.shutdown();
    }, "loop-shutdown"));
    System.out.println("listening on " + service.uri() + "; POST /runs {\"batch\": \"NAME\"} starts a run");
  }

  /** The host's own pool, as a service would have it: named, daemon threads. */
  static ExecutorService hostPool() {
    AtomicInteger n = new AtomicInteger();
    return Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "host-pool-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** The service {@link #main} runs, from its arguments, on {@code pool}. */
  static EmbeddedService fromArguments(String[] args, Executor pool) {
    int port;
    try {
      port = Integer.parseInt(args[2]);
    } catch (NumberFormatException e) {
      throw new InputException("PORT '" + args[2] + "': expected a number from 0 to 65535", e);
    }
    List<String> command = Arrays.asList(args).subList(3, args.length);
    AgentProfile agent = AgentProfile.custom(Path.of(command.get(0)).getFileName().toString(), "local", command,
        AgentProfile.OutputFormat.TEXT);
    // the agent runs in the ticket's sandbox: show it its own files (a script of yours), read-only
    List<Path> agentFiles = new java.util.ArrayList<>();
    for (String arg : command) {
      Path p = Path.of(arg);
      if (p.isAbsolute() && java.nio.file.Files.isRegularFile(p)) {
        agentFiles.add(p);
      }
    }
    agent = agent.withReadOnly(agentFiles);
    return builder()
        .batches(Path.of(args[0]))
        .runs(Path.of(args[1]))
        .worker(CommandWorker.builder(agent).build())
        .verifier(TicketCommandVerifier.create())
        // a command agent of your own reports no tokens or cost: declare that usage free (a flat-rate plan, a
        // local model), or the engine stops the run at the first attempt because the money cap cannot see it
        .caps(Caps.builder().maxConcurrency(2).maxAttemptsPerTicket(3).allowUnmeteredUsage().build())
        .executor(pool)
        .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
        .start();
  }
}
