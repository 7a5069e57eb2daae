package dev.loopkit.llm.work;

import dev.loopkit.core.Evidence;
import dev.loopkit.llm.ContentBlock;
import dev.loopkit.llm.Message;
import dev.loopkit.llm.tools.Halt;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Checks a {@code request_human}'s citations against the transcript the worker recorded: each must name a tool
 * call of this attempt that ran, and what it says that call ran, exited with and printed must be what the
 * harness saw. A request passes only when every citation holds; then each becomes {@link Evidence} built from
 * the harness's record (tool, command, status, a hash of the whole output), not from the model's words.
 */
final class Citations {
  private static final String RUN_COMMAND = "run_command";
  private static final String REQUEST_HUMAN = "request_human";
  private static final Pattern EXIT = Pattern.compile("exit (-?\\d+)");
  private static final int MAX_EXCERPT = 4000;

  private Citations() {}

  /** The checked evidence, or the problems found (one per bad citation, naming it). */
  sealed interface Checked {
    record Held(List<Evidence> evidence) implements Checked {}

    record Refused(List<String> problems) implements Checked {}
  }

  private record Call(ContentBlock.ToolUse use, ContentBlock.@Nullable ToolResult result) {}

  static Checked check(List<Halt.Citation> citations, List<Message> transcript) {
    Map<String, Call> calls = calls(transcript);
    List<Evidence> evidence = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    int n = 0;
    for (Halt.Citation c : citations) {
      n++;
      String item = "evidence item " + n + " (\"" + clip(c.summary(), 80) + "\")";
      String id = c.toolCallId();
      if (id == null || id.isBlank()) {
        problems.add(item + " cites no tool call: every item must name, by tool_call_id, a call of this attempt"
            + " that shows the wall");
        continue;
      }
      Call call = calls.get(id);
      ContentBlock.ToolResult result = call == null ? null : call.result();
      if (call == null || call.use().name().equals(REQUEST_HUMAN) || result == null || notRun(result)) {
        problems.add(item + " cites tool call '" + clip(id, 80) + "', which this attempt never ran");
        continue;
      }
      String tool = call.use().name();
      String ran = tool.equals(RUN_COMMAND) ? call.use().input().path("command").asText("") : null;
      String status = tool.equals(RUN_COMMAND) ? firstLine(result.content()) : null;
      if (c.command() != null) {
        if (ran == null) {
          problems.add(item + " says call '" + id + "' ran '" + clip(c.command(), 200) + "', but that call was "
              + tool + ", not run_command");
        } else if (!c.command().strip().equals(ran.strip())) {
          problems.add(item + " says call '" + id + "' ran '" + clip(c.command(), 200) + "', but it ran '"
              + clip(ran, 200) + "'");
        }
      }
      if (c.exitCode() != null) {
        Integer exit = status == null ? null : exitCode(status);
        if (exit == null) {
          problems.add(item + " says call '" + id + "' exited " + c.exitCode() + ", but "
              + (status == null ? "that call was " + tool + ", which has no exit code" : "it ended '" + status + "'"));
        } else if (!exit.equals(c.exitCode())) {
          problems.add(item + " says call '" + id + "' exited " + c.exitCode() + ", but it exited " + exit);
        }
      }
      if (c.output() != null) {
        String missing = unseenLine(c.output(), result.content());
        if (missing != null) {
          problems.add(item + " quotes output that call '" + id + "' never printed: '" + clip(missing, 200) + "'");
        }
      }
      Map<String, String> attributes = new LinkedHashMap<>();
      attributes.put("tool-call-id", id);
      attributes.put("tool", tool);
      if (ran != null) {
        attributes.put("command", clip(ran, MAX_EXCERPT));
      }
      if (status != null) {
        attributes.put("status", status);
        Integer exit = exitCode(status);
        if (exit != null) {
          attributes.put("exit-code", String.valueOf(exit));
        }
      }
      attributes.put("output-sha256", ModelReviewer.sha256(result.content()));
      attributes.put("output", clip(c.output() != null ? c.output() : result.content(), MAX_EXCERPT));
      evidence.add(new Evidence("tool-call", c.summary(), attributes));
    }
    return problems.isEmpty() ? new Checked.Held(evidence) : new Checked.Refused(problems);
  }

  /** Every tool call of the transcript by id, with its result when it has one. */
  private static Map<String, Call> calls(List<Message> transcript) {
    Map<String, ContentBlock.ToolUse> uses = new LinkedHashMap<>();
    Map<String, ContentBlock.ToolResult> results = new LinkedHashMap<>();
    for (Message m : transcript) {
      for (ContentBlock b : m.content()) {
        if (b instanceof ContentBlock.ToolUse use && m.role() == Message.Role.ASSISTANT) {
          uses.putIfAbsent(use.id(), use);
        } else if (b instanceof ContentBlock.ToolResult result) {
          results.putIfAbsent(result.toolUseId(), result);
        }
      }
    }
    Map<String, Call> calls = new LinkedHashMap<>();
    uses.forEach((id, use) -> calls.put(id, new Call(use, results.get(id))));
    return calls;
  }

  /** The loop answers calls it skipped (after a halt, past a cap, repeated) with "not run: ...". */
  private static boolean notRun(ContentBlock.ToolResult result) {
    return result.isError() && result.content().startsWith("not run: ");
  }

  private static @Nullable Integer exitCode(String status) {
    Matcher m = EXIT.matcher(status);
    return m.matches() ? Integer.valueOf(m.group(1)) : null;
  }

  /**
   * The first line of {@code quoted} (trimmed, blank lines and elisions such as "..." skipped) that does not
   * occur in {@code output}, or null when every line does.
   */
  private static @Nullable String unseenLine(String quoted, String output) {
    for (String line : quoted.split("\\R")) {
      String l = line.strip();
      while (l.endsWith("...") || l.endsWith("…")) {
        l = l.substring(0, l.length() - (l.endsWith("...") ? 3 : 1)).strip();
      }
      while (l.startsWith("...") || l.startsWith("…")) {
        l = l.substring(l.startsWith("...") ? 3 : 1).strip();
      }
      if (!l.isEmpty() && !output.contains(l)) {
        return line.strip();
      }
    }
    return null;
  }

  private static String firstLine(String text) {
    int nl = text.indexOf('\n');
    return (nl < 0 ? text : text.substring(0, nl)).strip();
  }

  private static String clip(String text, int max) {
    return text.length() > max ? text.substring(0, max) + "..." : text;
  }
}
