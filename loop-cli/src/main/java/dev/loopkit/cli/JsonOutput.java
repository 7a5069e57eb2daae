package dev.loopkit.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.loopkit.core.Batch;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.nio.file.Path;

/**
 * The {@code --json} output of {@code status}, {@code run} and {@code report}: one JSON object per line (events
 * in the journal's own form, then a result), so a script reads it with any JSON Lines reader. Field names are
 * camelCase like the journal's; money is a decimal string (no binary rounding), durations are milliseconds.
 */
final class JsonOutput {
  private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);

  private JsonOutput() {}

  /** One line: the object without line breaks. */
  static String line(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON for " + value.getClass().getSimpleName(), e);
    }
  }

  /** An event as the journal writes it: {@code {"type":"ticket-done","at":"...",...}}. */
  static String event(LoopEvent event) {
    return line(event);
  }

  /** A run's figures: ending, tickets done, attempts, tokens, cost, interventions (people's) and heals. */
  static ObjectNode run(RunReport r, Path runDirectory) {
    ObjectNode n = JSON.createObjectNode();
    n.put("run", runDirectory.getFileName().toString()).put("runDirectory", runDirectory.toString());
    n.put("ending", r.ending().map(Enum::name).orElse("RUNNING")).put("endingDetail", r.endingDetail());
    long done = r.tickets().stream().filter(t -> t.outcome() == RunReport.TicketOutcome.DONE).count()
        + r.doneBeforeTheRun();
    long gated = r.tickets().stream().filter(t -> t.outcome() == RunReport.TicketOutcome.HUMAN_GATED).count();
    long heals = r.interventions().stream().filter(i -> i.kind() == RunReport.InterventionKind.HEALED).count();
    n.put("tickets", r.batchSize()).put("done", done).put("waitingForAPerson", gated)
        .put("attempts", r.attempts()).put("interruptedAttempts", r.interruptedAttempts())
        .put("passes", r.passes()).put("sessions", r.sessions())
        .put("tokens", r.usage().totalTokens()).put("costUsd", r.usage().costUsd().toPlainString())
        .put("elapsedMillis", r.elapsed().toMillis())
        .put("interventions", r.interventions().size() - heals).put("heals", heals);
    ArrayNode kinds = n.putArray("interventionList");
    for (RunReport.Intervention i : r.interventions()) {
      ObjectNode k = kinds.addObject().put("kind", i.kind().wireName()).put("detail", i.detail());
      if (i.ticketId() != null) {
        k.put("ticket", i.ticketId());
      }
    }
    ArrayNode tickets = n.putArray("ticketList");
    for (RunReport.TicketReport t : r.tickets()) {
      tickets.addObject().put("id", t.ticketId()).put("outcome", t.outcome().wireName())
          .put("attempts", t.attempts()).put("failedAttempts", t.failedAttempts())
          .put("workMillis", t.workTime().toMillis()).put("tokens", t.usage().totalTokens())
          .put("costUsd", t.usage().costUsd().toPlainString());
    }
    return n;
  }

  /** The result line of {@code loop run --json}. */
  static ObjectNode result(RunReport r, Path runDirectory, Path report, int exitCode) {
    ObjectNode n = JSON.createObjectNode().put("type", "result").put("exitCode", exitCode)
        .put("report", report.toString());
    n.setAll(run(r, runDirectory));
    return n;
  }

  /** {@code loop report --json}. */
  static ObjectNode report(Path report, RunReport r, Path runDirectory) {
    ObjectNode n = JSON.createObjectNode().put("report", report.toString());
    n.setAll(run(r, runDirectory));
    return n;
  }

  /** {@code loop status --json}: the tickets, counts by status and the newest run (null before the first). */
  static ObjectNode status(String tracker, Batch batch, RunReport latest, Path latestDirectory, int runs,
      String sandbox) {
    ObjectNode n = status(tracker, batch);
    n.put("runs", runs);
    ObjectNode run = run(latest, latestDirectory);
    if (!sandbox.isEmpty()) {
      run.put("sandbox", sandbox);
    }
    n.set("latestRun", run);
    return n;
  }

  static ObjectNode status(String tracker, Batch batch) {
    ObjectNode n = JSON.createObjectNode().put("tracker", tracker).put("tickets", batch.size());
    ObjectNode counts = n.putObject("byStatus");
    for (Status s : Status.values()) {
      counts.put(s.wireName(), batch.withStatus(s).size());
    }
    ArrayNode list = n.putArray("ticketList");
    for (Ticket t : batch.tickets()) {
      list.addObject().put("id", t.id()).put("status", t.status().wireName()).put("priority", t.priority())
          .put("title", t.title());
    }
    n.put("runs", 0);
    n.putNull("latestRun");
    return n;
  }
}
