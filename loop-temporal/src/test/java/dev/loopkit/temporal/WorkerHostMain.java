package dev.loopkit.temporal;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Sandbox;
import io.temporal.client.WorkflowClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A worker-host process for {@link SeveralMachinesTest}:
 * {@code <target> <host id> <done folder> <workspaces> [workflows] [slow]} (with {@code workflows} it also runs the
 * workflow tasks; with {@code slow} its worker takes 6 s per ticket instead of 0.3 s, so that an attempt seen in
 * flight on it is still working when the test kills it).
 * Its worker marks {@code <done>/started-<host>-<ticket>-<attempt>} when it starts and {@code finished-…} when it
 * ends; writes {@code <done>/<ticket>.txt} naming this host, and on ticket
 * T07 files a discovered ticket; its verifier passes on that file.
 */
public final class WorkerHostMain {
  private WorkerHostMain() {}

  public static void main(String[] args) throws Exception {
    String hostId = args[1];
    Path done = Path.of(args[2]);
    List<String> flags = List.of(args).subList(4, args.length);
    long workMillis = flags.contains("slow") ? 6_000 : 300;
    WorkflowClient client = TemporalConnection.connect(args[0], "default", null);
    TemporalWorkerHost host = TemporalWorkerHost.builder(client).taskQueue("machines").hostId(hostId)
        .workspaces(Workspaces.directoryPerTicket(Path.of(args[3])))
        .worker(a -> {
          String mark = hostId + "-" + a.ticket().id() + "-" + a.attempt();
          Files.writeString(done.resolve("started-" + mark), ""); // the test kills a host mid-work by these marks
          Thread.sleep(workMillis);
          if (a.ticket().id().equals("T07")) {
            a.discoveries().file(NewTicket.builder("follow-up found on T07").build(), false);
          }
          Files.writeString(done.resolve(a.ticket().id() + ".txt"), hostId);
          Files.writeString(done.resolve("finished-" + mark), "");
          return WorkResult.completed("worked on " + hostId, Usage.tokens(10, 10));
        })
        .verifier(r -> {
          Path f = done.resolve(r.ticket().id() + ".txt");
          return Files.exists(f)
              ? Verification.passed(new Evidence("file", f.getFileName() + " written", Map.of("by", Files.readString(f))))
              : Verification.failed(List.of("expected " + f.getFileName()), List.of());
        })
        .sandbox(Sandbox.none()).maxParallelAttempts(2).workflowCacheSize(0)
        .pollsWorkflows(flags.contains("workflows")).build();
    host.start();
    System.out.println("ready " + hostId);
    Thread.currentThread().join(); // until killed
  }
}
