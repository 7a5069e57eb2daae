package dev.loopkit.cli;

import java.nio.file.Path;
import picocli.CommandLine.Parameters;

/** The {@code PROJECT} argument every subcommand takes first: the folder holding {@code loop.yaml}. */
final class ProjectArgument {
  @Parameters(index = "0", arity = "0..1", paramLabel = "PROJECT", defaultValue = ".",
      description = "The project folder holding loop.yaml (default: the current folder).")
  Path project = Path.of(".");

  ProjectConfig read() {
    return ProjectConfig.read(project);
  }

  @Override
  public String toString() {
    return project.toString();
  }
}
