package dev.loopkit.llm.heal;

import dev.loopkit.core.HealContext;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** {@link HealEvidence#attemptTranscripts}: the tail of each outstanding ticket's latest attempt transcript. */
final class AttemptTranscripts {
  /** Tickets looked at, as many as a healer hands over by default at most. */
  private static final int MAX_TICKETS = 20;
  /** Attempt numbers probed per ticket; an engine caps attempts per ticket far below this. */
  private static final int MAX_ATTEMPTS = 1000;

  private AttemptTranscripts() {}

  static List<HealEvidence.Excerpt> excerpts(Path transcripts, HealContext context, int maxChars)
      throws IOException {
    List<HealEvidence.Excerpt> out = new ArrayList<>();
    List<Ticket> tickets = new ArrayList<>();
    for (Status s : List.of(Status.OPEN, Status.IN_PROGRESS, Status.HUMAN_GATED)) {
      tickets.addAll(context.batch().withStatus(s, MAX_TICKETS - tickets.size()));
    }
    for (Ticket t : tickets) {
      Path latest = null;
      int attempt = 0;
      for (int n = 1; n <= MAX_ATTEMPTS; n++) {
        Path file = transcripts.resolve(t.id() + "-attempt-" + n + ".jsonl");
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
          break;
        }
        latest = file;
        attempt = n;
      }
      if (latest != null) {
        out.add(HealEvidence.Excerpt.of("transcript/" + t.id() + "-attempt-" + attempt, tail(latest, maxChars)));
      }
    }
    return out;
  }

  /** The last lines of {@code file}, at most {@code maxChars} characters, reading only the end of the file. */
  private static String tail(Path file, int maxChars) throws IOException {
    try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      long size = ch.size();
      long from = Math.max(0, size - 4L * maxChars); // a UTF-8 character is at most 4 bytes
      ByteBuffer buf = ByteBuffer.allocate((int) (size - from));
      ch.position(from);
      while (buf.hasRemaining() && ch.read(buf) > 0) {
        // read on
      }
      String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
      boolean whole = from == 0 && text.length() <= maxChars;
      if (whole) {
        return text;
      }
      String cut = text.length() > maxChars ? text.substring(text.length() - maxChars) : text;
      int nl = cut.indexOf('\n'); // drop the partial first line (and any split character)
      return "[... the start of the transcript is left out ...]\n" + (nl < 0 ? cut : cut.substring(nl + 1));
    }
  }
}
