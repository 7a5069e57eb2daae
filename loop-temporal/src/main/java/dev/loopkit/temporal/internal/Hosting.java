package dev.loopkit.temporal.internal;

import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** Not API: registers a host's workflows and activities on the task queues of {@link Queues}. */
public final class Hosting {
  private Hosting() {}

  /**
   * Registers on {@code factory}: the workflows on the shared queue; the stages (when given) on the shared queue
   * (workspaces) and the host's own queue (every later stage), at most {@code maxParallel} at once on each; the
   * coordinator's activities (when given) on the coordinators' queue and this coordinator's own. Without
   * {@code workflows} this process runs no workflow tasks (other processes on the queue must).
   *
   * @param factory the factory the workers are created on
   * @param taskQueue the run's task queue, as configured
   * @param hostId this host's id, which names its own queues
   * @param stages this host's stages, or null when it runs none
   * @param coordinator the coordinator's activities, or null when this process is no coordinator
   * @param maxParallel the most activities each worker of the shared and the host's own queue runs at once
   * @param workflows whether this process runs workflow tasks
   */
  public static void register(WorkerFactory factory, String taskQueue, String hostId,
      @Nullable StageActivities stages, @Nullable CoordinatorActivities coordinator, int maxParallel,
      boolean workflows) {
    WorkerOptions options = WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(maxParallel).build();
    // a host that dies holding a workflow's sticky cache stalls that workflow for this long, then any host takes it
    WorkerOptions workflowOptions = WorkerOptions.newBuilder(options).setStickyQueueScheduleToStartTimeout(
        Duration.ofSeconds(1)).build();
    io.temporal.worker.Worker shared = workflows || stages != null ? factory.newWorker(taskQueue, workflowOptions)
        : null;
    if (shared != null && workflows) {
      shared.registerWorkflowImplementationTypes(BatchWorkflowImpl.class, AttemptWorkflowImpl.class);
    }
    if (shared != null && stages != null) {
      shared.registerActivitiesImplementations(stages);
      factory.newWorker(Queues.host(taskQueue, hostId), options).registerActivitiesImplementations(stages);
    }
    if (coordinator != null) {
      factory.newWorker(Queues.coordinators(taskQueue)).registerActivitiesImplementations(coordinator);
      factory.newWorker(Queues.coordinator(taskQueue, hostId)).registerActivitiesImplementations(coordinator);
    }
  }

  /**
   * A worker factory on {@code client}; with {@code workflowCacheSize} 0 workflows are not cached, so no workflow
   * task waits on the sticky queue of a host that died (Temporal's standalone test server never falls back from
   * one; a real cluster falls back after the sticky schedule-to-start timeout).
   *
   * @param client the client the workers poll through
   * @param workflowCacheSize the most workflows kept cached; 0 for none
   * @return a new factory, not started
   */
  public static WorkerFactory factory(io.temporal.client.WorkflowClient client, int workflowCacheSize) {
    return WorkerFactory.newInstance(client, io.temporal.worker.WorkerFactoryOptions.newBuilder()
        .setWorkflowCacheSize(workflowCacheSize).build());
  }

  /**
   * A host id unique on a network of hosts: the host name and this process's id.
   *
   * @return {@code <host name>-<process id>}, every character other than letters, digits, '.', '_' and '-'
   *     replaced by '-'
   */
  public static String defaultHostId() {
    String name = ManagementFactory.getRuntimeMXBean().getName(); // pid@hostname
    int at = name.indexOf('@');
    String id = at < 0 ? name : name.substring(at + 1) + "-" + name.substring(0, at);
    return id.replaceAll("[^A-Za-z0-9._-]", "-");
  }
}
