package dev.loopkit.llm.heal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.llm.tools.ToolCall;
import dev.loopkit.llm.tools.ToolException;
import dev.loopkit.llm.tools.ToolOutput;
import dev.loopkit.llm.tools.Toolbox;
import dev.loopkit.llm.tools.WorkspaceTool;
import dev.loopkit.llm.tools.WorkspaceTools;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The healer's tools, and nothing else: {@code list_files}, {@code read_file}, {@code write_file} and
 * {@code edit_file} over the healable files only (the stock workspace tools, each call first checked against
 * {@link HarnessFiles}); {@code read_evidence}, read-only, over the run's evidence; and {@code conclude}, the
 * verdict. No command runs, no ticket is touched. One instance per heal, used on the loop's thread.
 */
final class HealTools {
  static final String CONCLUDE = "conclude";
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** The verdict as the model gave it, after its shape and its quotes were checked. */
  record Verdict(Kind kind, String reason, List<Quote> evidence) {
    Verdict {
      evidence = List.copyOf(evidence);
    }
  }

  enum Kind {
    HARNESS_GAP,
    EXTERNAL_WALL;

    String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One evidence item of a verdict: text copied from a named evidence item or healable file. */
  record Quote(String source, String quote) {
    @Override
    public String toString() {
      return source + ": \"" + quote + "\"";
    }
  }

  /** What {@code conclude} recorded: the last accepted verdict, or why the last call was refused. */
  static final class Conclusion {
    private @Nullable Verdict verdict;
    private @Nullable String lastRefusal;

    @Nullable Verdict verdict() {
      return verdict;
    }

    @Nullable String lastRefusal() {
      return lastRefusal;
    }
  }

  private HealTools() {}

  /**
   * The toolbox of one heal.
   *
   * @param evidence the evidence items by name, already scrubbed of secrets
   * @param changed the healable files changed so far in this heal, for the verdict's check
   */
  static Toolbox toolbox(HarnessFiles files, Map<String, String> evidence, int readLimitChars, boolean newFiles,
      Supplier<List<String>> changed, Conclusion conclusion) {
    Toolbox stock = WorkspaceTools.builder().withoutCommands().readLimitChars(readLimitChars).build()
        .open(files.root());
    List<WorkspaceTool> tools = new ArrayList<>();
    tools.add(new ListHealable(files));
    tools.add(new Healable(find(stock, "read_file"), files, "read", true, "Read a healable harness file (a prompt, a"
        + " worker profile, a tool setting), whole or a range of lines. Only files list_files shows can be read."));
    tools.add(new Healable(find(stock, "write_file"), files, "written", newFiles, (newFiles ? "Create or replace"
        + " a healable harness file. Only paths matching the healable globs list_files shows can be written"
        : "Replace the whole content of an existing healable harness file (new files cannot be created)")
        + "; prefer edit_file."));
    tools.add(new Healable(find(stock, "edit_file"), files, "edited", true, "Replace one exact, unique occurrence of"
        + " old_string by new_string in a healable harness file."));
    tools.add(new ReadEvidence(evidence, readLimitChars));
    tools.add(new Conclude(files, evidence, changed, conclusion));
    return Toolbox.of(tools);
  }

  private static WorkspaceTool find(Toolbox box, String name) {
    return box.find(name).orElseThrow(() -> new IllegalStateException("the workspace tools have no " + name));
  }

  /** A stock file tool whose {@code path} must name a healable file. */
  private static final class Healable implements WorkspaceTool {
    private final WorkspaceTool inner;
    private final HarnessFiles files;
    private final String action;
    private final boolean creates;
    private final String description;

    Healable(WorkspaceTool inner, HarnessFiles files, String action, boolean creates, String description) {
      this.inner = inner;
      this.files = files;
      this.action = action;
      this.creates = creates;
      this.description = description;
    }

    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public String description() {
      return description;
    }

    @Override
    public JsonNode inputSchema() {
      return inner.inputSchema();
    }

    @Override
    public ToolOutput execute(ToolCall call) throws Exception {
      String path = call.string("path");
      java.nio.file.Path real = files.resolve(path, action);
      if (!creates && !java.nio.file.Files.exists(real, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new ToolException("'" + path + "' does not exist and this healer may not create files: change one of"
            + " the existing healable files list_files shows");
      }
      return inner.execute(call);
    }
  }

  /** {@code list_files}: the healable files as they are now, with the globs new files may match. */
  private static final class ListHealable implements WorkspaceTool {
    private static final JsonNode SCHEMA = JSON.objectNode().put("type", "object")
        .<ObjectNode>set("properties", JSON.objectNode()).put("additionalProperties", false);
    private final HarnessFiles files;

