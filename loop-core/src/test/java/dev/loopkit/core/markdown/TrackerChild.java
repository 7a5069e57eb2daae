package dev.loopkit.core.markdown;

import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A child JVM for {@link MarkdownTrackerProcessesTest}: opens the folder, prints {@code ready}, waits for a
 * line on stdin so all children start together, then for each round creates a ticket shared by every child
 * (same idempotency key) and one of its own, comments on and claims the shared one, and moves its own to done.
 * Prints {@code won <id>} for each claim it won, then {@code finished}.
 */
public final class TrackerChild {
  private TrackerChild() {}

  public static void main(String[] args) throws Exception {
    Path folder = Path.of(args[0]);
    String child = args[1];
    int rounds = Integer.parseInt(args[2]);
    MarkdownTracker tracker = MarkdownTracker.builder(folder).author("child-" + child).build();
    System.out.println("ready");
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    for (int r = 0; r < rounds; r++) {
      Ticket shared = tracker.create(NewTicket.builder("shared " + r).idempotencyKey("shared-" + r).build());
      Ticket own = tracker.create(NewTicket.builder("own " + child + "/" + r)
          .idempotencyKey("own-" + child + "-" + r).build());
      tracker.comment(shared.id(), "child " + child + " round " + r);
      if (tracker.claim(shared.id(), "child-" + child)) {
        System.out.println("won " + shared.id());
      }
      tracker.transition(own.id(), Status.IN_PROGRESS, "started by child " + child);
      tracker.transition(own.id(), Status.DONE, "finished by child " + child);
    }
    System.out.println("finished");
    System.out.flush();
  }
}
