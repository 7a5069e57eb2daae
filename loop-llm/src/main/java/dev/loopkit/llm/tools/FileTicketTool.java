package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.DiscoverySink;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Ticket;

/**
 * {@code file_ticket}: files discovered work through the assignment's {@link DiscoverySink}, with edges. The
 * engine adds the {@code discovered-from} edge and the idempotency key. With {@code blocks_current} the
 * current ticket waits for the new one and the loop halts after this turn.
 */
final class FileTicketTool implements WorkspaceTool {
  private static final JsonNode SCHEMA = ObjectSchema.create()
      .string("title", "One-line summary of the new work.", true)
      .string("body", "What needs doing and why, with what you found (Markdown).", true)
      .strings("acceptance_criteria", "Checkable criteria that say when the new ticket is done.", false)
      .integer("priority", "0 (highest) to 4; default 2.", 0, 4)
      .bool("blocks_current", "True when the current ticket cannot be finished before the new one; your"
          + " attempt then ends and the ticket runs again once the new one is done.")
      .strings("blocked_by", "Ids of existing tickets that must be done before the new one.", false)
      .strings("related", "Ids of related tickets (informational).", false)
      .build();

  private final DiscoverySink sink;

  FileTicketTool(DiscoverySink sink) {
    this.sink = sink;
  }

  @Override
  public String name() {
    return "file_ticket";
  }

  @Override
  public String description() {
    return "File a new ticket for work you discovered that is outside this ticket's scope (a bug elsewhere, a"
        + " missing prerequisite). Set blocks_current when this ticket cannot be finished without it.";
  }

  @Override
  public JsonNode inputSchema() {
    return SCHEMA;
  }

  @Override
  public ToolOutput execute(ToolCall call) {
    NewTicket.Builder draft = NewTicket.builder(call.nonBlank("title")).body(call.string("body"))
        .acceptanceCriteria(call.strings("acceptance_criteria"));
    call.optionalInt("priority", 0, 4).ifPresent(draft::priority);
    for (String id : call.strings("blocked_by")) {
      draft.addDependency(Dependency.blockedBy(id));
    }
    for (String id : call.strings("related")) {
      draft.addDependency(Dependency.relatedTo(id));
    }
    boolean blocksCurrent = call.flag("blocks_current", false);
    Ticket filed = sink.file(draft.build(), blocksCurrent);
    if (blocksCurrent) {
      return ToolOutput.halt("filed ticket " + filed.id() + "; the current ticket now waits for it, so stop"
          + " here", new Halt.BlockedByDiscovery(filed));
    }
    return ToolOutput.ok("filed ticket " + filed.id() + " (" + filed.title() + ")");
  }
}
