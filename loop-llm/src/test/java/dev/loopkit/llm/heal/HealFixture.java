package dev.loopkit.llm.heal;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Comment;
import dev.loopkit.core.Finding;
import dev.loopkit.core.HealContext;
import dev.loopkit.core.Ticket;
import dev.loopkit.llm.ScriptedModelClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A harness directory with a prompt file and a verifier file, and the context of a heal after two failures. */
final class HealFixture {
  static final String PROMPT = "You work on one ticket.\nRun the tests before you finish.\n";
  static final String CONVENTION = "Indent with tabs, never spaces (the project's convention).";
  static final String VERIFY = "grep -q '\t' out.txt && echo VERIFIED\n";
  static final String FINDING = "out.txt is indented with spaces: the project's convention is tabs";

  final Path harness;
  final Path prompt;
  final Path verifier;
  final Path runDir;

  HealFixture(Path dir) throws Exception {
    harness = Files.createDirectories(dir.resolve("harness"));
    prompt = Files.writeString(Files.createDirectories(harness.resolve("prompts")).resolve("worker.md"), PROMPT);
    verifier = Files.writeString(harness.resolve("verify.sh"), VERIFY);
    runDir = dir.resolve("run");
  }

  /** A healer on {@code model} allowed to touch the prompt files only, rendering the worker's prompt as its check. */
  ModelHealer.Builder healer(ScriptedModelClient model) {
    return ModelHealer.builder(model, "claude-test").harnessDirectory(harness).healable("prompts/*.md")
        .runDirectory(runDir).streaming(false).hostEnvironment(Map::of)
        .dryPreparation("worker prompt", dir -> Files.readString(dir.resolve("prompts/worker.md")));
  }

  static HealContext context() {
    Ticket a = Ticket.builder("A").title("format the report").addAcceptanceCriterion("out.txt passes verify.sh")
        .addComment(new Comment(Instant.parse("2026-01-01T00:00:00Z"), "loop", "attempt 2 failed: " + FINDING))
        .build();
    return new HealContext("run-1", HealContext.Reason.REPEATED_FAILURES, Batch.of(a),
        List.of(new Finding(1, "verify", FINDING), new Finding(2, "verify", FINDING)), 0);
  }

  static String edit(String path, String oldText, String newText) {
    return "{\"path\":" + json(path) + ",\"old_string\":" + json(oldText) + ",\"new_string\":" + json(newText) + "}";
  }

  static String conclude(String kind, String reason, String source, String quote) {
    return "{\"kind\":" + json(kind) + ",\"reason\":" + json(reason) + ",\"evidence\":[{\"source\":" + json(source)
        + ",\"quote\":" + json(quote) + "}]}";
  }

  static String json(String text) {
    return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode(text).toString();
  }
}
