package dev.loopkit.spring;

import dev.loopkit.core.Caps;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Integrator;
import dev.loopkit.core.LoopListener;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.ReadySet;
import dev.loopkit.core.Reviewer;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Tripwire;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.markdown.MarkdownTracker;
import dev.loopkit.core.process.Sandbox;
import dev.loopkit.llm.work.CommandWorker;
import dev.loopkit.oracle.DefinitionTripwire;
import dev.loopkit.oracle.TicketCommandVerifier;
import dev.loopkit.oracle.TrackerOracle;
import dev.loopkit.scheduler.DependencyReadySet;
import dev.loopkit.scheduler.GitMergeIntegrator;
import dev.loopkit.scheduler.GitWorkspaces;
import java.nio.file.Path;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Loop's stock parts from the {@code loop.*} keys ({@link LoopProperties}), each backing off when the
 * application defines a bean of the part's type: the Markdown {@link Tracker} ({@code loop.tracker.*}), the
 * {@link TrackerOracle}, the {@link DependencyReadySet}, {@link GitWorkspaces} and the {@link GitMergeIntegrator}
 * ({@code loop.workspace.*}; the integrator only over git workspaces), the {@link CommandWorker}
 * ({@code loop.worker.*}), the {@link TicketCommandVerifier} ({@code loop.verifier.*}), the
 * {@link DefinitionTripwire} freezing the oracle, the verifier and {@code loop.worker.protect}, the {@link Caps}
 * ({@code loop.caps.*}) and the {@link Sandbox} ({@code loop.sandbox.*}); then the {@link LoopEngineFactory}
 * that assembles them, and {@link LoopRuns} with graceful shutdown ({@code loop.runs.*}).
 *
 * <p>A bad value fails the context start with an {@link InputException} naming the key and the value. Off with
 * {@code loop.enabled: false}.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "loop", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(LoopProperties.class)
public class LoopAutoConfiguration {
  /** Created by Spring Boot's auto-configuration. */
  public LoopAutoConfiguration() {}

  /**
   * The embedded Markdown tracker over {@code loop.tracker.folder}.
   *
   * @param properties the {@code loop.*} keys
   * @return the tracker
   */
  @Bean
  @ConditionalOnMissingBean(Tracker.class)
  public MarkdownTracker loopTracker(LoopProperties properties) {
    return StockParts.tracker(properties.getTracker());
  }

  /**
   * The oracle that reads the tracker: done when every ticket is done with the engine's record of it.
   *
   * @return the oracle
   */
  @Bean
  @ConditionalOnMissingBean(Oracle.class)
  public TrackerOracle loopOracle() {
    return TrackerOracle.create();
  }

  /**
   * The dependency-aware ready set (typed edges, priorities, resource locks).
   *
   * @return the ready set
   */
  @Bean
  @ConditionalOnMissingBean(ReadySet.class)
  public DependencyReadySet loopReadySet() {
    return DependencyReadySet.create();
  }

  /**
   * A git worktree per attempt, from {@code loop.workspace.repo}'s integration branch.
   *
   * @param properties the {@code loop.*} keys
   * @return the workspaces
   */
  @Bean
  @ConditionalOnMissingBean(Workspaces.class)
  public GitWorkspaces loopWorkspaces(LoopProperties properties) {
    return StockParts.workspaces(properties.getWorkspace());
  }

  /**
   * The merge integrator over the git workspaces: a candidate is merged and verified before the integration
   * branch advances; {@code loop.worker.protect}, and the tracker's and runs' folders where they lie in the
   * repository, are never taken in from a worker's branch.
   *
   * @param workspaces the git workspaces (the stock ones or the application's)
   * @param tracker the tracker
   * @param properties the {@code loop.*} keys
   * @return the integrator
   */
  @Bean
  @ConditionalOnMissingBean(Integrator.class)
  @ConditionalOnBean(GitWorkspaces.class)
  public GitMergeIntegrator loopIntegrator(GitWorkspaces workspaces, Tracker tracker, LoopProperties properties) {
    return StockParts.integrator(workspaces, tracker, properties);
  }

  /**
   * The ticket command verifier: a ticket's own {@code verify} metadata, else {@code loop.verifier.command}.
   *
   * @param properties the {@code loop.*} keys
   * @param tracker the tracker (for the origins of discovered tickets)
   * @return the verifier
   */
  @Bean
  @ConditionalOnMissingBean(Verifier.class)
  public TicketCommandVerifier loopVerifier(LoopProperties properties, Tracker tracker) {
    return StockParts.verifier(properties.getVerifier(), tracker);
  }

