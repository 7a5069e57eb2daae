package dev.loopkit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.Finding;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.VerifyRequest;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspace;
import dev.loopkit.oracle.DefinitionTripwire;
import dev.loopkit.oracle.TrackerOracle;
import dev.loopkit.testing.InMemoryTracker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenApiEndpointVerifierTest {
  private static final String ORDERS = """
      {"openapi": "3.0.3", "info": {"title": "orders", "version": "1"},
       "paths": {
         "/orders": {"post": {"operationId": "createOrder", "responses": {"201": {"description": "created"}}}},
         "/orders/{id}": {
           "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
           "get": {"operationId": "getOrder", "responses": {"200": {"description": "the order"},
                                                           "404": {"description": "no such order"}}}}}}
      """;

  @TempDir
  Path dir;

  private final OpenApiEndpointVerifier verifier = OpenApiEndpointVerifier.create();

  private Verification verify(String endpoint) throws IOException {
    Ticket ticket = Ticket.builder("API-1").title("serve " + endpoint)
        .putMetadata(OpenApiEndpointVerifier.ENDPOINT_KEY, endpoint).build();
    return verifier.verify(new VerifyRequest("run-1", ticket, new Workspace("API-1", dir, Map.of()), 1));
  }

  private void spec(String json) throws IOException {
    Files.writeString(dir.resolve("openapi.json"), json);
  }

  private static List<String> findings(Verification v) {
    return assertInstanceOf(Verification.Failed.class, v).findings();
  }

  @Test
  void passesWithEvidenceOfTheOperationItsResponsesAndTheFilesHash() throws IOException {
    spec(ORDERS);

    Verification v = verify("GET /orders/{id}, POST /orders");

    Verification.Passed passed = assertInstanceOf(Verification.Passed.class, v, v.toString());
    assertEquals(2, passed.evidence().size());
    Evidence get = passed.evidence().get(0);
    assertEquals("openapi.json (OpenAPI 3.0.3) declares GET /orders/{id} answering 200", get.summary());
    assertEquals("getOrder", get.attributes().get("operationId"));
    assertEquals("200,404", get.attributes().get("responses"));
    assertEquals(64, get.attributes().get("sha256").length());
    assertEquals("createOrder", passed.evidence().get(1).attributes().get("operationId"));
  }

  @Test
  void aMissingPathFailsNamingThePathsTheDocumentDeclares() throws IOException {
    spec(ORDERS);

    Verification v = verify("DELETE /orders/{id}/items");

    assertEquals(List.of("openapi.json declares no path '/orders/{id}/items' for DELETE /orders/{id}/items; it"
        + " declares [/orders, /orders/{id}]"), findings(v));
    assertEquals("/orders,/orders/{id}", v.evidence().get(0).attributes().get("paths"));
  }

  @Test
  void aMissingMethodFailsNamingTheMethodsThePathHas() throws IOException {
    spec(ORDERS);

    assertEquals(List.of("openapi.json declares path '/orders' without a get operation; it has [POST]"),
        findings(verify("GET /orders")));
  }

  @Test
  void anOperationWithoutASuccessResponseOrItsPathParameterFails() throws IOException {
    spec("""
        {"openapi": "3.1.0", "paths": {"/orders/{id}": {"get": {"responses": {"404": {"description": "no"}}}}}}
        """);

    List<String> findings = findings(verify("GET /orders/{id}"));

    assertEquals(List.of("GET /orders/{id} declares no 2xx response; it declares [404]",
        "GET /orders/{id} does not declare its path parameter 'id' (in: path); it declares []"), findings);
  }

  @Test
  void aMissingOrUnparsableDocumentOrAnotherVersionFails() throws IOException {
    assertTrue(findings(verify("GET /orders")).get(0).startsWith("openapi.json is missing in workspace "));

    spec("{\"openapi\": \"3.0.3\",\n \"paths\": {,}}");
    String parse = findings(verify("GET /orders")).get(0);
    assertTrue(parse.startsWith("openapi.json is not valid JSON") && parse.contains("line 2"), parse);

    spec("{\"swagger\": \"2.0\", \"paths\": {}}");
    assertEquals(List.of("openapi.json has openapi '': expected a version of 3.0 or 3.1"),
        findings(verify("GET /orders")));
  }

  @Test
  void aTicketThatNamesNoEndpointOrAMalformedOneFailsNamingTheMetadataKey() throws IOException {
    spec(ORDERS);
    Ticket bare = Ticket.builder("API-2").title("serve orders").build();

    Verification none = verifier.verify(new VerifyRequest("run-1", bare, new Workspace("API-2", dir, Map.of()), 1));

    assertTrue(findings(none).get(0).contains("expected metadata 'openapi-endpoint'"), findings(none).toString());
    assertEquals(List.of("ticket API-1 has openapi-endpoint 'orders/{id}': expected METHOD /path, e.g. 'GET"
        + " /orders/{id}'"), findings(verify("orders/{id}")));
  }

  @Test
  void aDocumentLinkedFromOutsideTheWorkspaceIsNotRead() throws IOException {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("openapi.json"), ORDERS);
    Path workspace = Files.createDirectories(dir.resolve("ws"));
    Files.createSymbolicLink(workspace.resolve("openapi.json"), outside.resolve("openapi.json"));
    Ticket ticket = Ticket.builder("API-3").title("t").putMetadata(OpenApiEndpointVerifier.ENDPOINT_KEY, "GET /orders")
        .build();

    Verification v = verifier.verify(new VerifyRequest("run-1", ticket, new Workspace("API-3", workspace, Map.of()), 1));

    assertTrue(findings(v).get(0).contains("outside the workspace"), findings(v).toString());
  }

  @Test
  void theBuilderRejectsASpecFileOutsideTheWorkspace() {
    InputException absolute = assertThrows(InputException.class,
        () -> OpenApiEndpointVerifier.builder().specFile("/etc/openapi.json"));
    InputException climbing = assertThrows(InputException.class,
        () -> OpenApiEndpointVerifier.builder().specFile("build/../../openapi.json"));

    assertTrue(absolute.getMessage().contains("'/etc/openapi.json'"), absolute.getMessage());
    assertTrue(climbing.getMessage().contains("expected a path inside the workspace"), climbing.getMessage());
  }

  @Test
  void aTripwireFingerprintsItsSettingsStablyAndSeesAWeakenedCopy() {
    DefinitionTripwire strict = DefinitionTripwire.builder().oracle(TrackerOracle.create()).verifier(verifier).build();
    DefinitionTripwire weak = DefinitionTripwire.builder().oracle(TrackerOracle.create())
        .verifier(OpenApiEndpointVerifier.builder().requireSuccessResponse(false).build()).build();

    Map<String, String> first = strict.fingerprint();

    assertEquals(first, strict.fingerprint());
    assertTrue(first.keySet().stream().anyMatch(k -> k.endsWith("require-2xx-response")), first.keySet().toString());
    assertTrue(first.keySet().stream().anyMatch(k -> k.endsWith("spec-file")), first.keySet().toString());
    assertNotEquals(first, weak.fingerprint());
  }

  @Test
  void inTheEngineAFailedCheckTeachesTheNextFreshAttemptWhatIsMissing() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("API-1").title("Serve GET /orders/{id}")
        .putMetadata(OpenApiEndpointVerifier.ENDPOINT_KEY, "GET /orders/{id}").build());
    DefinitionTripwire tripwire = DefinitionTripwire.builder().oracle(TrackerOracle.create()).verifier(verifier)
        .build();
    List<List<Finding>> seen = new ArrayList<>();

    RunResult result = LoopEngine.builder()
        .tracker(tracker)
        .worker(a -> {
          seen.add(a.findings());
          // the first attempt forgets the path parameter; the second reads the finding and adds it
          String spec = a.findings().isEmpty() ? ORDERS.replace("\"parameters\"", "\"x-parameters\"") : ORDERS;
          Files.writeString(a.workspace().directory().resolve("openapi.json"), spec);
          return WorkResult.completed("generated openapi.json", Usage.ZERO);
        })
        .oracle(TrackerOracle.create())
        .verifier(tripwire.guard(verifier)).tripwire(tripwire)
        .runDirectory(dir.resolve("run"))
        .build().run();

    assertEquals(RunEnding.Kind.DONE, result.ending().kind(), result.ending().describe());
    assertEquals(2, seen.size());
    assertTrue(seen.get(1).get(0).message().contains("does not declare its path parameter 'id'"),
        seen.get(1).toString());
    assertEquals(Status.DONE, tracker.ticket("API-1").status());
    assertEquals("getOrder", result.report().tickets().get(0).evidence().get(0).attributes().get("operationId"));
  }

  @Test
  void mainPrintsTheEvidenceAndTheFingerprintAndExitsByOutcome() throws IOException {
    spec(ORDERS);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    assertEquals(0, OpenApiEndpointVerifier.run(new String[] {dir.toString(), "GET /orders/{id}"}, out));
    assertEquals(1, OpenApiEndpointVerifier.run(new String[] {dir.toString(), "PUT /orders/{id}"}, out));
    assertEquals(2, OpenApiEndpointVerifier.run(new String[] {dir.toString()}, out));

    String text = printed.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("PASSED\n  evidence: openapi: openapi.json (OpenAPI 3.0.3) declares GET /orders/{id}"),
        text);
    assertTrue(text.contains("FAILED\n  finding: openapi.json declares path '/orders/{id}' without a put"), text);
    assertTrue(text.contains("spec-file = sha256:"), text);
  }
}
