package dev.loopkit.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Verification;
import dev.loopkit.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpProbeVerifierTest {
  @TempDir Path dir;
  private final MockWebServer server = new MockWebServer();
  private final ManualClock clock = new ManualClock();
  /** The events the observation endpoint answers with, as JSON objects; the webhook appends to it. */
  private final List<String> events = new ArrayList<>();
  private final AtomicInteger polls = new AtomicInteger();
  private int deliverAfterPolls = 0;
  private int orderStatus = 202;

  @BeforeEach
  void start() throws IOException {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String path = request.getPath();
        if (path.startsWith("/orders") && request.getMethod().equals("POST")) {
          String body = request.getBody().clone().readUtf8();
          String ref = body.replaceAll(".*\"ref\":\"([^\"]+)\".*", "$1");
          synchronized (events) {
            pending = "{\"type\":\"order.created\",\"ref\":\"" + ref + "\"}";
          }
          return new MockResponse().setResponseCode(orderStatus).setHeader("Content-Type", "application/json")
              .setBody("{\"accepted\":true}");
        }
        if (path.startsWith("/events")) {
          synchronized (events) {
            if (polls.incrementAndGet() > deliverAfterPolls && pending != null) {
              events.add(pending);
              pending = null;
            }
            return new MockResponse().setHeader("Content-Type", "application/json")
                .setBody("{\"events\":[" + String.join(",", events) + "]}");
          }
        }
        if (path.startsWith("/plain")) {
          return new MockResponse().setHeader("Content-Type", "text/plain").setBody("all good, trust me");
        }
        return new MockResponse().setResponseCode(404);
      }
    });
    server.start();
  }

  private String pending;

  @AfterEach
  void stop() throws IOException {
    server.shutdown();
  }

  private HttpProbeVerifier.Builder probe() {
    return HttpProbeVerifier.builder()
        .send(ProbeRequest.post(server.url("/orders").toString(), "application/json", "{\"ref\":\"${nonce}\"}"))
        .observe(server.url("/events").toString()).events("/events").where("/ref", "${nonce}")
        .where("/type", "order.created").deadline(Duration.ofSeconds(10)).pollInterval(Duration.ofSeconds(1))
        .clock(clock).sleeper(clock.sleeper()).nonces(() -> "nonce-1");
  }

  private static Evidence kind(Verification v, String kind) {
    return v.evidence().stream().filter(e -> e.kind().equals(kind)).findFirst().orElseThrow();
  }

  @Test
  void passesWhenTheExpectedEventArrivesAfterSomePolls() throws Exception {
    deliverAfterPolls = 2;
    Verification v = probe().build().verify(Requests.in(dir));
    assertInstanceOf(Verification.Passed.class, v, v.toString());
    Evidence observed = kind(v, "http-probe");
    assertEquals("3", observed.attributes().get("polls"));
    assertEquals("1", observed.attributes().get("matchingEvents"));
    assertEquals("nonce-1", observed.attributes().get("nonce"));
    assertEquals("2000", observed.attributes().get("waitedMillis"));
    assertEquals("202", kind(v, "http-request").attributes().get("status"));
    RecordedRequest sent = server.takeRequest();
    assertEquals("{\"ref\":\"nonce-1\"}", sent.getBody().readUtf8());
  }

  @Test
  void silenceIsAFailureWithEvidenceOfWhatWasSentAndSeen() throws Exception {
    deliverAfterPolls = Integer.MAX_VALUE;
    Verification v = probe().build().verify(Requests.in(dir));
    Verification.Failed f = assertInstanceOf(Verification.Failed.class, v);
    String finding = f.findings().get(0);
    assertTrue(finding.startsWith("no matching event arrived: 0 of 1 expected matching events (0 events seen)"), finding);
    assertTrue(finding.contains("after sending POST " + server.url("/orders") + " -> 202"), finding);
    Evidence observed = kind(v, "http-probe");
    assertEquals("11", observed.attributes().get("polls"));
    assertEquals("0", observed.attributes().get("matchingEvents"));
    assertEquals(Sha256.hex("{\"events\":[]}"), observed.attributes().get("lastBodySha256"));
    assertEquals(Duration.ofSeconds(10), Duration.between(new ManualClock().instant(), clock.instant()));
  }

  @Test
  void eventsFromEarlierProbesDoNotCount() throws Exception {
    events.add("{\"type\":\"order.created\",\"ref\":\"nonce-from-yesterday\"}");
    deliverAfterPolls = Integer.MAX_VALUE;
    Verification v = probe().deadline(Duration.ofSeconds(2)).build().verify(Requests.in(dir));
    assertInstanceOf(Verification.Failed.class, v);
    assertEquals("1", kind(v, "http-probe").attributes().get("eventsSeen"));
    assertEquals("0", kind(v, "http-probe").attributes().get("matchingEvents"));
  }

  @Test
  void tooFewEventsIsAFailure() throws Exception {
    Verification v = probe().expectEvents(2).deadline(Duration.ofSeconds(3)).build().verify(Requests.in(dir));
    Verification.Failed f = assertInstanceOf(Verification.Failed.class, v);
    assertTrue(f.findings().get(0).startsWith("too few matching events: 1 of 2"), f.findings().get(0));
  }

  @Test
  void aSentRequestAnsweredWithAnErrorFailsWithoutPolling() throws Exception {
    orderStatus = 500;
    Verification v = probe().build().verify(Requests.in(dir));
    Verification.Failed f = assertInstanceOf(Verification.Failed.class, v);
    assertEquals("probe request POST " + server.url("/orders") + " answered 500: expected 200-299", f.findings().get(0));
    assertEquals(0, polls.get());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void anObservationAnsweringAnErrorIsRecordedAndPollingGoesOn() throws Exception {
    HttpProbeVerifier v = HttpProbeVerifier.builder().observe(server.url("/missing").toString())
        .where("/ref", "x").deadline(Duration.ofSeconds(1)).clock(clock).sleeper(clock.sleeper()).build();
    Verification result = v.verify(Requests.in(dir));
    Evidence observed = kind(result, "http-probe");
    assertEquals("2", observed.attributes().get("polls"));
    assertEquals("observation answered 404", observed.attributes().get("lastProblem"));
  }

  @Test
  void anObservationBodyThatIsNotJsonIsAFailureNamingIt() throws Exception {
    HttpProbeVerifier v = HttpProbeVerifier.builder().observe(server.url("/plain").toString())
        .where("/ref", "x").deadline(Duration.ZERO).clock(clock).sleeper(clock.sleeper()).build();
    Verification.Failed f = assertInstanceOf(Verification.Failed.class, v.verify(Requests.in(dir)));
    assertTrue(f.findings().get(0).contains("last poll: observation body is not JSON"), f.findings().get(0));
  }

  @Test
  void headerValuesNeverReachTheEvidence() throws Exception {
    Verification v = probe().send(ProbeRequest.post(server.url("/orders").toString(), "application/json", "{}")
        .header("Authorization", "Bearer sk-very-secret")).observeHeader("X-Api-Key", "key-very-secret").build()
        .verify(Requests.in(dir));
    assertFalse(v.toString().contains("very-secret"), v.toString());
    server.takeRequest();
    assertEquals("Bearer sk-very-secret", server.takeRequest().getHeader("Authorization"));
    assertEquals("key-very-secret", server.takeRequest().getHeader("X-Api-Key"));
  }

  @Test
  void badSettingsAreRejectedNamingTheValue() {
    assertTrue(assertThrows(InputException.class, () -> HttpProbeVerifier.builder().expectEvents(0)).getMessage()
        .contains("expected events 0"));
    assertTrue(assertThrows(InputException.class, () -> HttpProbeVerifier.builder().events("events")).getMessage()
        .contains("'events' is not a JSON pointer"));
    assertTrue(assertThrows(InputException.class, () -> HttpProbeVerifier.builder().observe("ftp://x")).getMessage()
        .contains("'ftp://x'"));
    assertTrue(assertThrows(InputException.class, () -> HttpProbeVerifier.builder().build()).getMessage()
        .contains("observe(url)"));
    assertTrue(assertThrows(InputException.class, () -> ProbeRequest.of("post", "http://x", "a/b", "")).getMessage()
        .contains("'post'"));
  }
}
