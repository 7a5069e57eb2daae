package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonOutputTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SAYS_YES = Cli.call("write_file", "{\"path\":\"done.txt\",\"content\":\"yes\\n\"}")
      + Cli.say("Wrote yes.");

  @TempDir
  Path dir;

  private static List<JsonNode> lines(String out) throws Exception {
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : out.strip().split("\n")) {
      nodes.add(JSON.readTree(line)); // every line of stdout is a JSON object, nothing else
    }
    return nodes;
  }

  @Test
  void runWithJsonPrintsOneObjectPerEventThenTheResult() throws Exception {
    Path p = Cli.tinyProject(dir, SAYS_YES, "");

    Cli r = Cli.run("run", p.toString(), "--json");

    assertEquals(LoopCommand.DONE, r.exitCode, r.out + r.err);
    List<JsonNode> nodes = lines(r.out);
    assertEquals("run-started", nodes.get(0).get("type").asText());
    assertTrue(nodes.stream().anyMatch(n -> n.get("type").asText().equals("ticket-done")
        && n.get("ticketId").asText().equals("T-1")), r.out);
    JsonNode result = nodes.get(nodes.size() - 1);
    assertEquals("result", result.get("type").asText());
    assertEquals("DONE", result.get("ending").asText());
    assertEquals(0, result.get("exitCode").asInt());
    assertEquals(1, result.get("done").asInt());
    assertTrue(Files.isRegularFile(Path.of(result.get("report").asText())));
    assertEquals(nodes.size() - 1, Files.readAllLines(p.resolve(".loop/runs/run-001/journal.jsonl")).stream()
        .filter(l -> !l.startsWith("{\"type\":\"journal\"") && !l.startsWith("{\"type\":\"seal\"")).count(),
        "one line per journaled event");
    assertFalse(r.out.contains("done 1/1 |"), "no progress lines on stdout");
    assertTrue(r.err.contains("run run-001: DONE"), "the summary goes to stderr: " + r.err);
  }

  @Test
  void statusWithJsonGivesTheTicketsAndTheNewestRun() throws Exception {
    Path p = Cli.tinyProject(dir, SAYS_YES, "");
    Cli before = Cli.run("status", p.toString(), "--json");
    Cli.run("run", p.toString());

    Cli after = Cli.run("status", p.toString(), "--json");

    JsonNode b = JSON.readTree(before.out);
    assertTrue(b.get("latestRun").isNull(), before.out);
    assertEquals("open", b.get("ticketList").get(0).get("status").asText());
    JsonNode a = JSON.readTree(after.out);
    assertEquals(1, a.get("byStatus").get("done").asInt(), after.out);
    assertEquals("DONE", a.get("latestRun").get("ending").asText());
    assertEquals("run-001", a.get("latestRun").get("run").asText());
    assertEquals(1, a.get("runs").asInt());
    assertTrue(a.get("latestRun").get("sandbox").asText().startsWith("sandbox: "), after.out);
  }

  @Test
  void reportWithJsonGivesThePathAndTheFigures() throws Exception {
    Path p = Cli.tinyProject(dir, SAYS_YES, "");
    Cli.run("run", p.toString());

    Cli r = Cli.run("report", p.toString(), "--json");

    assertEquals(LoopCommand.DONE, r.exitCode, r.err);
    JsonNode n = JSON.readTree(r.out);
    assertEquals(p.resolve(".loop/runs/run-001/report.html").toAbsolutePath().normalize().toString(),
        n.get("report").asText());
    assertEquals(1, n.get("attempts").asInt());
    assertEquals("T-1", n.get("ticketList").get(0).get("id").asText());
    assertEquals(0, n.get("interventions").asInt());
  }
}
