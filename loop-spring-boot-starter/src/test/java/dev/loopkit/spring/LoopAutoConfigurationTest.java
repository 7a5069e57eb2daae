package dev.loopkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopkit.core.Caps;
import dev.loopkit.core.Integrator;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.ReadySet;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Tripwire;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.Worker;
import dev.loopkit.core.WorkResult;
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
import dev.loopkit.testing.InMemoryTracker;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.support.SpringFactoriesLoader;

/**
 * The stock parts from {@code loop.*} properties, their back-off when the application defines its own, and the
 * failures of bad properties, in contexts built by Spring Boot's {@link ApplicationContextRunner} over a real git
 * repository and ticket folder.
 */
class LoopAutoConfigurationTest {
  @TempDir
  Path tmp;

  private TestProject project;
  private ApplicationContextRunner runner;

  @BeforeEach
  void setUp() {
    project = TestProject.create(tmp).ticket("SB-1", "one", null);
    runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LoopAutoConfiguration.class))
        .withPropertyValues(project.pairs());
  }

  @Test
  void stockPartsAreBuiltFromTheProperties() {
    runner.withPropertyValues("loop.caps.cost-usd=12.50", "loop.caps.wall-clock=2h", "loop.caps.passes=40")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(Tracker.class)).isInstanceOf(MarkdownTracker.class);
          assertThat(((MarkdownTracker) context.getBean(Tracker.class)).folder()).isEqualTo(project.tickets);
          assertThat(context.getBean(Oracle.class)).isInstanceOf(TrackerOracle.class);
          assertThat(context.getBean(ReadySet.class)).isInstanceOf(DependencyReadySet.class);
          assertThat(context.getBean(Workspaces.class)).isInstanceOf(GitWorkspaces.class);
          assertThat(((GitWorkspaces) context.getBean(Workspaces.class)).repository()).isEqualTo(project.repo);
          assertThat(context.getBean(Integrator.class)).isInstanceOf(GitMergeIntegrator.class);
          assertThat(context.getBean(Worker.class)).isInstanceOf(CommandWorker.class);
          assertThat(context.getBean(Verifier.class)).isInstanceOf(TicketCommandVerifier.class);
          assertThat(context.getBean(Tripwire.class)).isInstanceOf(DefinitionTripwire.class);
          assertThat(context.getBean(Sandbox.class).confines()).isTrue();
          Caps caps = context.getBean(Caps.class);
          assertThat(caps.maxCostUsd()).isEqualByComparingTo(new BigDecimal("12.50"));
          assertThat(caps.maxWallClock()).isEqualTo(Duration.ofHours(2));
          assertThat(caps.maxPasses()).isEqualTo(40);
          assertThat(caps.maxAttemptsPerTicket()).isEqualTo(2);
          assertThat(caps.allowUnmeteredUsage()).isTrue();
          assertThat(context.getBean(LoopRuns.class).directory()).isEqualTo(project.runs);
        });
  }

  @Test
  void theTripwireFingerprintsTheProtectedFilesOfTheRepository() {
    runner.run(context -> {
      DefinitionTripwire tripwire = context.getBean(DefinitionTripwire.class);
      assertThat(tripwire.fingerprint()).containsKey("file:" + project.repo.resolve("tests/check.sh"))
          .containsKey("file:" + project.repo.resolve("tools/agent.sh"));
    });
  }

  @Test
  void theEngineFactoryBuildsAnEngineForARunDirectory() {
    runner.run(context -> {
      LoopEngine engine = context.getBean(LoopEngineFactory.class).engine(project.runs.resolve("run-001"));
      assertThat(engine).isNotNull();
    });
  }

  @Test
  void everyPartBacksOffWhenTheApplicationDefinesItsOwn() {
    runner.withUserConfiguration(HostParts.class).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(Tracker.class)).isSameAs(context.getBean("hostTracker"));
      assertThat(context.getBean(Worker.class)).isSameAs(context.getBean("hostWorker"));
      assertThat(context.getBean(Verifier.class)).isSameAs(context.getBean("hostVerifier"));
      assertThat(context.getBean(Oracle.class)).isSameAs(context.getBean("hostOracle"));
      assertThat(context.getBean(Caps.class).maxAttemptsPerTicket()).isEqualTo(7);
      assertThat(context).doesNotHaveBean(MarkdownTracker.class).doesNotHaveBean(CommandWorker.class)
          .doesNotHaveBean(TicketCommandVerifier.class).doesNotHaveBean(TrackerOracle.class);
      // the tripwire freezes the host's oracle and verifier
      assertThat(context.getBean(DefinitionTripwire.class).fingerprint()).containsKey("oracle.class");
    });
  }

  @Test
  void aHostTrackerNeedsNoTrackerFolder() {
    runner.withPropertyValues("loop.tracker.folder=").withUserConfiguration(HostParts.class)
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Tracker.class));
  }

  @Test
  void theIntegratorBacksOffWhenTheWorkspacesAreNotGit() {
    runner.withPropertyValues("loop.workspace.repo=", "loop.worker.protect=").withUserConfiguration(DirectoryWorkspaces.class)
        .run(context -> {
          assertThat(context).hasNotFailed().doesNotHaveBean(Integrator.class);
          assertThat(context.getBean(Workspaces.class)).isSameAs(context.getBean("hostWorkspaces"));
        });
  }

  @Test
  void theApplicationsEngineFactoryAndRunsReplaceTheStarters() {
    runner.withPropertyValues("test.tmp=" + tmp).withUserConfiguration(HostRuns.class).run(context -> {
      assertThat(context.getBean(LoopEngineFactory.class)).isSameAs(context.getBean("hostEngines"));
      assertThat(context.getBean(LoopRuns.class).directory()).isEqualTo(tmp.resolve("host-runs"));
    });
  }

  @Test
  void loopEnabledFalseConfiguresNothing() {
    runner.withPropertyValues("loop.enabled=false").run(context -> assertThat(context).hasNotFailed()
        .doesNotHaveBean(LoopRuns.class).doesNotHaveBean(Tracker.class).doesNotHaveBean(LoopProperties.class));
  }

  @Test
  void aMissingTrackerFolderNamesTheKey() {
    assertFailure(runner.withPropertyValues("loop.tracker.folder="), "loop.tracker.folder is not set");
  }

  @Test
  void aTrackerFolderThatDoesNotExistNamesTheKeyAndTheValue() {
    Path missing = tmp.resolve("nowhere");
    assertFailure(runner.withPropertyValues("loop.tracker.folder=" + missing),
        "loop.tracker.folder is " + missing, "does not exist");
  }

  @Test
  void aRepositoryThatIsNotGitNamesTheKeyAndTheValue() throws Exception {
    Path plain = Files.createDirectories(tmp.resolve("plain"));
    assertFailure(runner.withPropertyValues("loop.workspace.repo=" + plain),
        "loop.workspace.repo is " + plain, "not a git working tree");
  }

  @Test
  void noWorkerNamesTheAgentKey() {
    assertFailure(runner.withPropertyValues("loop.worker.argv="), "loop.worker.agent is not set");
  }

  @Test
  void anUnknownAgentNamesTheKeyAndTheValue() {
    assertFailure(runner.withPropertyValues("loop.worker.agent=gpt-pilot"), "loop.worker.agent is 'gpt-pilot'",
        "expected custom, claude-code or codex");
  }

  @Test
  void aTaskHandedToShellDashCIsRefusedUnderTheArgvKey() {
    assertFailure(runner.withPropertyValues("loop.worker.argv[0]=sh", "loop.worker.argv[1]=-c",
        "loop.worker.argv[2]={task}"), "loop.worker.argv is [sh, -c, {task}]", "shell code");
  }

  @Test
  void aNonPositiveWorkerTimeoutNamesTheKey() {
    assertFailure(runner.withPropertyValues("loop.worker.timeout=0s"), "loop.worker.timeout is PT0S");
  }

  @Test
  void aVerifierCommandWithoutExpectedOutputNamesTheKey() {
    assertFailure(runner.withPropertyValues("loop.verifier.command=sh tests/check.sh"),
        "loop.verifier.expect-output is not set for loop.verifier.command 'sh tests/check.sh'");
  }

  @Test
  void aBadExpectedOutputRegexNamesTheKeyAndTheValue() {
    assertFailure(runner.withPropertyValues("loop.verifier.command=true", "loop.verifier.expect-output=ok ("),
        "loop.verifier.expect-output is 'ok ('", "expected a regular expression");
  }

  @Test
  void aCapBelowItsMinimumNamesTheKeyAndTheValue() {
    assertFailure(runner.withPropertyValues("loop.caps.attempts-per-ticket=0"),
        "loop.caps.attempts-per-ticket is 0");
  }

  @Test
  void aCostThatIsNotAnAmountNamesTheKeyAndTheValue() {
    assertFailure(runner.withPropertyValues("loop.caps.cost-usd=lots"), "loop.caps.cost-usd is 'lots'",
        "expected a decimal amount");
  }

  @Test
  void anUnknownUnmeteredUsageNamesTheKeyAndTheValue() {
    assertFailure(runner.withPropertyValues("loop.caps.unmetered-usage=maybe"),
        "loop.caps.unmetered-usage is 'maybe'");
  }

  @Test
  void aWallClockThatIsNotADurationNamesTheKeyAndTheValue() {
    assertFailure(runner.withPropertyValues("loop.caps.wall-clock=forever"), "loop.caps.wall-clock", "forever");
  }

  @Test
  void anUnknownSandboxKindNamesTheKeyAndTheValue() {
    assertFailure(runner.withPropertyValues("loop.sandbox.kind=docker"), "loop.sandbox.kind is 'docker'");
  }

  @Test
  void noSandboxWithSandboxOptionsIsRefused() {
    assertFailure(runner.withPropertyValues("loop.sandbox.kind=none", "loop.sandbox.network=true"),
        "loop.sandbox.kind is none (no sandbox), but loop.sandbox.network");
  }

  @Test
  void aSandboxPathOverlappingTheRepositoryIsRefused() {
    assertFailure(runner.withPropertyValues("loop.sandbox.read-only[0]=" + project.repo.resolve("tests")),
        "loop.sandbox.read-only holds " + project.repo.resolve("tests"), "overlaps the repository");
  }

  @Test
  void aSandboxPathThatDoesNotExistIsRefused() {
    assertFailure(runner.withPropertyValues("loop.sandbox.writable[0]=" + tmp.resolve("gone")),
        "loop.sandbox.writable holds " + tmp.resolve("gone"), "does not exist");
  }

  @Test
  void aProtectGlobLeavingTheRepositoryIsRefused() {
    assertFailure(runner.withPropertyValues("loop.worker.protect[0]=../secrets/**"),
        "loop.worker.protect is [../secrets/**", "'../secrets/**'", "relative to the repository");
  }

  @Test
  void aRepositoryInsideTheTicketFolderIsRefused() throws Exception {
    Path nested = project.tickets.resolve("repo");
    Files.createDirectories(nested);
    TestProject.git(nested, "init", "-q", "-b", "main");
    TestProject.git(nested, "commit", "-q", "--allow-empty", "-m", "initial");
    assertFailure(runner.withPropertyValues("loop.workspace.repo=" + nested, "loop.worker.protect="),
        "loop.workspace.repo is " + nested, "lies inside " + project.tickets);
  }

  @Test
  void theRunsFolderInsideTheRepositoryIsProtectedFromWorkersBranches() {
    runner.withPropertyValues("loop.runs.directory=" + project.repo.resolve(".loop/runs")).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(StockParts.protectedGlobs(context.getBean(LoopProperties.class), context.getBean(Tracker.class),
          project.repo)).contains(".loop/runs/**", "tests/**", "tools/**");
    });
  }

  @Test
  void aNegativeShutdownTimeoutNamesTheKey() {
    assertFailure(runner.withPropertyValues("loop.runs.shutdown-timeout=-1s"), "loop.runs.shutdown-timeout is PT-1S");
  }

  private static void assertFailure(ApplicationContextRunner runner, String... fragments) {
    runner.run(context -> {
      assertThat(context).hasFailed();
      String messages = messages(context);
      for (String f : fragments) {
        assertThat(messages).contains(f);
      }
    });
  }

  /** Every message in the startup failure's cause chain. */
  private static String messages(AssertableApplicationContext context) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
      sb.append(t.getMessage()).append('\n');
    }
    return sb.toString();
  }

  @Configuration(proxyBeanMethods = false)
  static class HostParts {
    @Bean
    Tracker hostTracker() {
      return new InMemoryTracker();
    }

    @Bean
    Worker hostWorker() {
      return assignment -> WorkResult.completed("nothing", dev.loopkit.core.Usage.ZERO);
    }

    @Bean
    Verifier hostVerifier() {
      return request -> Verification.failed(java.util.List.of("the host's verifier never passes"),
          java.util.List.of());
    }

    @Bean
    Oracle hostOracle() {
      return Oracle.allDone();
    }

    @Bean
    Caps hostCaps() {
      return Caps.builder().maxAttemptsPerTicket(7).build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class DirectoryWorkspaces {
    @Bean
    Workspaces hostWorkspaces() {
      return Workspaces.directoryPerTicket(Path.of(System.getProperty("java.io.tmpdir"), "loop-host-workspaces"));
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class HostRuns {
    @Bean
    LoopEngineFactory hostEngines(Tracker tracker, Worker worker, Verifier verifier) {
      return dir -> LoopEngine.builder().tracker(tracker).worker(worker).verifier(verifier).runDirectory(dir).build();
    }

    @Bean
    LoopRuns hostRuns(LoopEngineFactory hostEngines, @org.springframework.beans.factory.annotation.Value("${test.tmp}") Path tmp) {
      return new LoopRuns(tmp.resolve("host-runs"), hostEngines);
    }
  }

  @Test
  void aRefusedValueIsReportedByTheFailureAnalyzerNamingTheKey() {
    runner.withPropertyValues("loop.caps.concurrency=0").run(context -> {
      FailureAnalysis analysis = new LoopPropertiesFailureAnalyzer().analyze(context.getStartupFailure());
      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).startsWith("Loop's configuration was refused: loop.caps.concurrency is 0");
      assertThat(analysis.getAction()).startsWith("Change loop.caps.concurrency in the application's configuration");
    });
  }

  @Test
  void theFailureAnalyzerIsRegisteredWithSpringBoot() {
    // Boot's own analyzers that need constructor arguments are skipped: only registration is checked here
    assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(FailureAnalyzer.class, null,
        SpringFactoriesLoader.FailureHandler.handleMessage((message, failure) -> { })))
        .anyMatch(a -> a instanceof LoopPropertiesFailureAnalyzer);
  }
}
