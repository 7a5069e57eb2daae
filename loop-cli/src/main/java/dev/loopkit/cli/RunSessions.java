package dev.loopkit.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunDirectory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The sessions of a run as its journal's {@code run-started} lines record them, for what the run history does
 * not keep: how each session confined the processes of its tickets ({@link LoopEvent.RunStarted#sandbox()}).
 * Reads the journal once, line by line, parsing only the start lines; a torn last line is skipped, as every
 * reader of a journal does.
 */
final class RunSessions {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RunSessions() {}

  /** Each session's start, oldest first (fingerprint and caps left out); empty before the first start. */
  static List<LoopEvent.RunStarted> of(RunDirectory run) {
    List<LoopEvent.RunStarted> out = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(run.journal(), StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (!line.contains("\"run-started\"")) {
          continue;
        }
        JsonNode n;
        try {
          n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
          continue; // a torn last line; history() reports any other damage, naming the line
        }
        if (n == null || !"run-started".equals(n.path("type").asText())) {
          continue;
        }
        out.add(new LoopEvent.RunStarted(instant(n.path("at").asText("")), n.path("runId").asText(""), n.path("tickets").asInt(), n.path("resumed").asBoolean(), Map.of(),
            Map.of(), n.hasNonNull("sandbox") ? n.get("sandbox").asText() : "unrecorded"));
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read run journal " + run.journal() + ": " + IoCause.of(e), e);
    }
    return out;
  }

  private static Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return Instant.EPOCH; // only the sandbox matters here; history() reports a malformed journal
    }
  }

  /**
   * One line on how the run's sessions confined tickets' processes: the sandbox of its latest session, and a
   * warning naming every session that ran unsandboxed; empty when no session recorded its sandbox.
   */
  static String sandboxLine(List<LoopEvent.RunStarted> sessions) {
    if (sessions.isEmpty()) {
      return "";
    }
    List<Integer> unsandboxed = new ArrayList<>();
    for (int i = 0; i < sessions.size(); i++) {
      if (sessions.get(i).unsandboxed()) {
        unsandboxed.add(i + 1);
      }
    }
    String latest = sessions.get(sessions.size() - 1).sandbox();
    if (unsandboxed.isEmpty()) {
      return "sandbox: " + latest;
    }
    return "UNSANDBOXED: " + (sessions.size() == 1 ? "the run" : "session(s) " + unsandboxed + " of "
        + sessions.size()) + " ran tickets' processes without a sandbox (loop.yaml sandbox: {kind: none}); they"
        + " could reach everything the harness can" + (unsandboxed.size() < sessions.size() ? "; latest session: "
        + latest : "");
  }
}
