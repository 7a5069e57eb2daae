package dev.loopkit.temporal.internal;

/** Not API: the task queue names derived from the one a user configures. */
public final class Queues {
  /** The workspace attribute naming the task queue of the host that opened the workspace. */
  public static final String HOST_ATTRIBUTE = "temporal-host-queue";

  private Queues() {}

  /**
   * Where any coordinator of the run takes its sessions and decisions.
   *
   * @param taskQueue the run's task queue
   * @return {@code <taskQueue>-coordinator}
   */
  public static String coordinators(String taskQueue) {
    return taskQueue + "-coordinator";
  }

  /**
   * The queue only this host polls: the later stages of the attempts it opened.
   *
   * @param taskQueue the run's task queue
   * @param hostId the host's id
   * @return {@code <taskQueue>@<hostId>}
   */
  public static String host(String taskQueue, String hostId) {
    return taskQueue + "@" + hostId;
  }

  /**
   * The queue only this coordinator polls: discoveries of the attempts it runs.
   *
   * @param taskQueue the run's task queue
   * @param hostId the coordinator's host id
   * @return {@code <taskQueue>-coordinator@<hostId>}
   */
  public static String coordinator(String taskQueue, String hostId) {
    return coordinators(taskQueue) + "@" + hostId;
  }

  /**
   * The workflow id of one attempt.
   *
   * @param runId the run's id
   * @param ticketId the ticket's id
   * @param attempt the attempt's number
   * @return {@code <runId>/<ticketId>/<attempt>}
   */
  public static String attemptId(String runId, String ticketId, int attempt) {
    return runId + "/" + ticketId + "/" + attempt;
  }
}
