package dev.loopkit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.markdown.MarkdownTracker;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedServiceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration GUARD = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private final ExecutorService pool = EmbeddedService.hostPool();
  private final Set<String> threads = ConcurrentHashMap.newKeySet();
  private EmbeddedService service;

  @AfterEach
  void stop() {
    if (service != null) {
      service.close();
    }
    pool.shutdownNow();
  }

  /** Writes greeting.txt with the ticket's id, on whichever thread the engine gives it. */
  private final Worker writer = a -> {
    threads.add(Thread.currentThread().getName());
    Files.writeString(a.workspace().directory().resolve("greeting.txt"), "hello from " + a.ticket().id());
    return WorkResult.completed("wrote greeting.txt", Usage.ZERO);
  };

  private final Verifier greeting = r -> {
    Path file = r.workspace().directory().resolve("greeting.txt");
    return Files.exists(file) && Files.readString(file).equals("hello from " + r.ticket().id())
        ? Verification.passed(Evidence.of("file", "greeting.txt says hello from " + r.ticket().id()))
        : Verification.failed("greeting.txt is missing or wrong in " + r.workspace().directory());
  };

  private MarkdownTracker batch(String name) {
    return MarkdownTracker.builder(dir.resolve("batches").resolve(name)).createFolder(true).build();
  }

  private EmbeddedService.Builder service(Worker worker) {
    return EmbeddedService.builder().batches(dir.resolve("batches")).runs(dir.resolve("runs"))
        .worker(worker).verifier(greeting).executor(pool);
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(service.uri().resolve(path))
        .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json").build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode json(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body());
  }

  private String post(String batch) throws Exception {
    HttpResponse<String> response = send("POST", "/runs", "{\"batch\": \"" + batch + "\"}");
    assertEquals(202, response.statusCode(), response.body());
    String id = json(response).path("id").asText();
    assertEquals("/runs/" + id, response.headers().firstValue("Location").orElse(""));
    return id;
  }

  @Test
  void aPostedRunDrivesTheBatchToDoneOnTheHostsThreadsAndItsStatusCarriesTheReport() throws Exception {
    MarkdownTracker tracker = batch("orders");
    Ticket schema = tracker.create(NewTicket.builder("schema").build());
    Ticket api = tracker.create(NewTicket.builder("api").addDependency(Dependency.blockedBy(schema.id())).build());
    service = service(writer).start();

    String id = post("orders");
    RunResult result = service.await(id, GUARD);
    JsonNode status = json(send("GET", "/runs/" + id, ""));

    assertEquals(RunEnding.Kind.DONE, result.ending().kind(), result.ending().describe());
    assertEquals("ended", status.path("state").asText());
    assertEquals("DONE", status.path("ending").path("kind").asText());
    assertEquals(2, status.path("progress").path("ticketsDone").asInt());
    assertEquals(List.of(schema.id(), api.id()), List.of(status.path("report").path("tickets").get(0).path("id").asText(),
        status.path("report").path("tickets").get(1).path("id").asText()));
    assertEquals("greeting.txt says hello from " + api.id(),
        status.path("report").path("tickets").get(1).path("evidence").get(0).path("summary").asText());
    assertTrue(!threads.isEmpty() && threads.stream().allMatch(t -> t.startsWith("host-pool-")), threads.toString());
    assertEquals(Status.DONE, MarkdownTracker.open(dir.resolve("batches/orders")).find(api.id()).orElseThrow().status());
    assertEquals(id, json(send("GET", "/runs", "")).get(0).path("id").asText());
  }

  @Test
  void aSecondPostWhileARunIsInFlightIsAConflictNamingTheRunningRun() throws Exception {
    batch("slow").create(NewTicket.builder("slow ticket").build());
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    service = service(a -> {
      started.countDown();
      assertTrue(release.await(GUARD.toSeconds(), TimeUnit.SECONDS), "never released");
      return writer.work(a);
    }).start();

    String first = post("slow");
    assertTrue(started.await(GUARD.toSeconds(), TimeUnit.SECONDS));
    JsonNode running = json(send("GET", "/runs/" + first, ""));
    HttpResponse<String> conflict = send("POST", "/runs", "{\"batch\": \"slow\"}");
    release.countDown();
    service.await(first, GUARD);

    assertEquals("running", running.path("state").asText());
    assertEquals(1, running.path("progress").path("attemptsStarted").asInt());
    assertEquals(409, conflict.statusCode());
    assertTrue(json(conflict).path("error").asText().contains("run " + first + " of batch slow is still running"),
        conflict.body());
    String second = post("slow");
    assertNotEquals(first, second);
    assertEquals("DONE", service.await(second, GUARD).ending().kind().name());
  }

  @Test
  void badRequestsAreAnsweredWithAnErrorNamingTheValueAndWhatWasExpected() throws Exception {
    Files.createDirectories(dir.resolve("batches"));
    service = service(writer).start();

    HttpResponse<String> unknown = send("POST", "/runs", "{\"batch\": \"nope\"}");
    HttpResponse<String> climbing = send("POST", "/runs", "{\"batch\": \"../etc\"}");
    HttpResponse<String> notJson = send("POST", "/runs", "batch=orders");
    HttpResponse<String> notText = send("POST", "/runs", "{\"batch\": 3}");
    HttpResponse<String> noRun = send("GET", "/runs/orders-1", "");
    HttpResponse<String> delete = send("DELETE", "/runs", "");

    assertEquals(404, unknown.statusCode());
    assertTrue(json(unknown).path("error").asText().startsWith("no batch 'nope'"), unknown.body());
    assertEquals(400, climbing.statusCode());
    assertTrue(json(climbing).path("error").asText().startsWith("batch '../etc': expected a folder name"),
        climbing.body());
    assertEquals(400, notJson.statusCode());
    assertTrue(json(notJson).path("error").asText().startsWith("request body is not JSON"), notJson.body());
    assertEquals(400, notText.statusCode());
    assertTrue(json(notText).path("error").asText().startsWith("request body has batch 3"), notText.body());
    assertEquals(404, noRun.statusCode());
    assertEquals(405, delete.statusCode());
    assertEquals("GET, POST", delete.headers().firstValue("Allow").orElse(""));
  }

  @Test
  void metricsCountTheEventsOfEveryRunAndTheHostsListenerSeesThemToo() throws Exception {
    batch("one").create(NewTicket.builder("only").build());
    List<LoopEvent> hostEvents = new CopyOnWriteArrayList<>();
    service = service(writer).listener(hostEvents::add).start();

    service.await(post("one"), GUARD);
    String metrics = send("GET", "/metrics", "").body();

    assertTrue(metrics.contains("loop_events_total{event=\"TicketDone\"} 1\n"), metrics);
    assertTrue(metrics.contains("loop_events_total{event=\"RunEnded\"} 1\n"), metrics);
    assertTrue(metrics.contains("loop_runs_total 1\n"), metrics);
    assertEquals(1, hostEvents.stream().filter(e -> e instanceof LoopEvent.TicketDone).count(), hostEvents.toString());
  }

  @Test
  void closeStopsTheRunInFlightAndTheNextServiceResumesItToDone() throws Exception {
    Ticket ticket = batch("resumable").create(NewTicket.builder("interrupted once").build());
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    service = service(a -> {
      started.countDown();
      try {
        new CountDownLatch(1).await(); // until close() interrupts it
      } finally {
        interrupted.countDown();
      }
      return WorkResult.failed(List.of("unreachable"), Usage.ZERO);
    }).start();
    String id = post("resumable");
    assertTrue(started.await(GUARD.toSeconds(), TimeUnit.SECONDS));
    URI uri = service.uri();

    service.close();

    assertTrue(interrupted.await(GUARD.toSeconds(), TimeUnit.SECONDS), "the attempt was not interrupted");
    assertEquals(dev.loopkit.core.RunEnding.Kind.FAILED, RunReport.of(dir.resolve("runs").resolve(id)).ending()
        .orElseThrow(), "stopped, to be continued");
    assertThrows(ConnectException.class, () -> http.send(HttpRequest.newBuilder(uri.resolve("/runs")).build(),
        HttpResponse.BodyHandlers.ofString()));
    assertThrows(IllegalStateException.class, () -> service.start("resumable"));
    assertFalse(pool.isShutdown());

    service = service(writer).start();
    HttpResponse<String> again = send("POST", "/runs", "{\"batch\": \"resumable\"}");
    RunResult result = service.await(id, GUARD);

    assertEquals(202, again.statusCode(), again.body());
    assertEquals(id, json(again).path("id").asText());
    assertTrue(json(again).path("resumed").asBoolean());
    assertEquals(RunEnding.Kind.DONE, result.ending().kind(), result.ending().describe());
    assertEquals(2, result.report().sessions());
    assertEquals(1, result.report().interruptedAttempts());
    assertEquals(Status.DONE, MarkdownTracker.open(dir.resolve("batches/resumable")).find(ticket.id()).orElseThrow()
        .status());
  }

  @Test
  void mainsWiringRunsACommandAgentAgainstEachTicketsOwnFinishLine() throws Exception {
    batch("greet").create(NewTicket.builder("say hello").metadata(Map.of("verify", "cat greeting.txt",
        "verify-expect", "^hello$")).build());
    Path agent = Files.writeString(dir.resolve("agent.sh"), "cat > task.txt\necho hello > greeting.txt\n");

    service = EmbeddedService.fromArguments(new String[] {dir.resolve("batches").toString(),
        dir.resolve("runs").toString(), "0", "sh", agent.toString()}, pool);
    RunResult result = service.await(post("greet"), GUARD);

    assertEquals(RunEnding.Kind.DONE, result.ending().kind(), result.ending().describe());
    assertTrue(result.report().tickets().get(0).evidence().get(0).summary().contains("hello"),
        result.report().tickets().get(0).evidence().toString());
  }

  @Test
  void aServiceMissingItsPartsIsRefusedNamingEachOne() {
    InputException e = assertThrows(InputException.class, () -> EmbeddedService.builder()
        .runs(dir.resolve("runs")).verifier(greeting).start());

    assertEquals("EmbeddedService is missing batches, worker, executor (the host's pool for attempts)", e.getMessage());
  }
}
