package dev.loopkit.report;

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
 * How the sessions of a run confined tickets' processes, as its journal's {@code run-started} lines record it
 * ({@link LoopEvent.RunStarted#sandbox()}), which the run history does not keep. Reads the journal once, line by
 * line, parsing only the start lines; a torn last line is skipped, as every reader of a journal does. Used by the
 * HTML report and by {@code loop status}; thread-safe (no state).
 */
public final class SessionSandboxes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SessionSandboxes() {}

  /**
   * Each session's start, oldest first, with its sandbox (fingerprint and caps left out); empty when the run has
   * no journal yet.
   *
   * @param run the run directory
   * @return each session's start, oldest first
   * @throws UncheckedIOException if the journal exists but cannot be read
   */
  public static List<LoopEvent.RunStarted> of(RunDirectory run) {
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
        out.add(new LoopEvent.RunStarted(instant(n.path("at").asText("")), n.path("runId").asText(""),
            n.path("tickets").asInt(), n.path("resumed").asBoolean(), Map.of(), Map.of(),
            n.hasNonNull("sandbox") ? n.get("sandbox").asText() : "unrecorded"));
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read run journal " + run.journal() + " (" + e + ")", e);
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
   * warning naming every session that ran unsandboxed; empty when there is no session.
   *
   * @param sessions the run's session starts, oldest first
   * @return the line, or empty
   */
  public static String line(List<LoopEvent.RunStarted> sessions) {
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

  /**
   * Whether any session ran tickets' processes without a sandbox.
   *
   * @param sessions the run's session starts
   * @return whether one ran unconfined
   */
  public static boolean anyUnsandboxed(List<LoopEvent.RunStarted> sessions) {
    return sessions.stream().anyMatch(LoopEvent.RunStarted::unsandboxed);
  }
}
