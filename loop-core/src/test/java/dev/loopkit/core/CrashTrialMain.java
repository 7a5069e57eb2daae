package dev.loopkit.core;

import dev.loopkit.core.markdown.MarkdownTracker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * The child process of {@link CrashResumeTest}: runs (or resumes) the batch in a Markdown tracker folder with
 * real file work, and exits 0 when the run ends DONE, 3 otherwise. The parent kills it with SIGKILL at
 * random moments.
 */
public final class CrashTrialMain {
  private CrashTrialMain() {}

  public static void main(String[] args) throws Exception {
    Path trackerDir = Path.of(args[0]);
    Path runDir = Path.of(args[1]);
    Path work = Path.of(args[2]);
    Files.createDirectories(work);
    MarkdownTracker tracker = MarkdownTracker.open(trackerDir);

    Worker worker = a -> {
      if (a.ticket().id().equals("T") && a.ticket().dependencyTargets(DependencyType.BLOCKS).isEmpty()) {
        a.discoveries().file(NewTicket.builder("prerequisite discovered while working on T")
            .body("found by the worker").build(), true);
        return WorkResult.completed("filed a prerequisite", Usage.ZERO);
      }
      writeSlowly(work.resolve(a.ticket().id() + ".txt"), a.ticket().id(), a.attempt());
      return WorkResult.completed("wrote " + a.ticket().id(), Usage.tokens(10, 5));
    };
    Verifier verifier = r -> {
      Path f = work.resolve(r.ticket().id() + ".txt");
      if (!Files.exists(f) || !Files.readString(f).contains("end")) {
        return Verification.failed(r.ticket().id() + ".txt is missing or incomplete");
      }
      return Verification.passed(new Evidence("file", f.getFileName() + " complete",
          Map.of("bytes", Long.toString(Files.size(f)))));
    };
    RunResult result = LoopEngine.builder().tracker(tracker).worker(worker).verifier(verifier)
        .runDirectory(runDir).workspaces(Workspaces.shared(work))
        .caps(Caps.builder().maxConcurrency(2).maxAttemptsPerTicket(3).build())
        .build().run();
    System.out.println(result.ending().describe());
    System.exit(result.ending() instanceof RunEnding.Done ? 0 : 3);
  }

  /** Real, slow-ish work: many small synced writes, so a kill can land in the middle. */
  private static void writeSlowly(Path file, String id, int attempt) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      for (int i = 0; i < 25; i++) {
        ch.write(ByteBuffer.wrap((id + " attempt " + attempt + " line " + i + "\n").getBytes(StandardCharsets.UTF_8)));
        ch.force(false);
      }
      ch.write(ByteBuffer.wrap("end\n".getBytes(StandardCharsets.UTF_8)));
      ch.force(false);
    }
  }
}
