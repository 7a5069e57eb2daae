package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;

/** Calls a tool as the agent loop does: a ToolException becomes an error output. */
final class ToolRunner {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ToolRunner() {}

  static ToolOutput call(Toolbox box, String tool, String json) throws Exception {
    WorkspaceTool t = box.find(tool).orElseThrow();
    try {
      return t.execute(ToolCall.of("call-1", tool, JSON.readTree(json), Duration.ofMinutes(5)));
    } catch (ToolException e) {
      return ToolOutput.error(e.getMessage());
    }
  }

  static String json(Object... keyValues) throws Exception {
    var node = JSON.createObjectNode();
    for (int i = 0; i < keyValues.length; i += 2) {
      node.set((String) keyValues[i], JSON.valueToTree(keyValues[i + 1]));
    }
    return JSON.writeValueAsString(node);
  }
}
