package dev.loopkit.bench;

import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.scheduler.ReadyIndex;
import dev.loopkit.scheduler.ReadyOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * A discrete-event simulation of a loop with {@code slots} workers: whenever a worker is free it starts the
 * best ready ticket from the real {@link ReadyIndex}; a ticket takes its duration; the makespan is when the
 * last one finishes.
 */
final class Simulation {
  private Simulation() {}

  private record Finish(double time, int ticket) {}

  static double makespan(Dag dag, int slots, ReadyOrder order) {
    List<Ticket> tickets = dag.tickets();
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < tickets.size(); i++) {
      position.put(tickets.get(i).id(), i);
    }
    ReadyIndex index = ReadyIndex.create(order);
    index.rebuild(tickets);
    PriorityQueue<Finish> running = new PriorityQueue<>((a, b) -> a.time != b.time
        ? Double.compare(a.time, b.time) : Integer.compare(a.ticket, b.ticket));
    double now = 0;
    int finished = 0;
    while (true) {
      for (Ticket t : index.ready(slots - running.size(), Set.of())) {
        int i = position.get(t.id());
        index.markInFlight(t.id());
        running.add(new Finish(now + dag.durations()[i], i));
      }
      Finish next = running.poll();
      if (next == null) {
        break;
      }
      now = next.time;
      do {
        Ticket t = tickets.get(next.ticket);
        index.update(t.withStatus(Status.DONE));
        index.clearInFlight(t.id());
        finished++;
        next = running.peek() != null && running.peek().time == now ? running.poll() : null;
      } while (next != null);
    }
    if (finished != tickets.size()) {
      throw new IllegalStateException("simulation stalled after " + finished + " of " + tickets.size() + " tickets");
    }
    return now;
  }

  /** Makespan divided by the lower bound max(critical path, total work / slots); 1.0 is optimal. */
  static double ratio(Dag dag, int slots, ReadyOrder order) {
    return makespan(dag, slots, order) / dag.lowerBound(slots);
  }
}
