package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.LoopListener;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Tracker;
import dev.loopkit.llm.StreamEvent;
import dev.loopkit.llm.StreamListener;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loop command's engine hands the model workers' streamed turns to a listener that takes them (progress). */
class ModelProgressWiringTest {
  @TempDir Path dir;

  /** A listener of both kinds, as {@link Progress} is. */
  static final class Both implements LoopListener, StreamListener {
    final List<StreamEvent> deltas = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(LoopEvent event) {}

    @Override
    public void onEvent(StreamEvent event) {
      deltas.add(event);
    }
  }

  @Test
  void aModelWorkersTurnsReachTheProgressListenerAsTheyStream() throws Exception {
    Path project = Cli.tinyProject(dir, Cli.call("write_file", "{\"path\":\"done.txt\",\"content\":\"yes\\n\"}")
        + Cli.say("Wrote done.txt."), "");
    ProjectConfig config = ProjectConfig.read(project);
    ProjectEngine.prepareRepository(config);
    Tracker tracker = ProjectEngine.tracker(config, Map.of());
    Both progress = new Both();

    RunResult result = ProjectEngine.build(config, tracker, dir.resolve("run"), Map.of(), List.of(progress)).run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    assertTrue(progress.deltas.stream().anyMatch(e -> e instanceof StreamEvent.ToolUseStarted u
        && u.name().equals("write_file")), "the tool call streamed: " + progress.deltas);
    assertTrue(progress.deltas.stream().anyMatch(e -> e instanceof StreamEvent.TextDelta t
        && t.text().contains("done.txt")), "the text streamed: " + progress.deltas);
  }
}
