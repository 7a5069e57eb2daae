package dev.loopkit.bench;

import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.Ticket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A batch of tickets whose {@code blocks} edges form a DAG, listed in a topological order (each ticket
 * depends only on tickets before it), with a duration per ticket for simulations.
 */
record Dag(String shape, List<Ticket> tickets, double[] durations) {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /**
   * {@code n} tickets, each (after the first few) blocked by {@code edges} distinct tickets picked at random
   * among the {@code window} filed just before it; random priorities; filed in id order.
   */
  static Dag randomBlocking(int n, int edges, int window, long seed) {
    Random random = new Random(seed);
    List<Ticket> tickets = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Ticket.Builder b = ticket(i, random.nextInt(5));
      int span = Math.min(i, window);
      for (int k = 0; k < Math.min(edges, span); k++) {
        b.addDependency(Dependency.blockedBy(id(i - 1 - random.nextInt(span)))); // duplicates are merged
      }
      tickets.add(b.build());
    }
    return new Dag("random", tickets, new double[n]);
  }

  /**
   * A random layered DAG: 6-20 layers of 4-40 tickets, each ticket after the first layer blocked by 1-3
   * tickets of the layer before (sometimes two before); durations uniform in [1, 10); filed layer by layer.
   */
  static Dag layered(Random random) {
    int layers = 6 + random.nextInt(15);
    List<Ticket> tickets = new ArrayList<>();
    List<Double> durations = new ArrayList<>();
    List<List<Integer>> byLayer = new ArrayList<>();
    for (int l = 0; l < layers; l++) {
      int width = 4 + random.nextInt(37);
      List<Integer> layer = new ArrayList<>();
      for (int w = 0; w < width; w++) {
        int i = tickets.size();
        Ticket.Builder b = ticket(i, random.nextInt(5));
        if (l > 0) {
          int deps = 1 + random.nextInt(3);
          for (int k = 0; k < deps; k++) {
            List<Integer> from = byLayer.get(l > 1 && random.nextInt(4) == 0 ? l - 2 : l - 1);
            b.addDependency(Dependency.blockedBy(id(from.get(random.nextInt(from.size())))));
          }
        }
        tickets.add(b.build());
        durations.add(1 + 9 * random.nextDouble());
        layer.add(i);
      }
      byLayer.add(layer);
    }
    return new Dag("layered", tickets, unbox(durations));
  }

  /**
   * A wide fan-in: 120 independent tickets and a chain of 15 tickets, all blocking one final ticket. The
   * chain is filed after the wide tickets (as discovered work would be); durations uniform in [1, 10).
   */
  static Dag fanIn(Random random) {
    List<Ticket> tickets = new ArrayList<>();
    List<Double> durations = new ArrayList<>();
    int wide = 120;
    int chain = 15;
    for (int i = 0; i < wide + chain; i++) {
      Ticket.Builder b = ticket(i, random.nextInt(5));
      if (i > wide) {
        b.addDependency(Dependency.blockedBy(id(i - 1)));
      }
      tickets.add(b.build());
      durations.add(1 + 9 * random.nextDouble());
    }
    Ticket.Builder last = ticket(wide + chain, random.nextInt(5));
    for (int i = 0; i < wide; i++) {
      last.addDependency(Dependency.blockedBy(id(i)));
    }
    last.addDependency(Dependency.blockedBy(id(wide + chain - 1)));
    tickets.add(last.build());
    durations.add(1 + 9 * random.nextDouble());
    return new Dag("fan-in", tickets, unbox(durations));
  }

  /** The longest path through the DAG, summing durations. */
  double criticalPath() {
    Map<String, Integer> index = new HashMap<>();
    double[] finish = new double[tickets.size()];
    double best = 0;
    for (int i = 0; i < tickets.size(); i++) {
      Ticket t = tickets.get(i);
      index.put(t.id(), i);
      double start = 0;
      for (String b : t.dependencyTargets(DependencyType.BLOCKS)) {
        start = Math.max(start, finish[index.get(b)]);
      }
      finish[i] = start + durations[i];
      best = Math.max(best, finish[i]);
    }
    return best;
  }

  double totalWork() {
    double sum = 0;
    for (double d : durations) {
      sum += d;
    }
    return sum;
  }

  /** max(critical path, total work / slots): no schedule on {@code slots} workers can finish sooner. */
  double lowerBound(int slots) {
    return Math.max(criticalPath(), totalWork() / slots);
  }

  static String id(int i) {
    return "T-" + i;
  }

  private static Ticket.Builder ticket(int i, int priority) {
    return Ticket.builder(id(i)).title("ticket " + i).priority(priority).createdAt(T0.plusSeconds(i));
  }

  private static double[] unbox(List<Double> values) {
    double[] out = new double[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
