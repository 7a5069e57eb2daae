package dev.loopkit.llm.heal;

import dev.loopkit.core.HealContext;
import dev.loopkit.core.InputException;
import java.util.List;
import java.util.Objects;

/**
 * Evidence the host adds to what a {@link ModelHealer} reads, beyond what the {@link HealContext} carries (the
 * recent findings and the outstanding tickets): a verifier's full output, excerpts of the failed attempts'
 * transcripts, a log. Called once per heal, on the engine's thread, before the model's first turn; the healer
 * reads each excerpt by name with its {@code read_evidence} tool and may quote it in its verdict. Excerpts are
 * scrubbed of secrets before the model or the transcript sees them; keep them short (a few thousand
 * characters each), the model reads them in pages.
 *
 * <pre>{@code
 * HealEvidence verifierOutput = ctx -> List.of(
 *     HealEvidence.Excerpt.of("verifier/A", Files.readString(runDir.resolve("verify-A.log"))));
 * }</pre>
 */
@FunctionalInterface
public interface HealEvidence {

  /**
   * The excerpts for this heal; an exception fails the heal (the engine names the healer).
   *
   * @param context the heal's context: the run, its outstanding tickets and why it is stopping
   * @return the excerpts, in the order the healer lists them; empty for none
   * @throws Exception when the evidence cannot be gathered; the heal then fails
   */
  List<Excerpt> gather(HealContext context) throws Exception;

  /**
   * No evidence beyond the context's.
   *
   * @return evidence that adds no excerpt
   */
  static HealEvidence none() {
    return context -> List.of();
  }

  /**
   * The tail of each outstanding ticket's latest attempt transcript, as {@code ModelWorker} writes them
   * ({@code <run dir>/transcripts/<ticket>-attempt-<n>.jsonl}): at most {@code maxChars} characters from the
   * end, cut at a line start, named {@code transcript/<ticket>-attempt-<n>}. Tickets without a transcript are
   * skipped. Reads at most one file per outstanding ticket handed to the healer.
   *
   * @param runDirectory the run's directory
   * @param maxChars at least 1,000
   * @return the evidence
   * @throws InputException when {@code maxChars} is below 1,000
   */
  static HealEvidence attemptTranscripts(java.nio.file.Path runDirectory, int maxChars) {
    Objects.requireNonNull(runDirectory, "runDirectory");
    if (maxChars < 1000) {
      throw new InputException("transcript excerpt size " + maxChars + " passed to HealEvidence.attemptTranscripts:"
          + " expected at least 1000 characters");
    }
    return context -> AttemptTranscripts.excerpts(runDirectory.resolve("transcripts"), context, maxChars);
  }

  /**
   * One piece of evidence, read-only to the healer.
   *
   * @param name how the healer asks for it: letters, digits and {@code / . _ -}, e.g. {@code verifier/A}
   * @param text the text itself
   */
  record Excerpt(String name, String text) {
    /**
     * Checks the name.
     *
     * @param name the excerpt's name
     * @param text the text itself
     * @throws InputException when the name is not of the documented form
     */
    public Excerpt {
      Objects.requireNonNull(text, "text");
      if (!name.matches("[A-Za-z0-9][A-Za-z0-9/._-]{0,127}")) {
        throw new InputException("evidence name '" + name + "': expected 1-128 letters, digits, / . _ - (starting"
            + " with a letter or digit), e.g. verifier/A");
      }
    }

    /**
     * An excerpt of this name and text.
     *
     * @param name how the healer asks for it
     * @param text the text itself
     * @return the excerpt
     * @throws InputException when the name is not of the documented form
     */
    public static Excerpt of(String name, String text) {
      return new Excerpt(name, text);
    }
  }
}
