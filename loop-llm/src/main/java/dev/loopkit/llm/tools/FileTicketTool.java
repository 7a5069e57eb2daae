package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.DiscoverySink;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Ticket;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code file_ticket}: files discovered work through the assignment's {@link DiscoverySink}, with edges. The
 * engine adds the {@code discovered-from} edge and the idempotency key. With {@code blocks_current} the
 * current ticket waits for the new one and the loop halts after this turn.
 *
 * <p>A worker may propose the new ticket's finish line: acceptance criteria and a {@code verify} command with
 * what its output must show ({@code verify_expect}, a regular expression) or what file it must leave
 * ({@code verify_file}). They go on the {@link NewTicket} as the metadata the ticket command verifier reads
 * ({@code verify}, {@code verify-expect}, {@code verify-file}, as in a Markdown ticket's {@code metadata:}),
 * and the engine freezes them when the ticket is filed: no later edit, by a worker or anyone, moves that finish
 * line. A command without an expectation is refused (an exit code alone is absence of error, not evidence).
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
      .string("verify", "Optional proposed finish line: a shell command, run in the new ticket's workspace, that"
          + " checks the work is done (e.g. mvn -q test -Dtest=ClockTest). Needs verify_expect or verify_file."
          + " Frozen when filed.", false)
      .string("verify_expect", "A regular expression the verify command's output must contain when the work is"
          + " done (e.g. Tests run: [1-9][0-9]*, Failures: 0).", false)
      .string("verify_file", "A workspace-relative file the verify command must leave, non-empty.", false)
      .build();

  /** The ticket metadata keys of a finish line, as the ticket command verifier and Markdown tickets name them. */
  static final String VERIFY = "verify";
  static final String VERIFY_EXPECT = "verify-expect";
  static final String VERIFY_FILE = "verify-file";

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
        + " missing prerequisite). Set blocks_current when this ticket cannot be finished without it. Propose its"
        + " finish line when you can: acceptance_criteria plus a verify command with verify_expect or verify_file;"
        + " it is frozen when the ticket is filed.";
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
    String finishLine = finishLine(call, draft);
    boolean blocksCurrent = call.flag("blocks_current", false);
    Ticket filed = sink.file(draft.build(), blocksCurrent);
    if (blocksCurrent) {
      return ToolOutput.halt("filed ticket " + filed.id() + "; the current ticket now waits for it, so stop"
          + " here", new Halt.BlockedByDiscovery(filed));
    }
    return ToolOutput.ok("filed ticket " + filed.id() + " (" + filed.title() + ")" + finishLine);
  }

  /** Puts the proposed finish line on the draft; the words for the model, or "" when none was proposed. */
  private static String finishLine(ToolCall call, NewTicket.Builder draft) {
    Optional<String> verify = call.optionalString("verify");
    Optional<String> expect = call.optionalString("verify_expect");
    Optional<String> file = call.optionalString("verify_file");
    if (verify.isEmpty()) {
      if (expect.isPresent() || file.isPresent()) {
        throw new ToolException("file_ticket got " + (expect.isPresent() ? "verify_expect" : "verify_file")
            + " without verify: give the command that checks the work, or leave all three out; nothing was filed");
      }
      return "";
    }
    if (verify.get().isBlank()) {
      throw new ToolException("argument 'verify' of file_ticket is blank: expected a command that checks the work"
          + ", or leave it out; nothing was filed");
    }
    if (expect.isEmpty() && file.isEmpty()) {
      throw new ToolException("file_ticket's verify command '" + verify.get() + "' has no expectation: add"
          + " verify_expect (a regular expression its output must contain) or verify_file (a file it must"
          + " leave), since an exit code alone proves nothing; nothing was filed");
    }
    draft.putMetadata(VERIFY, verify.get().strip());
    if (expect.isPresent()) {
      try {
        Pattern.compile(expect.get());
      } catch (PatternSyntaxException e) {
        throw new ToolException("argument 'verify_expect' of file_ticket is not a valid regular expression ("
            + e.getDescription() + " near index " + e.getIndex() + "): expected a Java regex such as"
            + " 'Tests run: [1-9][0-9]*, Failures: 0'; nothing was filed");
      }
      draft.putMetadata(VERIFY_EXPECT, expect.get());
    }
    if (file.isPresent()) {
      String f = file.get().strip();
      if (f.isEmpty() || f.startsWith("/") || java.util.Arrays.asList(f.split("[/\\\\]")).contains("..")) {
        throw new ToolException("argument 'verify_file' of file_ticket is '" + file.get() + "': expected a path"
            + " relative to the workspace, without '..'; nothing was filed");
      }
      draft.putMetadata(VERIFY_FILE, f);
    }
    return "; its finish line (verify: " + verify.get().strip() + ") is frozen as filed";
  }
}
