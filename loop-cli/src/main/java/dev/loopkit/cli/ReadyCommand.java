package dev.loopkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.ReadyContext;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import dev.loopkit.scheduler.DependencyReadySet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code loop ready [PROJECT] [--json]}: the tickets that may start now, best first. */
@Command(name = "ready", mixinStandardHelpOptions = true,
    description = "Lists the tickets that may start now, in the order the run would start them (the"
        + " dependency-aware ready set: blockers done, resources free, critical path first).")
final class ReadyCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @ParentCommand
  LoopCommand root;

  @Mixin
  ProjectArgument project = new ProjectArgument();

  @Option(names = "--json", description = "Print a JSON array of {id, priority, title, resources, status}.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    ProjectConfig config = project.read();
    Tracker tracker = ProjectEngine.tracker(config, root.io.environment());
    List<Ticket> ready = DependencyReadySet.create()
        .ready(ReadyContext.of(tracker.readBatch(), tracker));
    if (json) {
      ArrayNode array = JSON.createArrayNode();
      for (Ticket t : ready) {
        ObjectNode n = array.addObject().put("id", t.id()).put("priority", t.priority()).put("title", t.title());
        t.resources().stream().sorted().forEach(n.putArray("resources")::add);
        n.put("status", t.status().wireName());
      }
      root.io.out().println(JSON.writeValueAsString(array));
    } else if (ready.isEmpty()) {
      root.io.out().println("nothing is ready");
    } else {
      for (Ticket t : ready) {
        root.io.out().println(t.id() + "  p" + t.priority() + "  " + t.title()
            + (t.resources().isEmpty() ? "" : "  [" + String.join(", ", t.resources().stream().sorted().toList())
                + "]"));
      }
    }
    return LoopCommand.DONE;
  }
}