    ListHealable(HarnessFiles files) {
      this.files = files;
    }

    @Override
    public String name() {
      return "list_files";
    }

    @Override
    public String description() {
      return "List the healable harness files (path and size in bytes) and the globs a new file must match."
          + " These are the only files you can read or change.";
    }

    @Override
    public JsonNode inputSchema() {
      return SCHEMA;
    }

    @Override
    public ToolOutput execute(ToolCall call) {
      StringBuilder out = new StringBuilder("healable globs: " + files.globs() + "\n");
      files.snapshot().forEach((path, bytes) -> out.append(path).append(" (").append(bytes.length)
          .append(" bytes)\n"));
      return ToolOutput.ok(out.toString());
    }
  }

  /** {@code read_evidence}: one evidence item, read-only, in pages of lines. */
  private static final class ReadEvidence implements WorkspaceTool {
    private final Map<String, String> evidence;
    private final int maxChars;
    private final JsonNode schema;

    ReadEvidence(Map<String, String> evidence, int maxChars) {
      this.evidence = evidence;
      this.maxChars = maxChars;
      ObjectNode props = JSON.objectNode();
      props.putObject("name").put("type", "string").put("description", "The evidence item's name, as listed in"
          + " the task.");
      props.putObject("offset").put("type", "integer").put("minimum", 1).put("description", "First line to"
          + " return, 1-based (default 1).");
      ObjectNode s = JSON.objectNode().put("type", "object");
      s.set("properties", props);
      s.putArray("required").add("name");
      s.put("additionalProperties", false);
      this.schema = s;
    }

    @Override
    public String name() {
      return "read_evidence";
    }

    @Override
    public String description() {
      return "Read an evidence item of the run (findings, a ticket and its comments, verifier output, transcript"
          + " excerpts) by name. Read-only. Long items come in pages of at most " + maxChars + " characters.";
    }

    @Override
    public JsonNode inputSchema() {
      return schema;
    }

    @Override
    public ToolOutput execute(ToolCall call) {
      String name = call.nonBlank("name");
      int offset = call.optionalInt("offset", 1, Integer.MAX_VALUE).orElse(1);
      String text = evidence.get(name);
      if (text == null) {
        throw new ToolException("no evidence item '" + name + "': the items are " + evidence.keySet());
      }
      String[] lines = text.split("\n", -1);
      if (offset > lines.length) {
        throw new ToolException("offset " + offset + " is past the end of '" + name + "', which has " + lines.length
            + " lines");
      }
      StringBuilder out = new StringBuilder();
      for (int i = offset - 1; i < lines.length; i++) {
        if (out.length() + lines[i].length() + 1 > maxChars) {
          out.append("[... cut at ").append(maxChars).append(" characters; read on with offset=").append(i + 1)
              .append(" ...]\n");
          break;
        }
        out.append(lines[i]).append('\n');
      }
      return ToolOutput.ok(out.toString());
    }
  }

  /**
   * {@code conclude}: the verdict, checked before it is recorded. The kind must be {@code harness_gap} or
   * {@code external_wall}; every evidence item must quote, word for word (whitespace aside), an evidence item or
   * a healable file it names; a wall needs at least one item; a gap needs a change to a healable file already
   * made. A refused call is an error result the model can correct; the last accepted verdict counts.
   */
  private static final class Conclude implements WorkspaceTool {
    private final HarnessFiles files;
    private final Map<String, String> evidence;
    private final Supplier<List<String>> changed;
    private final Conclusion conclusion;
    private final JsonNode schema;

    Conclude(HarnessFiles files, Map<String, String> evidence, Supplier<List<String>> changed,
        Conclusion conclusion) {
      this.files = files;
      this.evidence = evidence;
      this.changed = changed;
      this.conclusion = conclusion;
      ObjectNode item = JSON.objectNode().put("type", "object");
      ObjectNode itemProps = item.putObject("properties");
      itemProps.putObject("source").put("type", "string").put("description", "The evidence item's name (e.g."
          + " findings, ticket/A) or the healable file's path the quote comes from.");
      itemProps.putObject("quote").put("type", "string").put("description", "Text copied exactly from that"
          + " source (it is checked).");
      item.putArray("required").add("source").add("quote");
      item.put("additionalProperties", false);
      ObjectNode props = JSON.objectNode();
      ObjectNode kind = props.putObject("kind").put("type", "string").put("description", "harness_gap: the"
          + " harness (a prompt, a profile, a setting) lacked something and you patched it. external_wall: only a"
          + " person can move it (a credential, a permission, a product decision, broken infrastructure).");
      kind.putArray("enum").add("harness_gap").add("external_wall");
      props.putObject("reason").put("type", "string").put("description", "One or two sentences: the root cause"
          + " and, for a gap, what you changed.");
      ObjectNode ev = props.putObject("evidence").put("type", "array").put("description", "Quotes that show it;"
          + " at least one for an external_wall.");
      ev.set("items", item);
      ObjectNode s = JSON.objectNode().put("type", "object");
      s.set("properties", props);
      s.putArray("required").add("kind").add("reason").add("evidence");
      s.put("additionalProperties", false);
      this.schema = s;
    }

