package dev.loopkit.micrometer;

import dev.loopkit.core.Heal;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.LoopListener;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.StageKind;
import dev.loopkit.core.Usage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters for a Loop run, fed by the engine's events: add it with
 * {@code LoopEngine.builder().listener(metrics)}.
 *
 * <pre>{@code
 * LoopMetrics metrics = LoopMetrics.builder(registry)
 *     .runName("nightly")
 *     .checkStages("smoke")
 *     .build();
 * LoopEngine.builder()...listener(metrics).build().run();
 * }</pre>
 *
 * <p><b>Meters.</b> The module README lists every meter with its type and tags. Durations come from the events'
 * timestamps (the engine's clock), never from the JVM's timer, so a run on a manual clock measures the same
 * every time.
 *
 * <p><b>Cardinality.</b> Tags take values from closed sets only: the stage kinds, outcomes, endings, caps and
 * intervention kinds of loop-core; the names of host stages listed with {@link Builder#checkStages} (every other
 * host stage is {@code other}); and the first {@link Builder#maxTagValues} distinct vendor/model pairs and
 * resources seen (the rest are {@code other}). Ticket ids, titles, findings and summaries never become tags, so
 * the number of meters does not grow with the batch.
 *
 * <p><b>Threads.</b> The engine calls {@link #onEvent} on its own thread; the method is synchronized, so one
 * instance may also listen to several engines, though their attempts then share one gauge and their tickets
 * must not share ids. Meters are read by the registry's own threads, as Micrometer expects. Nothing here
 * blocks or throws for a well-formed event.
 */
public final class LoopMetrics implements LoopListener {
  /** The tag value for a vendor or model a stage did not name. */
  public static final String UNKNOWN = "unknown";
  /** The tag value for a stage name, model or resource beyond the bounded sets. */
  public static final String OTHER = "other";
  /** The tag value of {@code stage.kind} on attempts that did not fail at a stage. */
  public static final String NONE = "none";

  private final MeterRegistry registry;
  private final Tags common;
  private final Set<String> checkStages;
  private final BoundedValues models;
  private final BoundedValues resources;

  // engine-thread state: open attempts (key ticket id) and the previous pass, to measure intervals
  private final Map<String, Open> open = new HashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger outstanding = new AtomicInteger();
  private @Nullable Instant previousPass;

  private LoopMetrics(Builder b) {
    this.registry = b.registry;
    this.common = b.common;
    this.checkStages = Set.copyOf(b.checkStages);
    this.models = new BoundedValues(b.maxTagValues);
    this.resources = new BoundedValues(b.maxTagValues);
    Gauge.builder("loop.attempts.active", inFlight, AtomicInteger::get).tags(common)
        .description("attempts in flight").register(registry);
    Gauge.builder("loop.tickets.outstanding", outstanding, AtomicInteger::get).tags(common)
        .description("tickets keeping the batch from done, as the oracle last judged").register(registry);
  }

  /**
   * Starts a configuration.
   *
   * @param registry where the meters go (the host's: Prometheus, OTLP, a composite, ...)
   * @return a builder with no common tags and no listed check stages
   */
  public static Builder builder(MeterRegistry registry) {
    return new Builder(Objects.requireNonNull(registry, "registry"));
  }

  @Override
  public synchronized void onEvent(LoopEvent event) {
    if (event instanceof LoopEvent.RunStarted s) {
      count("loop.runs.started", "runs started or resumed", "resumed", String.valueOf(s.resumed()));
      previousPass = null; // a new session: the gap since the last one is not a pass interval
    } else if (event instanceof LoopEvent.OracleConsulted o) {
      outstanding.set(o.outstanding());
    } else if (event instanceof LoopEvent.PassStarted p) {
      count("loop.passes", "passes of the outer loop");
      if (previousPass != null) {
        timer("loop.pass.interval", "time from one pass to the next", Tags.empty())
            .record(between(previousPass, p.at()));
      }
      previousPass = p.at();
    } else if (event instanceof LoopEvent.TicketDispatched d) {
      open.put(d.ticketId(), new Open(d.attempt(), d.at(), d.at()));
      inFlight.set(open.size());
    } else if (event instanceof LoopEvent.StageCompleted c) {
      onStage(c);
    } else if (event instanceof LoopEvent.AttemptFailed f) {
      endAttempt(f, "failed", f.kind().wireName(), stageTag(f.kind(), f.stage()));
    } else if (event instanceof LoopEvent.AttemptDeferred d) {
      endAttempt(d, "deferred", NONE, NONE);
    } else if (event instanceof LoopEvent.AttemptInterrupted i) {
      endAttempt(i, "interrupted", NONE, NONE);
    } else if (event instanceof LoopEvent.TicketDone d) {
      endAttempt(d, "done", NONE, NONE);
      count("loop.tickets", "tickets settled", "outcome", "done");
    } else if (event instanceof LoopEvent.HumanGated g) {
      endAttempt(g, "human-gated", NONE, NONE);
      count("loop.tickets", "tickets settled", "outcome", "human-gated");
      intervention(RunReport.InterventionKind.HUMAN_GATED);
    } else if (event instanceof LoopEvent.TicketDiscovered t) {
      count("loop.tickets.discovered", "tickets filed by workers", "blocks.origin",
          String.valueOf(t.blocksOrigin()));
    } else if (event instanceof LoopEvent.ResourceWaited w) {
      timer("loop.lock.wait", "time a ready ticket waited for a resource",
          Tags.of("resource", resources.tag(w.resource()))).record(Duration.ofMillis(Math.max(0, w.waitedMillis())));
    } else if (event instanceof LoopEvent.ResourcesReleased r) {
      for (String resource : r.resources()) {
        timer("loop.lock.held", "time a ticket held a resource", Tags.of("resource", resources.tag(resource)))
            .record(Duration.ofMillis(Math.max(0, r.heldMillis())));
      }
    } else if (event instanceof LoopEvent.CapReached c) {
      count("loop.caps.reached", "caps reached", "cap", wire(c.cap().name()));
    } else if (event instanceof LoopEvent.HealAttempted h) {
      count("loop.heals", "self-heal attempts", "outcome", h.outcome().wireName(), "reason", h.reason().wireName());
      if (h.outcome() == Heal.Outcome.REJECTED) {
        intervention(RunReport.InterventionKind.HEAL_REJECTED);
      }
    } else if (event instanceof LoopEvent.HealReverted r) {
      count("loop.heals.reverted", "applied heals reverted for bringing no progress", "reverted",
          Boolean.toString(r.reverted()));
    } else if (event instanceof LoopEvent.TripwireTripped) {
      count("loop.tripwires", "times the definition of done changed or a canary misbehaved");
    } else if (event instanceof LoopEvent.RunEnded e) {
      count("loop.runs.ended", "run sessions ended", "ending", wire(e.ending().name()));
      RunReport.InterventionKind kind = RunReport.InterventionKind.of(e.ending());
      if (kind != null) {
        intervention(kind);
      }
      // the engine settles its attempts before it ends; anything left was cut off with the process
      open.clear();
      inFlight.set(0);
    }
  }

  private void onStage(LoopEvent.StageCompleted c) {
    Open attempt = open.get(c.ticketId());
    // a stage of an attempt whose dispatch this listener did not see has no start to measure from
    if (attempt != null && attempt.number == c.attempt()) {
      open.put(c.ticketId(), new Open(attempt.number, attempt.dispatched, c.at()));
      timer("loop.stage.duration", "time of one stage, from the end of the one before",
          Tags.of("kind", c.kind().wireName(), "stage", stageTag(c.kind(), c.stage()), "outcome",
              c.outcome().wireName())).record(between(attempt.lastEnd, c.at()));
    }
    Usage usage = c.usage();
    if (usage.equals(Usage.ZERO)) {
      return;
    }
    String[] model = models.pair(c.attributes().getOrDefault("vendor", UNKNOWN),
        c.attributes().getOrDefault("model", UNKNOWN));
    Tags byModel = Tags.of("vendor", model[0], "model", model[1]);
    tokens(byModel, "input", usage.inputTokens());
    tokens(byModel, "output", usage.outputTokens());
    tokens(byModel, "cache-read", usage.cacheReadTokens());
    tokens(byModel, "cache-write", usage.cacheWriteTokens());
    if (usage.costUsd().signum() > 0) {
      Counter.builder("loop.cost").baseUnit("usd").description("money spent on model calls, as far as known")
          .tags(common).tags(byModel).register(registry).increment(usage.costUsd().doubleValue());
    }
    if (usage.unmeteredCalls() > 0) {
      Counter.builder("loop.model.calls.unmetered").description("model calls with unknown tokens or cost")
          .tags(common).tags(byModel).register(registry).increment(usage.unmeteredCalls());
    }
  }

  private void tokens(Tags byModel, String type, long n) {
    if (n > 0) {
      Counter.builder("loop.tokens").baseUnit("tokens").description("model tokens used by stages")
          .tags(common).tags(byModel).tag("type", type).register(registry).increment(n);
    }
  }

  private void endAttempt(LoopEvent.AttemptEvent e, String outcome, String kind, String stage) {
    count("loop.attempts", "attempts ended", "outcome", outcome, "stage.kind", kind, "stage", stage);
    Open attempt = open.get(e.ticketId());
    if (attempt != null && attempt.number == e.attempt()) {
      open.remove(e.ticketId());
      inFlight.set(open.size());
      timer("loop.attempt.duration", "time of one attempt, from dispatch to its end", Tags.of("outcome", outcome))
          .record(between(attempt.dispatched, e.at()));
    }
  }

  private void intervention(RunReport.InterventionKind kind) {
    count("loop.interventions", "times a person had to act", "kind", kind.wireName());
  }

  /** The intervention a session's ending asks for, as {@link RunReport} counts them; HUMAN_GATED is per ticket. */


  private String stageTag(StageKind kind, String name) {
    if (kind != StageKind.CHECK) {
      return kind.wireName();
    }
    return checkStages.contains(name) ? name : OTHER;
  }

  private void count(String name, String description, String... tags) {
    Counter.builder(name).description(description).tags(common).tags(tags).register(registry).increment();
  }

  private Timer timer(String name, String description, Tags tags) {
    return Timer.builder(name).description(description).tags(common).tags(tags).register(registry);
  }

  private static Duration between(Instant from, Instant to) {
    Duration d = Duration.between(from, to);
    return d.isNegative() ? Duration.ZERO : d;
  }

  private static String wire(String enumName) {
    return enumName.toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private record Open(int number, Instant dispatched, Instant lastEnd) {}

  /** The first {@code max} distinct values keep their name; later ones are {@link #OTHER}. */
  private static final class BoundedValues {
    private final int max;
    private final Set<String> seen = new LinkedHashSet<>();

    BoundedValues(int max) {
      this.max = max;
    }

    String tag(String value) {
      return admits(value) ? value : OTHER;
    }

    /** A vendor and model bounded as a pair, so one vendor's many models cannot multiply the meters. */
    String[] pair(String vendor, String model) {
      return admits(vendor + '\u0000' + model) ? new String[] {vendor, model} : new String[] {OTHER, OTHER};
    }

    private boolean admits(String value) {
      if (seen.contains(value)) {
        return true;
      }
      if (seen.size() < max) {
        seen.add(value);
        return true;
      }
      return false;
    }
  }

  /**
   * Configures a {@link LoopMetrics}. Setters reject a bad value at once, naming it.
   */
  public static final class Builder {
    private static final String NAME = "[a-z0-9][a-z0-9-]{0,62}";
    private static final Set<String> RESERVED = Set.of("kind", "stage", "outcome", "stage.kind", "vendor",
        "model", "type", "resource", "cap", "ending", "reason", "resumed", "blocks.origin");

    private final MeterRegistry registry;
    private Tags common = Tags.empty();
    private final Set<String> checkStages = new LinkedHashSet<>();
    private int maxTagValues = 32;

    private Builder(MeterRegistry registry) {
      this.registry = registry;
    }

    /**
     * Adds the tag {@code run=<name>} to every meter, to tell runs of several engines apart in one registry.
     * Name a kind of run ({@code nightly}, {@code docs-batch}), not one run: every distinct name is a new set
     * of meters.
     *
     * @param name the value of the {@code run} tag
     * @return this builder
     * @throws InputException if the name is blank
     */
    public Builder runName(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new InputException("LoopMetrics runName is blank: expected a short name such as 'nightly'");
      }
      return tag("run", name);
    }

    /**
     * Adds a tag to every meter (an environment, a service).
     *
     * @param key the tag's key
     * @param value its value, the same on every meter
     * @return this builder
     * @throws InputException if the key is blank or is one of the tags this listener sets itself
     */
    public Builder tag(String key, String value) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
      if (key.isBlank()) {
        throw new InputException("LoopMetrics tag key is blank: expected a name such as 'env'");
      }
      if (RESERVED.contains(key)) {
        throw new InputException("LoopMetrics tag '" + key + "' is set by the meters themselves: expected another"
            + " key than " + RESERVED.stream().sorted().toList());
      }
      common = common.and(Tag.of(key, value));
      return this;
    }

    /**
     * Adds tags to every meter; see {@link #tag}.
     *
     * @param tags keys and values
     * @return this builder
     * @throws InputException if a key is blank or reserved
     */
    public Builder tags(Map<String, String> tags) {
      tags.forEach(this::tag);
      return this;
    }

    /**
     * Names of host stages ({@code LoopEngine.Builder.stage}) whose meters carry their name in the
     * {@code stage} tag; every other host stage is tagged {@code other}. Stage names are the host's choice,
     * so only listed ones become tag values.
     *
     * @param names the stage names to keep
     * @return this builder
     * @throws InputException if a name is not a valid stage name (lower-case letters, digits, hyphens)
     */
    public Builder checkStages(String... names) {
      return checkStages(List.of(names));
    }

    /**
     * See {@link #checkStages(String...)}.
     *
     * @param names the stage names to keep
     * @return this builder
     * @throws InputException if a name is not a valid stage name
     */
    public Builder checkStages(List<String> names) {
      for (String name : names) {
        Objects.requireNonNull(name, "stage name");
        if (!name.matches(NAME)) {
          throw new InputException("LoopMetrics check stage '" + name + "': expected 1-63 lower-case letters,"
              + " digits and hyphens, as LoopEngine.Builder.stage accepts");
        }
        checkStages.add(name);
      }
      return this;
    }

    /**
     * How many distinct vendor/model pairs, and separately resources, keep their own tag value; later ones
     * are tagged {@code other}. Default 32.
     *
     * @param max the bound, at least 1
     * @return this builder
     * @throws InputException if {@code max} is below 1
     */
    public Builder maxTagValues(int max) {
      if (max < 1) {
        throw new InputException("LoopMetrics maxTagValues is " + max + ": expected at least 1");
      }
      this.maxTagValues = max;
      return this;
    }

    /**
     * Registers the gauges; counters and timers register on first use.
     *
     * @return the listener, to add with {@code LoopEngine.Builder.listener}
     */
    public LoopMetrics build() {
      return new LoopMetrics(this);
    }
  }
}
