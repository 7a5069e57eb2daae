package dev.loopkit.core;

/**
 * Something an earlier attempt learned that the next fresh worker should know: a verifier's failure, a
 * reviewer's requested change, a merge conflict. {@code stage} is where it came from ({@code work},
 * {@code review}, {@code integrate}, {@code verify}, {@code workspace}, {@code engine}).
 */
public record Finding(int attempt, String stage, String message) {

  @Override
  public String toString() {
    return "attempt " + attempt + " " + stage + ": " + message;
  }
}
