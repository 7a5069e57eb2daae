package dev.loopkit.llm.work;

import dev.loopkit.core.Comment;
import dev.loopkit.core.Finding;
import dev.loopkit.core.Ticket;
import dev.loopkit.llm.tools.Confinement;
import dev.loopkit.llm.tools.ToolException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The task text of one attempt, built only from what the engine hands over: the ticket (title, body,
 * acceptance criteria, comments), the findings of earlier attempts and reviews, and the notes files found in
 * the workspace. Shared by the model worker (as the first user message) and the command worker (as the
 * agent CLI's prompt).
 */
final class TaskPrompt {
  static final List<String> DEFAULT_NOTES_FILES = List.of("AGENTS.md", "CLAUDE.md", "NOTES.md");
  private static final int MAX_NOTES_CHARS = 20_000;

  private TaskPrompt() {}

  static String build(Ticket ticket, int attempt, List<Finding> findings, Path workspace, List<String> notesFiles) {
    StringBuilder out = new StringBuilder();
    out.append("# Ticket ").append(ticket.id()).append(": ").append(ticket.title()).append("\n\n");
    if (!ticket.body().isBlank()) {
      out.append(ticket.body().strip()).append("\n\n");
    }
    out.append("## Acceptance criteria (the finish line)\n");
    if (ticket.acceptanceCriteria().isEmpty()) {
      out.append("- none given: the ticket's description is the finish line\n");
    }
    ticket.acceptanceCriteria().forEach(c -> out.append("- ").append(c).append('\n'));
    if (!findings.isEmpty()) {
      out.append("\n## What earlier attempts and reviews found (oldest first)\n");
      for (Finding f : findings) {
        out.append("- attempt ").append(f.attempt()).append(" (").append(f.stage()).append("): ")
            .append(f.message()).append('\n');
      }
    }
    if (!ticket.comments().isEmpty()) {
      out.append("\n## Comments on the ticket (oldest first)\n");
      for (Comment c : ticket.comments()) {
        out.append("- ").append(c.at()).append(' ').append(c.author()).append(": ").append(c.body().strip())
            .append('\n');
      }
    }
    appendNotes(out, workspace, notesFiles);
    out.append("\n## This attempt\n")
        .append("This is attempt ").append(attempt).append(" on this ticket; you start with no memory of earlier"
            + " attempts beyond what is written above. Work in the workspace until every acceptance criterion"
            + " holds, check it yourself, then reply with a short summary of what you changed and how you"
            + " checked it. The ticket's status is decided by an independent verifier, not by you.\n");
    return out.toString();
  }

  private static void appendNotes(StringBuilder out, Path workspace, List<String> notesFiles) {
    Confinement confinement;
    try {
      confinement = Confinement.of(workspace, List.of());
    } catch (RuntimeException e) {
      return;
    }
    boolean header = false;
    for (String name : notesFiles) {
      Path file;
      try {
        file = confinement.readable(name);
      } catch (ToolException outside) {
        continue; // a notes file that is a link out of the workspace is not read
      }
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        continue; // unreadable or not UTF-8: the attempt goes on without it
      }
      if (!header) {
        out.append("\n## Notes files of the repository\n");
        header = true;
      }
      if (text.length() > MAX_NOTES_CHARS) {
        text = text.substring(0, MAX_NOTES_CHARS) + "\n[... cut at " + MAX_NOTES_CHARS + " characters; read the"
            + " file for the rest ...]";
      }
      out.append("\n### ").append(name).append("\n\n").append(text.strip()).append('\n');
    }
  }
}
