package dev.loopkit.core;

/**
 * One step of an attempt's pipeline. The engine composes every attempt from stages, in order: it opens the
 * workspace, then runs {@code work → review → integrate → verify} (review and integrate only when a reviewer or
 * an integrator is set) and the stages a host adds with {@link LoopEngine.Builder#stage} or
 * {@link LoopEngine.Builder#stageAfter}; the first stage that does not pass ends the attempt. The stock stages
 * implement this same interface. Only when every stage passed does the engine's thread mark the ticket done,
 * with the evidence of the verify stage and of every added stage.
 *
 * <p>A stage runs on the attempt's worker thread, concurrently with other tickets' stages; it must be
 * thread-safe across tickets. It may block (a command, an HTTP probe) and should respond to interruption: the
 * engine interrupts attempts when the run ends. An exception is a failed attempt naming it, except
 * {@link InterruptedException} and {@link CapReachedException}, which interrupt the attempt.
 *
 * <pre>{@code
 * Stage smoke = context -> probe(context.workspace().directory())
 *     ? StageResult.passed("staging answered", List.of(Evidence.of("http-probe", "GET /health 200")))
 *     : StageResult.failed("staging did not answer GET /health");
 * LoopEngine.builder()...stageAfter(StageKind.INTEGRATE, "staging-smoke", smoke)
 * }</pre>
 */
@FunctionalInterface
public interface Stage {

  /**
   * Runs the stage for one attempt.
   *
   * @param context the attempt: its ticket, workspace, claim, evidence so far and a confined process runner
   * @return passed, failed with findings, or a request for a person with evidence
   * @throws Exception if it cannot run; the attempt fails naming it (interruptions and caps interrupt it instead)
   */
  StageResult run(StageContext context) throws Exception;
}
