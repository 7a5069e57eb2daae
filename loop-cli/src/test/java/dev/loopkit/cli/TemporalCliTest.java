package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.RunReport;
import dev.loopkit.core.Status;
import io.temporal.testserver.TestServer;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code loop run --engine temporal}, {@code loop status --target} and {@code loop worker} against Temporal's test
 * server on loopback, with the bundled quickstart: the same batch, the same ending and report as the local engine.
 */
class TemporalCliTest {
  @TempDir
  static Path dir;

  static TestServer.PortBoundTestServer server;
  static String target;
  static Path project;
  static Cli run;

  @BeforeAll
  static void runTheQuickstartOnTemporal() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    server = TestServer.createPortBoundServer(port);
    target = "127.0.0.1:" + port;
    project = Cli.quickstart(dir);
    run = Cli.run("run", "--engine", "temporal", "--target", target, "--task-queue", "qs", project.toString());
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @Test
  void theQuickstartRunsToDoneOnTemporalWithTheSameReport() {
    assertEquals(LoopCommand.DONE, run.exitCode, run.out + run.err);
    assertTrue(run.out.contains("run ended DONE"), run.out);
    var batch = ProjectEngine.tracker(ProjectConfig.read(project), Map.of()).readBatch();
    assertEquals(8, batch.withStatus(Status.DONE).size(), "the seven tickets and the one a worker filed");
    RunReport report = RunReport.of(project.resolve(".loop/runs/run-001"));
    assertEquals(8, report.tickets().size());
    assertTrue(run.out.contains("report: " + project.resolve(".loop/runs/run-001/report.html")), run.out);
  }

  @Test
  void statusQueriesTheBatchWorkflow() {
    Cli status = Cli.run("status", "--target", target, "--task-queue", "qs", project.toString());

    assertEquals(LoopCommand.DONE, status.exitCode, status.out + status.err);
    String id = TemporalOptions.runId(project.resolve(".loop/runs/run-001"));
    assertTrue(status.out.contains("temporal: workflow " + id + " in default on qs: ended DONE, 1 workflow run(s),"
        + " 1 session(s)"), status.out);
  }

  @Test
  void aCoordinatorOnlyRunHasEveryAttemptWorkedByALoopWorker(@TempDir Path other) throws Exception {
    Path second = Cli.quickstart(other);
    ProjectEngine.prepareRepository(ProjectConfig.read(second)); // one repository on this machine, made once
    Cli[] worker = new Cli[1];
    Thread host = new Thread(() -> worker[0] = Cli.run("worker", "--target", target, "--task-queue", "qs2",
        "--host-id", "w1", "--max-parallel", "2", second.toString()));
    host.start();
    Cli coordinator = Cli.run("run", "--engine", "temporal", "--target", target, "--task-queue", "qs2",
        "--coordinator-only", second.toString());
    host.interrupt();
    host.join(30_000);

    assertEquals(LoopCommand.DONE, coordinator.exitCode, coordinator.out + coordinator.err);
    assertEquals(8, ProjectEngine.tracker(ProjectConfig.read(second), Map.of()).readBatch()
        .withStatus(Status.DONE).size());
    assertTrue(worker[0].out.contains("worker host w1 on qs2"), worker[0].out + worker[0].err);
    assertTrue(worker[0].out.contains("worker host stopped"), worker[0].out + worker[0].err);
    var workspaces = dev.loopkit.core.RunDirectory.of(second.resolve(".loop/runs/run-001")).events().stream()
        .filter(e -> e instanceof dev.loopkit.core.LoopEvent.StageCompleted c
            && c.kind() == dev.loopkit.core.StageKind.WORKSPACE).toList();
    assertTrue(!workspaces.isEmpty() && workspaces.stream().allMatch(e -> ((dev.loopkit.core.LoopEvent.StageCompleted) e)
        .attributes().get("temporal-host-queue").equals("qs2@w1")), "every workspace was opened by loop worker w1");
  }

  @Test
  void aTargetWithoutTheTemporalEngineIsRefusedNamingBoth() {
    Cli bad = Cli.run("run", "--target", target, project.toString());
    assertEquals(LoopCommand.ERROR, bad.exitCode);
    assertTrue(bad.err.contains("--target " + target + " is given but --engine is local"), bad.err);
    Cli noTarget = Cli.run("run", "--engine", "temporal", project.toString());
    assertTrue(noTarget.err.contains("--engine temporal needs --target HOST:PORT"), noTarget.err);
    Cli worker = Cli.run("worker", "--target", "nowhere", project.toString());
    assertEquals(LoopCommand.ERROR, worker.exitCode);
    assertTrue(worker.err.contains("temporal target 'nowhere': expected host:port"), worker.err);
  }
}
