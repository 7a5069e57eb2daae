package dev.loopkit.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.VerifyRequest;
import dev.loopkit.core.Workspace;
import dev.loopkit.oracle.DefinitionTripwire;
import dev.loopkit.oracle.FingerprintSink;
import dev.loopkit.oracle.Fingerprinted;
import dev.loopkit.oracle.TrackerOracle;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A verifier of one's own: checks that the OpenAPI document a worker generated (JSON, OpenAPI 3.x) parses and
 * declares the endpoint the ticket names, with a success response and its path parameters. The endpoint comes
 * from the ticket's metadata {@value #ENDPOINT_KEY} ({@code "GET /orders/{id}"}, several separated by commas):
 * tracker data, which workers cannot write, so a worker cannot move its own finish line.
 *
 * <pre>{@code
 * OpenApiEndpointVerifier openApi = OpenApiEndpointVerifier.builder().specFile("build/openapi.json").build();
 * DefinitionTripwire tripwire = DefinitionTripwire.builder().oracle(oracle).verifier(openApi).build();
 * LoopEngine.builder()...verifier(tripwire.guard(openApi)).tripwire(tripwire)...
 * }</pre>
 *
 * <p>It shows the three duties of a verifier: a pass carries <b>positive evidence</b> (the file's SHA-256,
 * its OpenAPI version, the operation and its responses), a failure carries <b>findings</b> a fresh worker can
 * act on (what is missing and what the document declares instead), and the verifier is <b>tripwire-friendly</b>:
 * it implements {@link Fingerprinted} and describes exactly the settings that define the check, so a
 * {@link DefinitionTripwire} notices if a heal or a worker weakens it. Run {@link #main} on a directory to
 * check a document by hand. Immutable and thread-safe.
 */
public final class OpenApiEndpointVerifier implements Verifier, Fingerprinted {
  /** The ticket metadata key naming the endpoint(s) to check. */
  public static final String ENDPOINT_KEY = "openapi-endpoint";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch",
      "trace");
  private static final Pattern ENDPOINT = Pattern.compile("(?i)(" + String.join("|", METHODS) + ")\\s+(/\\S*)");
  private static final Pattern PATH_PARAMETER = Pattern.compile("\\{([^}/]+)}");
  private static final Pattern SUCCESS = Pattern.compile("2(\\d\\d|XX)");

  private final String specFile;
  private final List<String> versions;
  private final boolean requireSuccessResponse;

  private OpenApiEndpointVerifier(Builder b) {
    this.specFile = b.specFile;
    this.versions = List.copyOf(b.versions);
    this.requireSuccessResponse = b.requireSuccessResponse;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The verifier with the defaults: {@code openapi.json}, OpenAPI 3.0 or 3.1, a 2xx response required. */
  public static OpenApiEndpointVerifier create() {
    return builder().build();
  }

  /** The document's path, relative to the workspace. */
  public String specFile() {
    return specFile;
  }

  /**
   * Reads the document in the attempt's workspace and checks each endpoint the ticket names. Called on the
   * attempt's thread; reads one file, never writes.
   */
  /** The acceptance criteria and the endpoints the ticket names: changing either mid-run trips the run. */
  @Override
  public Map<String, String> finishLine(Ticket ticket) {
    Map<String, String> line = new java.util.TreeMap<>(Verifier.super.finishLine(ticket));
    line.put(ENDPOINT_KEY, ticket.metadata().getOrDefault(ENDPOINT_KEY, ""));
    return line;
  }

  @Override
  public Verification verify(VerifyRequest request) throws IOException {
    Ticket ticket = request.ticket();
    String named = ticket.metadata().getOrDefault(ENDPOINT_KEY, "").strip();
    if (named.isEmpty()) {
      return Verification.failed("ticket " + ticket.id() + " names no endpoint: expected metadata '" + ENDPOINT_KEY
          + "' such as 'GET /orders/{id}' (a person must add it; a worker cannot)");
    }
    List<String[]> endpoints = new ArrayList<>();
    for (String entry : named.split(",")) {
      Matcher m = ENDPOINT.matcher(entry.strip());
      if (!m.matches()) {
        return Verification.failed("ticket " + ticket.id() + " has " + ENDPOINT_KEY + " '" + entry.strip()
            + "': expected METHOD /path, e.g. 'GET /orders/{id}'");
      }
      endpoints.add(new String[] {m.group(1).toLowerCase(Locale.ROOT), m.group(2)});
    }

    Workspace workspace = request.workspace();
    Path root = workspace.directory().toRealPath();
    Path file = root.resolve(specFile).normalize();
    byte[] bytes;
    try {
      Path real = file.toRealPath();
      if (!real.startsWith(root)) {
        return Verification.failed(specFile + " in workspace " + root + " resolves to " + real
            + ", outside the workspace: expected the generated document inside it");
      }
      bytes = Files.readAllBytes(real);
    } catch (NoSuchFileException e) {
      return Verification.failed(specFile + " is missing in workspace " + root
          + ": expected the generated OpenAPI document there");
    }
    String sha = sha256(bytes);
    JsonNode doc;
    try {
      doc = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      return Verification.failed(List.of(specFile + " is not valid JSON: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr())), List.of(seen(sha, "unparsable", List.of())));
    }
    String version = doc == null ? "" : doc.path("openapi").asText("");
    if (versions.stream().noneMatch(v -> version.equals(v) || version.startsWith(v + "."))) {
      return Verification.failed(List.of(specFile + " has openapi '" + version + "': expected a version of "
          + String.join(" or ", versions)), List.of(seen(sha, version, List.of())));
    }
    JsonNode paths = doc.path("paths");
    List<String> declared = new ArrayList<>();
    paths.fieldNames().forEachRemaining(declared::add);

    List<String> findings = new ArrayList<>();
    List<Evidence> evidence = new ArrayList<>();
    for (String[] endpoint : endpoints) {
      check(endpoint[0], endpoint[1], paths, version, sha, findings, evidence);
    }
    if (!findings.isEmpty()) {
      return Verification.failed(findings, List.of(seen(sha, version, declared)));
    }
    return Verification.passed(evidence);
  }

  private void check(String method, String path, JsonNode paths, String version, String sha,
      List<String> findings, List<Evidence> evidence) {
    String name = method.toUpperCase(Locale.ROOT) + " " + path;
    JsonNode item = paths.path(path);
    if (!item.isObject()) {
      List<String> declared = new ArrayList<>();
      paths.fieldNames().forEachRemaining(declared::add);
      findings.add(specFile + " declares no path '" + path + "' for " + name + "; it declares " + declared);
      return;
    }
    JsonNode operation = item.path(method);
    if (!operation.isObject()) {
      Set<String> methods = new TreeSet<>();
      item.fieldNames().forEachRemaining(f -> {
        if (METHODS.contains(f)) {
          methods.add(f.toUpperCase(Locale.ROOT));
        }
      });
      findings.add(specFile + " declares path '" + path + "' without a " + method + " operation; it has "
          + methods);
      return;
    }
    List<String> responses = new ArrayList<>();
    operation.path("responses").fieldNames().forEachRemaining(responses::add);
    List<String> success = responses.stream().filter(r -> SUCCESS.matcher(r).matches()).toList();
    if (requireSuccessResponse && success.isEmpty()) {
      findings.add(name + " declares no 2xx response; it declares " + responses);
    }
    Set<String> parameters = new LinkedHashSet<>();
    collectPathParameters(item.path("parameters"), parameters);
    collectPathParameters(operation.path("parameters"), parameters);
    Matcher m = PATH_PARAMETER.matcher(path);
    boolean parametersOk = true;
    while (m.find()) {
      if (!parameters.contains(m.group(1))) {
        findings.add(name + " does not declare its path parameter '" + m.group(1) + "' (in: path); it declares "
            + parameters);
        parametersOk = false;
      }
    }
    if (parametersOk && (!requireSuccessResponse || !success.isEmpty())) {
      Map<String, String> attributes = new LinkedHashMap<>();
      attributes.put("file", specFile);
      attributes.put("sha256", sha);
      attributes.put("openapi", version);
      attributes.put("responses", String.join(",", responses));
      String operationId = operation.path("operationId").asText("");
      if (!operationId.isEmpty()) {
        attributes.put("operationId", operationId);
      }
      evidence.add(new Evidence("openapi", specFile + " (OpenAPI " + version + ") declares " + name
          + (success.isEmpty() ? "" : " answering " + String.join("/", success)), attributes));
    }
  }

  private static void collectPathParameters(JsonNode list, Set<String> into) {
    for (JsonNode p : list) {
      if ("path".equals(p.path("in").asText()) && p.path("name").isTextual()) {
        into.add(p.path("name").textValue());
      }
    }
  }

  /** What the failing check saw, so the finding is not the only record. */
  private Evidence seen(String sha, String version, List<String> paths) {
    return new Evidence("openapi", specFile + " read (openapi '" + version + "', " + paths.size() + " path(s))",
        Map.of("file", specFile, "sha256", sha, "paths", String.join(",", paths)));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /**
   * The settings that define the check, nothing else: a tripwire that fingerprints this verifier at run start
   * ends the run {@code TAMPERED} if any of them changes. The document itself is the worker's output, not part
   * of the definition, so it is not listed as a file.
   */
  @Override
  public void describe(FingerprintSink sink) {
    sink.config("spec-file", specFile)
        .config("endpoint-metadata-key", ENDPOINT_KEY)
        .config("openapi-versions", versions)
        .config("require-2xx-response", requireSuccessResponse);
  }

  @Override
  public String toString() {
    return "OpenApiEndpointVerifier{" + specFile + ", openapi " + versions
        + (requireSuccessResponse ? ", 2xx required" : "") + "}";
  }

  /** Builds an {@link OpenApiEndpointVerifier}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private String specFile = "openapi.json";
    private final List<String> versions = new ArrayList<>(List.of("3.0", "3.1"));
    private boolean requireSuccessResponse = true;

    private Builder() {}

    /**
     * Where the document is, relative to the workspace; default {@code openapi.json}.
     *
     * @throws InputException if the path is absolute or climbs out of the workspace with {@code ..}
     */
    public Builder specFile(String relativePath) {
      Path p = Path.of(relativePath);
      if (relativePath.isBlank() || p.isAbsolute() || p.normalize().startsWith("..")) {
        throw new InputException("specFile '" + relativePath + "': expected a path inside the workspace, relative"
            + " to it, e.g. build/openapi.json");
      }
      this.specFile = p.normalize().toString();
      return this;
    }

    /**
     * The OpenAPI versions accepted, as prefixes ({@code 3.1} accepts {@code 3.1.0}); default 3.0 and 3.1.
     *
     * @throws InputException if the list is empty or holds a blank version
     */
    public Builder openApiVersions(List<String> accepted) {
      if (accepted.isEmpty() || accepted.stream().anyMatch(String::isBlank)) {
        throw new InputException("openApiVersions " + accepted + ": expected one or more versions such as 3.1");
      }
      versions.clear();
      versions.addAll(accepted);
      return this;
    }

    /** Whether the operation must declare a 2xx response; default true. */
    public Builder requireSuccessResponse(boolean required) {
      this.requireSuccessResponse = required;
      return this;
    }

    public OpenApiEndpointVerifier build() {
      return new OpenApiEndpointVerifier(this);
    }
  }

  /**
   * Checks a document by hand: {@code OpenApiEndpointVerifier DIR "GET /orders/{id}" [SPEC-FILE]} verifies
   * {@code DIR/SPEC-FILE} (default {@code openapi.json}), prints the evidence or the findings and the
   * fingerprint a tripwire would record, and exits 0 on a pass, 1 on a failure, 2 on bad arguments.
   */
  public static void main(String[] args) throws IOException {
    System.exit(run(args, System.out));
  }

  static int run(String[] args, PrintStream out) throws IOException {
    if (args.length < 2 || args.length > 3) {
      out.println("usage: OpenApiEndpointVerifier DIR \"METHOD /path\" [SPEC-FILE relative to DIR]");
      return 2;
    }
    Path dir = Path.of(args[0]);
    if (!Files.isDirectory(dir)) {
      out.println("not a directory: " + dir + " (expected the workspace holding the OpenAPI document)");
      return 2;
    }
    OpenApiEndpointVerifier verifier;
    try {
      verifier = args.length == 3 ? builder().specFile(args[2]).build() : create();
    } catch (InputException e) {
      out.println(e.getMessage());
      return 2;
    }
    Ticket ticket = Ticket.builder("manual").title("check " + args[1]).putMetadata(ENDPOINT_KEY, args[1]).build();
    Verification result = verifier.verify(new VerifyRequest("manual", ticket,
        new Workspace(ticket.id(), dir, Map.of()), 1));
    if (result instanceof Verification.Failed failed) {
      out.println("FAILED");
      failed.findings().forEach(f -> out.println("  finding: " + f));
    } else {
      out.println("PASSED");
    }
    result.evidence().forEach(e -> out.println("  evidence: " + e));
    DefinitionTripwire tripwire = DefinitionTripwire.builder().oracle(TrackerOracle.create()).verifier(verifier)
        .build();
    out.println("fingerprint a tripwire records:");
    tripwire.fingerprint().forEach((k, v) -> out.println("  " + k + " = " + v));
    return result instanceof Verification.Passed ? 0 : 1;
  }
}
