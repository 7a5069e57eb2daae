package dev.loopkit.cli;

import dev.loopkit.core.InputException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code loop quickstart}: copies the bundled quickstart project to a fresh folder and runs it. Offline by
 * default (recorded model conversations); {@code --real} runs the same batch on the vendors whose keys are set.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = {"Copies the quickstart project (7 Markdown tickets, to which a worker adds an 8th; a small shell"
        + " project; recorded model conversations) to a new folder and runs it end to end: a git repository per"
        + " attempt, a scripted worker and reviewer, real test commands in the bubblewrap sandbox, verified merges."
        + " Offline unless --real.",
        "Exit codes: 0 DONE, 5 CAPPED, 3 STALLED or waiting for a human, 4 TAMPERED, 1 error, 2 usage error,"
            + " 130 stopped by Ctrl-C."})
final class QuickstartCommand implements Callable<Integer> {
  @ParentCommand
  LoopCommand root;

  @Option(names = "--dir", paramLabel = "DIR",
      description = "Where to put the project (must not exist yet; default: a new temporary folder).")
  Path dir;

  @Option(names = "--real", description = "Use real models: the worker on Anthropic if ANTHROPIC_API_KEY is"
      + " set (else OpenAI), the reviewer on the other vendor when its key is set too.")
  boolean real;

  @Override
  public Integer call() throws Exception {
    // the bundled project runs sandboxed: refuse before writing anything when the sandbox cannot start here
    ProjectEngine.sandbox(ProjectConfig.SandboxSettings.DEFAULT, root.io.environment()).check();
    Path target = dir != null ? dir.toAbsolutePath().normalize()
        : Files.createTempDirectory("loop-quickstart-").resolve("quickstart");
    if (Files.exists(target)) {
      throw new InputException("--dir " + target + " exists: expected a folder that does not exist yet");
    }
    copyBundled(target);
    root.io.out().println("quickstart project: " + target);
    ProjectConfig config = ProjectConfig.read(target);
    if (real) {
      config = RunCommand.withModels(config, realModels(root.io.environment()));
    } else if (root.io.environment().containsKey("ANTHROPIC_API_KEY")
        || root.io.environment().containsKey("OPENAI_API_KEY")) {
      root.io.out().println("an API key is set: 'loop quickstart --real' runs the same batch on real models");
    }
    return RunCommand.run(root.io, config, true);
  }

  static List<String> realModels(Map<String, String> env) {
    boolean anthropic = present(env, "ANTHROPIC_API_KEY");
    boolean openai = present(env, "OPENAI_API_KEY");
    if (!anthropic && !openai) {
      throw new InputException("--real needs ANTHROPIC_API_KEY or OPENAI_API_KEY: expected at least one set");
    }
    String claude = "anthropic:claude-sonnet-4-5";
    String gpt = "openai:gpt-5";
    List<String> out = new ArrayList<>();
    out.add("worker=" + (anthropic ? claude : gpt));
    out.add("reviewer=" + (anthropic && openai ? gpt : anthropic ? claude : gpt));
    return out;
  }

  private static boolean present(Map<String, String> env, String name) {
    String v = env.get(name);
    return v != null && !v.isBlank();
  }

  /** Copies the quickstart bundled with this command (a jar entry, or a folder on the class path). */
  static void copyBundled(Path target) throws IOException, URISyntaxException {
    URL marker = QuickstartCommand.class.getResource("/quickstart/" + ProjectConfig.FILE_NAME);
    if (marker == null) {
      throw new InputException("this build of loop has no bundled quickstart (quickstart/loop.yaml is not on the"
          + " class path): expected the loop.jar built from loop-cli");
    }
    URI uri = marker.toURI();
    if (uri.getScheme().equals("jar")) {
      try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
        GitCommands.copyTree(jar.getPath("/quickstart"), target);
      }
    } else {
      GitCommands.copyTree(Path.of(uri).getParent(), target);
    }
    try (Stream<Path> s = Files.walk(target)) {
      if (s.noneMatch(p -> p.getFileName().toString().endsWith(".md"))) {
        throw new InputException("the bundled quickstart copied to " + target + " holds no tickets");
      }
    }
  }
}
