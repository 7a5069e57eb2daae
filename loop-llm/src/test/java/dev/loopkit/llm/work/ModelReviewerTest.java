package dev.loopkit.llm.work;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Finding;
import dev.loopkit.core.InputException;
import dev.loopkit.core.InvalidOutputException;
import dev.loopkit.core.Review;
import dev.loopkit.core.ReviewRequest;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Workspace;
import dev.loopkit.llm.ModelRequest;
import dev.loopkit.llm.ScriptedModelClient;
import dev.loopkit.llm.tools.CommandRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelReviewerTest {
  @TempDir
  Path ws;

  private String base;

  private String git(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("git", "-c", "user.name=t", "-c",
        "user.email=t@example.com", "-c", "commit.gpgsign=false"));
    command.addAll(List.of(args));
    var outcome = CommandRunner.defaults().run(ws, command, null);
    assertTrue(outcome.succeeded(), outcome.stderr());
    return outcome.stdout().strip();
  }

  @BeforeEach
  void setUp() throws Exception {
    git("init", "-q", "-b", "main");
    Files.writeString(ws.resolve("app.txt"), "line one\n");
    git("add", "app.txt");
    git("commit", "-q", "-m", "base");
    base = git("rev-parse", "HEAD");
    Files.writeString(ws.resolve("app.txt"), "line one\ncommitted line\n");
    git("commit", "-q", "-am", "work");
    Files.writeString(ws.resolve("app.txt"), "line one\ncommitted line\nuncommitted line\n");
    Files.writeString(ws.resolve("new.txt"), "brand new file\n");
  }

  private ReviewRequest request(Map<String, String> attributes) {
    Ticket ticket = Ticket.builder("T-1").title("Extend app.txt").addAcceptanceCriterion("app.txt has 3 lines")
        .build();
    return new ReviewRequest("run-1", ticket, new Workspace("T-1", ws, attributes), 2, "I added two lines",
        List.of(new Finding(1, "review", "only one line was added")));
  }

  private static ModelReviewer reviewer(ScriptedModelClient model) {
    return ModelReviewer.builder(model, "review-model").workerVendor("anthropic").build();
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void anApprovalCarriesVendorModelAndTheHashesOfPromptAndDiff() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respondText("{\"verdict\":\"approve\",\"findings\":[]}").build();
    Review review = reviewer(model).review(request(Map.of("base-commit", base)));
    Review.Approved approved = assertInstanceOf(Review.Approved.class, review);
    ModelRequest sent = model.lastRequest();
    String prompt = sent.messages().get(0).text();
    assertEquals("scripted", approved.attributes().get("vendor"));
    assertEquals("review-model", approved.attributes().get("model"));
    assertEquals(sha256(sent.system() + "\n\n" + prompt), approved.attributes().get("prompt-sha256"));
    assertEquals(base, approved.attributes().get("diff-base"));
    String diff = prompt.substring(prompt.indexOf("```diff\n") + 8, prompt.lastIndexOf("```"));
    assertEquals(sha256(diff), approved.attributes().get("diff-sha256"));
    for (String part : List.of("+committed line", "+uncommitted line", "+brand new file", "app.txt has 3 lines",
        "I added two lines", "only one line was added")) {
      assertTrue(prompt.contains(part), "missing '" + part + "' in\n" + prompt);
    }
  }

  @Test
  void withoutABaseCommitTheWorkingTreeIsComparedWithHead() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respondText("{\"verdict\":\"approve\",\"findings\":[\"consider a test\"]}").build();
    Review.Approved approved = assertInstanceOf(Review.Approved.class, reviewer(model).review(request(Map.of())));
    String prompt = model.lastRequest().messages().get(0).text();
    assertTrue(prompt.contains("+uncommitted line"));
    assertFalse(prompt.contains("+committed line"), prompt);
    assertEquals("HEAD", approved.attributes().get("diff-base"));
    assertEquals("approved; notes: consider a test", approved.notes());
  }

  @Test
  void requestedChangesCarryTheFindings() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respondText("```json\n{\"verdict\":\"request_changes\",\"findings\":[\"app.txt has a typo\","
            + "{\"file\":\"new.txt\",\"line\":1,\"message\":\"unrelated file\"}]}\n```").build();
    Review.ChangesRequested changes = assertInstanceOf(Review.ChangesRequested.class,
        reviewer(model).review(request(Map.of("base-commit", base))));
    assertEquals(List.of("app.txt has a typo", "new.txt:1: unrelated file"), changes.findings());
  }

  @Test
  void aMalformedAnswerGetsOneRetryNamingTheProblem() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respondText("Looks good to me!")
        .expectLastMessageContains("Your answer is not a valid review: the answer is not JSON")
        .respondText("{\"verdict\":\"approve\"}")
        .build();
    assertInstanceOf(Review.Approved.class, reviewer(model).review(request(Map.of())));
    assertEquals(2, model.requests().size());
  }

  @Test
  void twoMalformedAnswersFailTheReviewNamingTheProblem() {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respondText("{\"verdict\":\"maybe\"}")
        .respondText("{\"verdict\":\"request_changes\",\"findings\":[]}")
        .build();
    InvalidOutputException e = assertThrows(InvalidOutputException.class,
        () -> reviewer(model).review(request(Map.of())));
    assertTrue(e.getMessage().contains("answered twice without a valid review for ticket T-1"), e.getMessage());
    assertTrue(e.getMessage().contains("\"request_changes\" came without findings"), e.getMessage());
    assertTrue(e.getMessage().contains("'maybe', expected approve or request_changes"), e.getMessage());
  }

  @Test
  void aReviewerOfTheWorkersVendorIsRefusedUnlessAllowed() {
    ScriptedModelClient model = ScriptedModelClient.builder().respondText("{}").build();
    InputException same = assertThrows(InputException.class,
        () -> ModelReviewer.builder(model, "m").workerVendor("scripted").build());
    assertTrue(same.getMessage().contains("equals the worker's vendor 'scripted'"), same.getMessage());
    assertEquals("scripted", ModelReviewer.builder(model, "m").workerVendor("scripted").allowSameVendor().build()
        .vendor());
    InputException none = assertThrows(InputException.class, () -> ModelReviewer.builder(model, "m").build());
    assertTrue(none.getMessage().contains("has no worker vendor"));
  }

  @Test
  void aWorkspaceThatIsNotAGitWorkTreeIsAClearError(@TempDir Path plain) {
    ScriptedModelClient model = ScriptedModelClient.builder().respondText("{}").build();
    ReviewRequest r = new ReviewRequest("run", Ticket.builder("T-2").title("x").build(),
        new Workspace("T-2", plain, Map.of()), 1, "claim", List.of());
    Exception e = assertThrows(dev.loopkit.core.AdapterException.class, () -> reviewer(model).review(r));
    assertTrue(e.getMessage().contains("expected a git work tree"), e.getMessage());
  }

  @Test
  void theReviewerStreamsItsAnswerUnderAnIdleTimeout() throws Exception {
    List<String> calls = new java.util.ArrayList<>();
    ScriptedModelClient scripted = ScriptedModelClient.builder()
        .respondText("{\"verdict\":\"approve\",\"findings\":[]}").build();
    dev.loopkit.llm.ModelClient recording = new dev.loopkit.llm.ModelClient() {
      @Override
      public dev.loopkit.llm.ModelResponse send(ModelRequest r) {
        calls.add("send");
        return scripted.send(r);
      }

      @Override
      public dev.loopkit.llm.ModelResponse stream(ModelRequest r, dev.loopkit.llm.StreamListener listener) {
        calls.add("stream");
        return scripted.stream(r, listener);
      }

      @Override
      public String vendor() {
        return "openai";
      }
    };
    ModelReviewer.builder(recording, "review-model").workerVendor("anthropic")
        .idleTimeout(java.time.Duration.ofSeconds(90)).build().review(request(Map.of("base-commit", base)));
    assertEquals(List.of("stream"), calls);
    assertEquals(java.time.Duration.ofSeconds(90), scripted.lastRequest().idleTimeout().orElseThrow());
  }
}
