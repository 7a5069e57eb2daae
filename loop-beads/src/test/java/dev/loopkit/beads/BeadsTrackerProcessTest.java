package dev.loopkit.beads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Batch;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process boundary: errors and their codes, malformed answers, timeouts, the environment, idempotent create. */
class BeadsTrackerProcessTest {
  private static final String PASSWORD = "dolt-pw-Never-Printed-4711";

  @TempDir Path dir;
  private FakeBdFixture beads;
  private BeadsTracker tracker;

  @BeforeEach
  void open() {
    beads = new FakeBdFixture(dir);
    tracker = beads.tracker().build();
  }

  @Test
  void notFoundIsAnInputExceptionNamingTheId() {
    InputException e = assertThrows(InputException.class,
        () -> tracker.transition("lp-nope", Status.DONE, "verified"));

    assertTrue(e.getMessage().contains("lp-nope") && e.getMessage().contains("not_found"), e.getMessage());
    assertTrue(tracker.find("lp-nope").isEmpty());
    assertThrows(InputException.class, () -> tracker.comment("lp-nope", "hello"));
  }

  @Test
  void anotherErrorCodeIsAnAdapterExceptionNamingTheCommandAndRetryableOnlyWhenConfigured() {
    String id = beads.seed("x");
    beads.control("{\"fail\":{\"update\":{\"code\":\"database_locked\",\"error\":\"database is locked\"}}}");

    AdapterException e = assertThrows(AdapterException.class, () -> tracker.claim(id, "run 1"));
    assertEquals(BdException.class, e.getClass(), "an adapter failure, not an input error");
    assertTrue(e.getMessage().contains("bd update --claim") && e.getMessage().contains("database_locked")
        && e.getMessage().contains("database is locked") && e.getMessage().contains("exit 1"), e.getMessage());
    assertFalse(e.isRetryable());

    BeadsTracker patient = beads.tracker().retryableCodes(Set.of("database_locked")).leases(Leases.KEEP).build();
    AdapterException again = assertThrows(AdapterException.class, () -> patient.claim(id, "run 1"));
    assertTrue(again.isRetryable(), again.getMessage());
  }

  @Test
  void anErrorWithoutJsonIsReportedWithItsTextAndExitCode() {
    beads.control("{\"fail\":{\"list\":{\"error\":\"\",\"exit\":3}}}");

    AdapterException e = assertThrows(AdapterException.class, () -> tracker.readBatch());

    assertTrue(e.getMessage().contains("bd list") && e.getMessage().contains("exit 3"), e.getMessage());
  }

  @Test
  void aMissingDatabaseIsAnAdapterErrorNamingTheDirectory() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    BeadsTracker nowhere = BeadsTracker.builder().directory(empty).label("loop:batch-1")
        .environment(beads.environment()).build();

    AdapterException e = assertThrows(AdapterException.class, nowhere::readBatch);

    assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains("no active beads workspace"),
        e.getMessage());
  }

  @Test
  void stdoutThatIsNotJsonIsAnErrorNamingTheCommandAndStdout() {
    beads.control("{\"stdout\":{\"list\":\"Found 3 issues\"}}");

    AdapterException e = assertThrows(AdapterException.class, () -> tracker.readBatch());

    assertTrue(e.getMessage().contains("bd list") && e.getMessage().contains("stdout")
        && e.getMessage().contains("Found 3 issues"), e.getMessage());
  }

  @Test
  void aFieldOfTheWrongTypeIsAnErrorNamingTheCommandAndTheField() {
    beads.control("{\"stdout\":{\"list\":\"{\\\"schema_version\\\":1,\\\"data\\\":[{\\\"id\\\":\\\"lp-a1\\\","
        + "\\\"title\\\":\\\"x\\\",\\\"status\\\":\\\"open\\\",\\\"priority\\\":\\\"high\\\"}]}\"}}");

    AdapterException e = assertThrows(AdapterException.class, () -> tracker.readBatch());

    assertTrue(e.getMessage().contains("bd list") && e.getMessage().contains("'priority'")
        && e.getMessage().contains("lp-a1") && e.getMessage().contains("\"high\""), e.getMessage());
  }

  @Test
  void anEnvelopeWithoutDataOrAnItemWithoutAnIdIsMalformed() {
    beads.control("{\"stdout\":{\"list\":\"{\\\"items\\\":[]}\"}}");
    AdapterException noVersion = assertThrows(AdapterException.class, () -> tracker.readBatch());
    assertTrue(noVersion.getMessage().contains("schema_version"), noVersion.getMessage());

    beads.control("{\"stdout\":{\"list\":\"{\\\"schema_version\\\":1,\\\"data\\\":[{\\\"title\\\":\\\"x\\\"}]}\"}}");
    AdapterException noId = assertThrows(AdapterException.class, () -> tracker.readBatch());
    assertTrue(noId.getMessage().contains("'id'") && noId.getMessage().contains("item 0"), noId.getMessage());
  }

  @Test
  void aBdWithoutTheEnvelopeIsReadFromItsBareArraysAndInjectedObjects() {
    beads.control("{\"noEnvelope\":true}");

    Ticket created = tracker.create(NewTicket.builder("legacy").priority(1).build());
    Batch batch = tracker.readBatch();

    assertEquals(1, batch.size());
    assertEquals("legacy", batch.get(created.id()).title());
    assertEquals(1, batch.get(created.id()).priority());
  }

  @Test
  void aHungBdIsKilledByTheTimeoutAndTheFailureIsRetryable() {
    beads.control("{\"hang\":\"list\"}");
    BeadsTracker impatient = beads.tracker().timeout(Duration.ofSeconds(3)).build();

    AdapterException e = assertThrows(AdapterException.class, impatient::readBatch);

    assertTrue(e.isRetryable(), e.getMessage());
    assertTrue(e.getMessage().contains("bd list") && e.getMessage().contains("PT3S")
        && e.getMessage().contains("killed"), e.getMessage());
    List<ProcessHandle> left = ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("dev.loopkit.beads.FakeBd"))
        .filter(ProcessHandle::isAlive).toList();
    assertEquals(List.of(), left, "the hung bd was killed");
  }

  @Test
  void aHungBdThatNeverReadsALargeDescriptionStillMeetsTheTimeout() {
    beads.control("{\"hang\":\"create\"}");
    BeadsTracker impatient = beads.tracker().timeout(Duration.ofSeconds(3)).build();
    String body = "x".repeat(512 * 1024); // far more than a pipe holds

    AdapterException e = assertThrows(AdapterException.class,
        () -> impatient.create(NewTicket.builder("big").body(body).build()));

    assertTrue(e.isRetryable() && e.getMessage().contains("bd create"), e.getMessage());
  }

  @Test
  void aTransitionWhoseCloseAnswerWasLostIsCompleteOnRetryWithOneComment() {
    String id = beads.seed("finish me");
    beads.control("{\"hangAfterWrite\":\"close\"}");
    BeadsTracker impatient = beads.tracker().timeout(Duration.ofSeconds(3)).build();

    assertThrows(AdapterException.class, () -> impatient.transition(id, Status.DONE, "verified: exit 0"));
    beads.control("{}");
    impatient.transition(id, Status.DONE, "verified: exit 0");

    Ticket t = impatient.find(id).orElseThrow();
    assertEquals(Status.DONE, t.status());
    assertEquals(1, t.comments().size(), t.comments().toString());
  }

  @Test
  void anAnswerOverTheCapFailsNamingTheCap() {
    for (int i = 0; i < 8; i++) {
      beads.seed("bead number " + i + " with a title long enough to fill the answer quickly");
    }
    BeadsTracker small = beads.tracker().maxOutputBytes(2048).build();

    AdapterException e = assertThrows(AdapterException.class, small::readBatch);

    assertTrue(e.getMessage().contains("more than 2048 bytes"), e.getMessage());
  }

  @Test
  void bdGetsOnlyTheVariablesItNeedsPlusTheEnvelope() {
    Map<String, String> env = new LinkedHashMap<>(beads.environment());
    env.put("GITHUB_TOKEN", "ghp_secret");
    env.put("ANTHROPIC_API_KEY", "sk-ant-secret");
    env.put("BEADS_DIR", dir.resolve("repo/.beads").toString());
    env.put("HTTPS_PROXY", "http://proxy:3128");
    BeadsTracker limited = BeadsTracker.builder().directory(beads.directory).label("loop:batch-1").environment(env)
        .passVariable("HTTPS_PROXY").build();

    limited.readBatch();

    List<String> seen = beads.environments().get(beads.environments().size() - 1);
    assertTrue(seen.containsAll(List.of("PATH", "HOME", "BEADS_DIR", "HTTPS_PROXY", "BD_JSON_ENVELOPE")),
        seen.toString());
    assertFalse(seen.contains("GITHUB_TOKEN") || seen.contains("ANTHROPIC_API_KEY"), seen.toString());
  }

  @Test
  void theDoltPasswordReachesBdButNoMessageOrToString() {
    Map<String, String> env = new LinkedHashMap<>(beads.environment());
    env.put("MY_DOLT_PW", PASSWORD);
    BeadsTracker withPassword = BeadsTracker.builder().directory(beads.directory).label("loop:batch-1")
        .environment(env).passwordVariable("MY_DOLT_PW").build();
    beads.control("{\"fail\":{\"list\":{\"error\":\"access denied for password $BEADS_DOLT_PASSWORD\"}}}");

    AdapterException e = assertThrows(AdapterException.class, withPassword::readBatch);

    List<String> seen = beads.environments().get(beads.environments().size() - 1);
    assertTrue(seen.contains("BEADS_DOLT_PASSWORD") && !seen.contains("MY_DOLT_PW"), seen.toString());
    assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
    assertTrue(e.getMessage().contains("access denied for password [redacted]"), e.getMessage());
    assertFalse(withPassword.toString().contains(PASSWORD));
  }

  @Test
  void aCreateRepeatedByAFreshTrackerAfterACrashFindsTheBeadByItsKey() {
    NewTicket draft = NewTicket.builder("discovered").idempotencyKey("run-1/discovered").build();
    Ticket first = tracker.create(draft);
    BeadsTracker afterCrash = beads.tracker().build();
    beads.clearLog();

    Ticket again = afterCrash.create(draft);

    assertEquals(first.id(), again.id());
    assertEquals(1, beads.store().path("issues").size());
    List<String> lookup = beads.invocations().get(0);
    assertTrue(lookup.contains("--metadata-field=" + BeadsTracker.KEY_FIELD + "=run-1/discovered")
        && lookup.contains("--label=loop:batch-1"), lookup.toString());
    assertEquals(List.of("list"), beads.commands(), "one lookup, nothing filed");
  }

  @Test
  void aCreateWhoseAnswerWasLostIsRetriedWithoutFilingTwice() {
    beads.control("{\"hangAfterWrite\":\"create\"}");
    BeadsTracker impatient = beads.tracker().timeout(Duration.ofSeconds(3)).build();
    NewTicket draft = NewTicket.builder("filed once").idempotencyKey("run-1/once").build();

    AdapterException lost = assertThrows(AdapterException.class, () -> impatient.create(draft));
    assertTrue(lost.isRetryable(), lost.getMessage());
    beads.control("{}");
    Ticket retried = impatient.create(draft);

    assertEquals(1, beads.store().path("issues").size());
    assertEquals(beads.store().path("issues").get(0).path("id").asText(), retried.id());
  }

  @Test
  void theKeyOfAnotherBatchDoesNotMatch() {
    NewTicket draft = NewTicket.builder("same key").idempotencyKey("shared/key").build();
    Ticket mine = tracker.create(draft);
    BeadsTracker otherBatch = beads.tracker().label("loop:batch-2").build();

    Ticket theirs = otherBatch.create(draft);

    assertFalse(mine.id().equals(theirs.id()));
    assertEquals(1, tracker.readBatch().size());
    assertEquals(1, otherBatch.readBatch().size());
  }

  @Test
  void theBuilderRejectsBadSettingsNamingThem() {
    InputException noDir = assertThrows(InputException.class,
        () -> BeadsTracker.builder().label("loop:b").build());
    assertTrue(noDir.getMessage().contains("directory"), noDir.getMessage());
    InputException noLabel = assertThrows(InputException.class,
        () -> BeadsTracker.builder().directory(dir).build());
    assertTrue(noLabel.getMessage().contains("label"), noLabel.getMessage());
    InputException notADir = assertThrows(InputException.class,
        () -> BeadsTracker.builder().directory(dir.resolve("missing")));
    assertTrue(notADir.getMessage().contains("missing"), notADir.getMessage());
    assertThrows(InputException.class, () -> BeadsTracker.builder().label("a,b"));
    assertThrows(InputException.class, () -> BeadsTracker.builder().timeout(Duration.ZERO));
    assertThrows(InputException.class, () -> BeadsTracker.builder().passwordVariable("not a name"));
    assertThrows(InputException.class, () -> BeadsTracker.builder().customStatus("closed", Status.DONE));
    InputException same = assertThrows(InputException.class,
        () -> BeadsTracker.builder().directory(dir).label("human").build());
    assertTrue(same.getMessage().contains("must differ"), same.getMessage());
  }

  @Test
  void anExecutableThatCannotStartIsNamed() {
    BeadsTracker missing = beads.tracker().executable(dir.resolve("no-such-bd").toString()).build();

    AdapterException e = assertThrows(AdapterException.class, missing::readBatch);

    assertInstanceOf(AdapterException.class, e);
    assertTrue(e.getMessage().contains("no-such-bd") && e.getMessage().contains("executable"), e.getMessage());
  }
}
