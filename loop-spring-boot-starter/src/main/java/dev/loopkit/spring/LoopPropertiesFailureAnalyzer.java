package dev.loopkit.spring;

import dev.loopkit.core.InputException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a refused {@code loop.*} value into Spring Boot's "APPLICATION FAILED TO START" report: the refusal's
 * message (the key, the value, what was expected) as the description, and where to fix it as the action, rather
 * than a stack trace first. Other failures are left to Spring Boot's analyzers. Registered in
 * {@code META-INF/spring.factories}.
 */
final class LoopPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<InputException> {
  LoopPropertiesFailureAnalyzer() {}

  @Override
  protected @Nullable FailureAnalysis analyze(Throwable rootFailure, InputException cause) {
    String message = cause.getMessage();
    if (message == null || !message.startsWith("loop.")) {
      return null; // not one of the starter's keys: Spring Boot reports it as it is
    }
    String key = message.substring(0, message.indexOf(' ') > 0 ? message.indexOf(' ') : message.length());
    return new FailureAnalysis("Loop's configuration was refused: " + message,
        "Change " + key + " in the application's configuration (application.yml, application.properties or the"
            + " environment), or define the part as a bean of your own.", cause);
  }
}
