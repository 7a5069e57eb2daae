package dev.loopkit.beads;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.AdapterException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * bd's JSON contract over {@link BdRunner}: runs one command with {@code --json} among its arguments and returns
 * the payload of the answer (the envelope's {@code data}), turns a non-zero exit into a {@link BdException}
 * carrying the code of bd's JSON error, and reports an answer of the wrong shape as an {@link AdapterException}
 * naming the command and the field. Everything bd wrote is redacted before it is quoted. Thread-safe.
 */
final class BdClient {
  private static final Logger log = LoggerFactory.getLogger(BdClient.class);

  private final BdRunner bd;
  private final ObjectMapper json = new ObjectMapper();
  private final Set<String> retryableCodes;
  private volatile boolean warnedSchema;

  BdClient(BdRunner runner, Set<String> retryableCodes) {
    this.bd = runner;
    this.retryableCodes = Set.copyOf(retryableCodes);
  }

  Path directory() {
    return bd.directory();
  }

  long invocations() {
    return bd.invocations();
  }

  /** The text with the secrets bd was given replaced, for quoting anything bd wrote. */
  String redact(String text) {
    return bd.redact(text);
  }

  /**
   * Runs bd and returns the payload of its answer: {@code data} of the envelope, or, from a bd that ignored
   * {@code BD_JSON_ENVELOPE}, the bare array or the object with {@code schema_version} injected.
   *
   * @throws BdException when bd exits non-zero (its JSON error's code, if any, on the exception)
   * @throws AdapterException when the answer is not JSON of the expected shape, naming the command and field
   */
  JsonNode call(List<String> args, @Nullable String stdin, String what) {
    BdRunner.Result r = bd.run(args, stdin, what);
    if (r.exit() != 0) {
      throw failure(r, what);
    }
    JsonNode root = parse(r.stdout(), what);
    if (root == null) {
      throw malformed(what, "stdout", "a JSON answer, got " + (r.stdout().isBlank() ? "nothing"
          : excerpt(bd.redact(r.stdout()))));
    }
    if (root.isArray()) {
      return root;
    }
    if (!root.isObject()) {
      throw malformed(what, "stdout", "a JSON object or array, got " + excerpt(bd.redact(root.toString())));
    }
    JsonNode version = root.get("schema_version");
    if (version == null) {
      throw malformed(what, "field 'schema_version'", "the envelope {\"schema_version\":1,\"data\":...}");
    }
    if (!version.canConvertToInt()) {
      throw malformed(what, "field 'schema_version'", "an integer, got " + excerpt(version.toString()));
    }
    if (version.asInt() != 1 && !warnedSchema) {
      warnedSchema = true;
      log.warn("{} answered schema_version {}; this tracker was written for 1 and reads it anyway", what,
          version.asInt());
    }
    if (root.has("data")) {
      return root.get("data");
    }
    ObjectNode legacy = ((ObjectNode) root).deepCopy();
    legacy.remove("schema_version");
    return legacy;
  }

  private BdException failure(BdRunner.Result r, String what) {
    JsonNode error = errorObject(r.stderr(), what);
    if (error == null) {
      error = errorObject(r.stdout(), what); // bd before 1.3 wrote some errors to stdout
    }
    String code = error == null ? "" : error.path("code").asText("");
    String message = error != null ? error.path("error").asText("")
        : r.stderr().isBlank() ? r.stdout().strip() : r.stderr().strip();
    message = excerpt(bd.redact(message));
    // a bd killed by a signal (exit 128+N) gave no answer at all: the same call may well succeed
    boolean retryable = retryableCodes.contains(code) || r.exit() >= 128;
    return new BdException(what + " failed in " + bd.directory() + " (exit " + r.exit()
        + (code.isEmpty() ? "" : ", code " + code) + "): " + (message.isEmpty() ? "no message" : message),
        code, message, retryable);
  }

  /** The error object bd wrote ({@code {"error","code"}}, possibly inside an envelope), or null. */
  private @Nullable JsonNode errorObject(String text, String what) {
    int start = text.indexOf('{');
    while (start >= 0) {
      JsonNode node = parse(text.substring(start), what);
      if (node != null && node.isObject()) {
        JsonNode inner = node.has("data") && node.get("data").isObject() ? node.get("data") : node;
        if (inner.has("error")) {
          return inner;
        }
      }
      start = text.indexOf('{', start + 1);
    }
    return null;
  }

  private @Nullable JsonNode parse(String text, String what) {
    if (text.isBlank()) {
      return null;
    }
    try {
      return json.readTree(text);
    } catch (JsonProcessingException e) {
      log.debug("{} answered text that is not JSON: {}", what, bd.redact(e.getOriginalMessage()));
      return null;
    }
  }

  Iterable<JsonNode> array(JsonNode payload, String what) {
    if (!payload.isArray()) {
      throw malformed(what, "data", "a JSON array of beads, got " + excerpt(bd.redact(payload.toString())));
    }
    return payload;
  }

  AdapterException malformed(String command, String field, String expected) {
    return new AdapterException(bd.redact(command + " in " + bd.directory() + " answered malformed JSON at " + field
        + ": expected " + expected + " (the beads 1.3 JSON contract, schema_version 1)"));
  }

  static String excerpt(String text) {
    String t = text.strip();
    return t.length() <= 300 ? t : t.substring(0, 300) + "…";
  }
}
