package dev.loopkit.spring;

import java.util.Optional;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Actuator's {@code loop} health (Spring Boot 4's health API): the newest run under {@code loop.runs.directory},
 * read from its run directory. {@code DOWN} when it ended {@code FAILED} (a part of the harness failed, or it was
 * stopped and not resumed) or its journal is damaged; {@code OUT_OF_SERVICE} when it ended {@code TAMPERED} (the
 * definition of done changed: a person must restore it); {@code UNKNOWN} when it has no ending and is not running
 * here (a process died mid-run: resume it); {@code UP} otherwise (no run yet, running, {@code DONE}, or waiting for
 * a person or a raised cap), each with the run, its state, its ending's line, tickets, done and interventions as
 * details.
 *
 * <p>A stopped run reports {@code DOWN} until it is resumed; keep {@code loop} out of a liveness group, so a
 * platform does not restart the application for a run a person must look at.
 */
public class LoopHealthIndicator implements HealthIndicator {
  private final LoopRuns runs;

  /**
   * The health of these runs.
   *
   * @param runs the application's runs
   */
  public LoopHealthIndicator(LoopRuns runs) {
    this.runs = runs;
  }

  @Override
  public Health health() {
    Optional<RunState> latest = RunState.latest(runs);
    if (latest.isEmpty()) {
      return Health.up().withDetail("runs", 0).withDetail("directory", runs.directory().toString()).build();
    }
    RunState run = latest.get();
    return Health.status(new Status(run.health())).withDetails(run.details()).build();
  }
}