    @Override
    public String name() {
      return CONCLUDE;
    }

    @Override
    public String description() {
      return "Give your verdict, once, at the end: harness_gap (after you patched the root cause in a healable"
          + " file) or external_wall (a person must act; change nothing), with the reason and quotes from the"
          + " evidence. Then end your turn.";
    }

    @Override
    public JsonNode inputSchema() {
      return schema;
    }

    @Override
    public ToolOutput execute(ToolCall call) {
      try {
        Verdict verdict = verdict(call);
        conclusion.verdict = verdict;
        return ToolOutput.ok("verdict recorded: " + verdict.kind().wireName() + ". End your turn now; call no more"
            + " tools.");
      } catch (ToolException e) {
        conclusion.lastRefusal = e.getMessage();
        throw e;
      }
    }

    private Verdict verdict(ToolCall call) {
      String kindText = call.nonBlank("kind");
      Kind kind;
      if (kindText.equals("harness_gap")) {
        kind = Kind.HARNESS_GAP;
      } else if (kindText.equals("external_wall")) {
        kind = Kind.EXTERNAL_WALL;
      } else {
        throw new ToolException("kind '" + kindText + "' is not a verdict: expected harness_gap or external_wall;"
            + " nothing was recorded");
      }
      String reason = call.nonBlank("reason");
      JsonNode items = call.arguments().get("evidence");
      if (items != null && !items.isNull() && !items.isArray()) {
        throw new ToolException("'evidence' of conclude is " + items.getNodeType().name().toLowerCase(Locale.ROOT)
            + ": expected an array of {source, quote}; nothing was recorded");
      }
      List<Quote> quotes = new ArrayList<>();
      int n = 0;
      for (JsonNode item : items == null || items.isNull() ? JSON.arrayNode() : items) {
        n++;
        quotes.add(quote(n, item));
      }
      if (kind == Kind.EXTERNAL_WALL && quotes.isEmpty()) {
        throw new ToolException("an external_wall needs evidence: at least one {source, quote} copied from the"
            + " run's evidence that shows the wall; nothing was recorded");
      }
      if (kind == Kind.HARNESS_GAP && changed.get().isEmpty()) {
        throw new ToolException("a harness_gap needs a patch, but no healable file has changed: fix the root"
            + " cause with edit_file or write_file first, or conclude external_wall if a person must act; nothing"
            + " was recorded");
      }
      return new Verdict(kind, reason, quotes);
    }

    private Quote quote(int n, JsonNode item) {
      JsonNode source = item.get("source");
      JsonNode quote = item.get("quote");
      if (source == null || !source.isTextual() || quote == null || !quote.isTextual()
          || quote.textValue().isBlank()) {
        throw new ToolException("evidence item " + n + " of conclude is " + cut(item.toString()) + ": expected"
            + " {\"source\": <evidence name or healable file>, \"quote\": <non-blank text copied from it>};"
            + " nothing was recorded");
      }
      String name = source.textValue();
      String text = evidence.containsKey(name) ? evidence.get(name) : files.text(name);
      if (text == null) {
        throw new ToolException("evidence item " + n + " cites source '" + name + "', which is neither an evidence"
            + " item " + evidence.keySet() + " nor a healable file; nothing was recorded");
      }
      if (!squash(text).contains(squash(quote.textValue()))) {
        throw new ToolException("evidence item " + n + " quotes \"" + cut(quote.textValue()) + "\", which is not in '"
            + name + "': copy the text exactly (read_evidence shows it); nothing was recorded");
      }
      return new Quote(name, quote.textValue().strip());
    }

    private static String squash(String text) {
      return text.strip().replaceAll("\\s+", " ");
    }

    private static String cut(String text) {
      return text.length() > 120 ? text.substring(0, 120) + "..." : text;
    }
  }
}
