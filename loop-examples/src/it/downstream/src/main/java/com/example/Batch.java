package com.example;

import dev.loopkit.core.Caps;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Usage;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.oracle.CommandVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A downstream project's loop: a worker that writes a file, a command that checks it in the sandbox. */
public final class Batch {
  private Batch() {}

  /** Runs the tracker's batch to its ending, journaling under {@code runDirectory}. */
  public static RunResult run(Tracker tracker, Path runDirectory, Path journalKeys) {
    Worker worker = assignment -> {
      try {
        Files.writeString(assignment.workspace().directory().resolve("greeting.txt"),
            "hello from " + assignment.ticket().id() + "\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return WorkResult.completed("wrote greeting.txt", Usage.ZERO);
    };
    CommandVerifier verifier = CommandVerifier.of("sh", "-c", "grep hello greeting.txt && echo VERIFIED")
        .expectOutput("(?m)^VERIFIED$").build();
    return LoopEngine.builder()
        .tracker(tracker).worker(worker).verifier(verifier)
        .runDirectory(runDirectory).journalKeys(journalKeys)
        .caps(Caps.builder().maxAttemptsPerTicket(2).allowUnmeteredUsage().build())
        .build()
        .run();
  }
}
