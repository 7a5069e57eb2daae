package dev.loopkit.temporal.internal;

import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.lang.management.ManagementFactory;
import org.jspecify.annotations.Nullable;

/** Not API: registers a host's workflows and activities on the task queues of {@link Queues}. */
public final class Hosting {
  private Hosting() {}

  /**
   * Registers on {@code factory}: the workflows on the shared queue; the stages (when given) on the shared queue
   * (workspaces) and the host's own queue (every later stage), at most {@code maxParallel} at once on each; the
   * coordinator's activities (when given) on the coordinators' queue and this coordinator's own.
   */
  public static void register(WorkerFactory factory, String taskQueue, String hostId,
      @Nullable StageActivities stages, @Nullable CoordinatorActivities coordinator, int maxParallel) {
    WorkerOptions options = WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(maxParallel).build();
    io.temporal.worker.Worker shared = factory.newWorker(taskQueue, options);
    shared.registerWorkflowImplementationTypes(BatchWorkflowImpl.class, AttemptWorkflowImpl.class);
    if (stages != null) {
      shared.registerActivitiesImplementations(stages);
      factory.newWorker(Queues.host(taskQueue, hostId), options).registerActivitiesImplementations(stages);
    }
    if (coordinator != null) {
      factory.newWorker(Queues.coordinators(taskQueue)).registerActivitiesImplementations(coordinator);
      factory.newWorker(Queues.coordinator(taskQueue, hostId)).registerActivitiesImplementations(coordinator);
    }
  }

  /** A host id unique on a network of hosts: the host name and this process's id. */
  public static String defaultHostId() {
    String name = ManagementFactory.getRuntimeMXBean().getName(); // pid@hostname
    int at = name.indexOf('@');
    String id = at < 0 ? name : name.substring(at + 1) + "-" + name.substring(0, at);
    return id.replaceAll("[^A-Za-z0-9._-]", "-");
  }
}