  /**
   * The command (agent CLI) worker of {@code loop.worker.*}, run in each ticket's sandbox.
   *
   * @param properties the {@code loop.*} keys
   * @return the worker
   */
  @Bean
  @ConditionalOnMissingBean(Worker.class)
  public CommandWorker loopWorker(LoopProperties properties) {
    return StockParts.worker(properties.getWorker());
  }

  /**
   * The caps of {@code loop.caps.*}, loop-core's defaults for the keys not set.
   *
   * @param properties the {@code loop.*} keys
   * @return the caps
   */
  @Bean
  @ConditionalOnMissingBean(Caps.class)
  public Caps loopCaps(LoopProperties properties) {
    return StockParts.caps(properties.getCaps());
  }

  /**
   * The sandbox of {@code loop.sandbox.*}, checked to start now (no bubblewrap: the context does not start).
   *
   * @param properties the {@code loop.*} keys
   * @param tracker the tracker (its folder is hidden from every sandbox)
   * @return the sandbox
   */
  @Bean
  @ConditionalOnMissingBean(Sandbox.class)
  public Sandbox loopSandbox(LoopProperties properties, Tracker tracker) {
    Path folder = tracker instanceof MarkdownTracker m ? m.folder().toAbsolutePath().normalize() : null;
    Path repository = StockParts.repository(properties.getWorkspace()).orElse(null);
    return StockParts.sandbox(properties.getSandbox(), StockParts.hidden(properties, folder, repository),
        System.getenv());
  }

  /**
   * The tripwire that freezes the definition of done: this oracle and verifier (the same instances the engine
   * uses) and the {@code loop.worker.protect} files in the repository.
   *
   * @param oracle the oracle
   * @param verifier the verifier
   * @param properties the {@code loop.*} keys
   * @return the tripwire
   */
  @Bean
  @ConditionalOnMissingBean(Tripwire.class)
  public DefinitionTripwire loopTripwire(Oracle oracle, Verifier verifier, LoopProperties properties) {
    return StockParts.tripwire(oracle, verifier, properties);
  }

  /**
   * Assembles each run's engine from the parts, the {@link LoopListener} beans and the
   * {@link LoopEngineCustomizer} beans.
   *
   * @return the factory
   */
  @Bean
  @ConditionalOnMissingBean(LoopEngineFactory.class)
  LoopEngineFactory loopEngineFactory(Tracker tracker, Oracle oracle, ReadySet readySet, Workspaces workspaces,
      Worker worker, Verifier verifier, Tripwire tripwire, Caps caps, Sandbox sandbox,
      ObjectProvider<Integrator> integrator, ObjectProvider<Reviewer> reviewer,
      ObjectProvider<LoopListener> listeners, ObjectProvider<LoopEngineCustomizer> customizers,
      LoopProperties properties) {
    return new StockEngineFactory(tracker, oracle, readySet, workspaces, worker, verifier, tripwire, caps, sandbox,
        integrator, reviewer, listeners, customizers, properties.getRuns().getJournalKeys());
  }

  /**
   * Starts, awaits and stops runs under {@code loop.runs.directory}.
   *
   * @param engines the engine factory
   * @param properties the {@code loop.*} keys
   * @return the runs
   */
  @Bean
  @ConditionalOnMissingBean(LoopRuns.class)
  public LoopRuns loopRuns(LoopEngineFactory engines, LoopProperties properties) {
    LoopProperties.Runs runs = properties.getRuns();
    if (runs.getShutdownTimeout().isNegative()) {
      throw new InputException("loop.runs.shutdown-timeout is " + runs.getShutdownTimeout() + ": expected a"
          + " duration of zero or more");
    }
    return new LoopRuns(runs.getDirectory(), engines);
  }

  /**
   * Graceful shutdown of the run in flight, and {@code loop.runs.start-on-startup}.
   *
   * @param runs the runs
   * @param properties the {@code loop.*} keys
   * @return the lifecycle
   */
  @Bean
  LoopRunsLifecycle loopRunsLifecycle(LoopRuns runs, LoopProperties properties) {
    return new LoopRunsLifecycle(runs, properties.getRuns().isStartOnStartup(),
        properties.getRuns().getShutdownTimeout());
  }
}
