package dev.loopkit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.markdown.MarkdownTracker;
import dev.loopkit.testing.InMemoryTracker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadmeExamplesTest {
  private static final Path README = Path.of("..", "README.md");
  private static final Path SNIPPETS = Path.of("src/test/java/dev/loopkit/examples/ReadmeSnippets.java");

  /**
   * README lines that ReadmeSnippets changes on purpose (a comment there says why): the host's own tracker,
   * and a run directory relative to the working directory.
   */
  private static final Set<String> CHANGED = Set.of(
      "Tracker tracker = new MyJiraTracker(jira, \"PROJ-BATCH-7\");",
      ".plans(Path.of(\".loop/plans\"))");

  @TempDir
  Path dir;

  @Test
  void theReadmesPomIsTheDownstreamProjectTheBuildTests() throws IOException {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    int start = readme.indexOf("```xml\n<?xml");
    assertTrue(start >= 0, "README has no pom.xml block");
    String block = readme.substring(start + "```xml\n".length(), readme.indexOf("```", start + 6));
    String tested = Files.readString(Path.of("src/it/downstream/pom.xml"), StandardCharsets.UTF_8)
        .replace("@project.version@", System.getProperty("loop.version", "0.1.0-SNAPSHOT"));
    assertEquals(tested.strip(), block.strip());
  }

  @Test
  void theEmbeddingSnippetDrivesATicketToDoneWithARealMavenBuildAsTheFinishLine() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("Add Greeting.hello()")
        .addAcceptanceCriterion("mvn test passes").build());
    ReadmeSnippets.Agent myAgent = (ticket, findings, repo) -> {
      Files.writeString(repo.resolve("pom.xml"), """
          <project><modelVersion>4.0.0</modelVersion>
            <groupId>example</groupId><artifactId>greeting</artifactId><version>1</version>
            <properties>
              <maven.compiler.source>17</maven.compiler.source><maven.compiler.target>17</maven.compiler.target>
              <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
            </properties>
          </project>
          """);
      Path source = repo.resolve("src/main/java/example/Greeting.java");
      Files.createDirectories(source.getParent());
      Files.writeString(source, "package example; public class Greeting { public static String hello() {"
          + " return \"hello\"; } }");
      return "wrote " + ticket.title() + " after " + findings.size() + " finding(s)";
    };

    RunResult result = ReadmeSnippets.embeddingTheLoop(tracker, myAgent, dir.resolve("runs/batch-7"));

    assertEquals(RunEnding.Kind.DONE, result.ending().kind(), result.ending().describe());
    Ticket done = tracker.ticket("T-1");
    assertEquals(Status.DONE, done.status());
    assertTrue(done.comments().get(done.comments().size() - 1).body().contains("mvn test passed"),
        done.comments().toString());
    assertTrue(Files.isRegularFile(dir.resolve("runs/batch-7/journal.jsonl")));
    assertEquals(1, result.report().attempts());
  }

  @Test
  void theStageSnippetAddsItsEvidenceToDoneAndFailsTheAttemptWhenStagingIsDown() throws IOException {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("deploy").build(),
        Ticket.builder("T-2").title("deploy again").build());
    dev.loopkit.core.Worker worker = a -> {
      if (a.ticket().id().equals("T-1")) {
        Files.writeString(dir.resolve("staging.ok"), "up");
      } else {
        Files.deleteIfExists(dir.resolve("staging.ok"));
      }
      return dev.loopkit.core.WorkResult.completed("deployed", dev.loopkit.core.Usage.ZERO);
    };
    RunResult result = ReadmeSnippets.stageOfYourOwn().tracker(tracker).worker(worker)
        .verifier(r -> dev.loopkit.core.Verification.passed(dev.loopkit.core.Evidence.of("tests", "green")))
        .workspaces(dev.loopkit.core.Workspaces.shared(dir)).runDirectory(dir.resolve("run"))
        .caps(dev.loopkit.core.Caps.builder().maxConcurrency(1).maxAttemptsPerTicket(1).build()).build().run();

    assertEquals(Status.DONE, tracker.ticket("T-1").status());
    assertTrue(tracker.ticket("T-1").comments().get(tracker.ticket("T-1").comments().size() - 1).body()
        .contains("http-probe: GET /health 200"));
    assertEquals(Status.HUMAN_GATED, tracker.ticket("T-2").status());
    assertEquals(RunEnding.Kind.HUMAN_GATED, result.ending().kind(), result.ending().describe());
  }

  @Test
  void theMarkdownTrackerJavadocSnippetFilesATicketOncePerKey() throws IOException {
    Files.createDirectories(dir.resolve("tickets"));
    Ticket first = ReadmeSnippets.markdownTrackerJavadoc(dir.resolve("tickets"));
    Ticket second = ReadmeSnippets.markdownTrackerJavadoc(dir.resolve("tickets"));

    assertEquals(first.id(), second.id());
    assertEquals(1, MarkdownTracker.open(dir.resolve("tickets")).readBatch().size());
    assertTrue(Files.readString(dir.resolve("tickets").resolve(first.id() + ".md")).contains("Add retries"));
  }

  @Test
  void theReportSnippetWritesTheReportOfARunForAnyTracker() throws IOException {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("Add Greeting.hello()").build());
    Path run = dir.resolve("runs/r1");
    dev.loopkit.core.LoopEngine.builder().tracker(tracker)
        .worker(a -> dev.loopkit.core.WorkResult.completed("did it", dev.loopkit.core.Usage.ZERO))
        .verifier(r -> dev.loopkit.core.Verification.passed(dev.loopkit.core.Evidence.of("probe", "200")))
        .workspaces(dev.loopkit.core.Workspaces.shared(dir.resolve("ws"))).runDirectory(run).build().run();

    Path report = ReadmeSnippets.writingTheReport(run, run, tracker, dir.resolve(".loop/plans"));

    assertEquals(run.resolve("report.html"), report);
    String html = Files.readString(report, StandardCharsets.UTF_8);
    assertTrue(html.contains("billing-service") && html.contains("Add Greeting.hello()"), "the report of the run");
  }

  @Test
  void everyLineOfTheReadmesJavaSnippetsIsCompiledInReadmeSnippets() throws IOException {
    String snippets = Files.readString(SNIPPETS, StandardCharsets.UTF_8);
    Set<String> compiled = snippets.lines().map(ReadmeExamplesTest::code).collect(Collectors.toSet());
    List<String> missing = new ArrayList<>();
    for (String line : javaBlocks(Files.readString(README, StandardCharsets.UTF_8))) {
      String code = code(line);
      if (!code.isEmpty() && !CHANGED.contains(code) && !compiled.contains(code)) {
        missing.add(code);
      }
    }

    assertEquals(List.of(), missing, "README.md lines not in " + SNIPPETS + ": update ReadmeSnippets to match");
  }

  /** The lines inside the ```java fences of a Markdown text. */
  private static List<String> javaBlocks(String markdown) {
    List<String> out = new ArrayList<>();
    boolean in = false;
    for (String line : markdown.lines().toList()) {
      if (line.startsWith("```")) {
        in = !in && line.equals("```java");
      } else if (in) {
        out.add(line);
      }
    }
    assertTrue(out.size() > 20, "java lines found in " + README + ": " + out.size());
    return out;
  }

  /** A line without its trailing comment and surrounding blanks. */
  private static String code(String line) {
    int comment = line.indexOf("  //");
    return (comment >= 0 ? line.substring(0, comment) : line).strip();
  }
}
