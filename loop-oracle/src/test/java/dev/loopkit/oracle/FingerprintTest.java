package dev.loopkit.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FingerprintTest {
  @TempDir Path dir;

  /** A host's own verifier with no describe(): the fallback reads its fields. */
  static final class HostCheck {
    private final String url;
    private final int expected;
    private transient int runs;

    HostCheck(String url, int expected) {
      this.url = url;
      this.expected = expected;
    }
  }

  @Test
  void theSameDefinitionFingerprintsTheSameEveryTime() {
    Oracle oracle = CompositeOracle.allOf(TrackerOracle.create(), TrackerOracle.builder().cancelledSettles(true).build());
    assertEquals(Fingerprint.of("oracle", oracle).parts(), Fingerprint.of("oracle", oracle).parts());
    assertTrue(Fingerprint.of("oracle", oracle).parts().containsKey("oracle.part.1.config.cancelled-settles"));
  }

  @Test
  void fieldsOfClassesThatDoNotDescribeThemselvesArePartOfTheFingerprint() {
    HostCheck a = new HostCheck("http://127.0.0.1/health", 200);
    HostCheck b = new HostCheck("http://127.0.0.1/health", 204);
    assertEquals(List.of("changed: check.field.expected.value"),
        Fingerprint.of("check", b).changesFrom(Fingerprint.of("check", a).parts()));
  }

  @Test
  void transientFieldsAreLeftOutSoBookkeepingNeverTrips() {
    HostCheck a = new HostCheck("http://x", 200);
    Fingerprint before = Fingerprint.of("check", a);
    a.runs = 5;
    assertEquals(before, Fingerprint.of("check", a));
  }

  @Test
  void valuesCapturedByALambdaArePartOfItsFingerprint() {
    Oracle a = lenient(1);
    Oracle b = lenient(2);
    assertNotEquals(Fingerprint.of("oracle", a), Fingerprint.of("oracle", b));
    assertEquals(Fingerprint.of("oracle", a), Fingerprint.of("oracle", lenient(1)));
  }

  private static Oracle lenient(int allowedOpen) {
    return ctx -> ctx.tracker().readBatch().size() <= allowedOpen ? Verdict.done("few") : Verdict.done("many");
  }

  @Test
  void anOracleSwappedBehindAReferenceChangesTheFingerprint() {
    AtomicReference<Oracle> current = new AtomicReference<>(TrackerOracle.create());
    Oracle switchable = ctx -> current.get().judge(ctx);
    Fingerprint before = Fingerprint.of("oracle", switchable);
    current.set(ctx -> Verdict.done("trust me"));
    List<String> changes = Fingerprint.of("oracle", switchable).changesFrom(before.parts());
    assertTrue(changes.stream().anyMatch(c -> c.contains("oracle.field.arg$1.value.class")), changes.toString());
  }

  @Test
  void lambdaClassNamesLoseTheirPerProcessSuffix() {
    assertEquals("dev.x.Foo$$Lambda", Fingerprint.className(((Oracle) ctx -> Verdict.done("x")).getClass())
        .replaceAll("^.*\\.FingerprintTest", "dev.x.Foo"));
  }

  @Test
  void configurationValuesAreStoredOnlyAsDigests() {
    Fingerprint f = Fingerprint.of("verifier", (Fingerprinted) sink -> sink.config("token", "sk-live-123"));
    assertFalse(f.parts().toString().contains("sk-live-123"));
    assertTrue(f.parts().get("verifier.config.token").startsWith("sha256:"));
  }

  @Test
  void aFileThatAppearsLaterIsAChange() throws Exception {
    Path config = dir.resolve("oracle.yaml");
    Fingerprint before = Fingerprint.builder().file(config).build();
    assertEquals("missing", before.parts().get("file:" + config));
    Files.writeString(config, "rule: all-done");
    assertEquals(List.of("changed: file:" + config), Fingerprint.builder().file(config).build().changesFrom(before.parts()));
  }

  @Test
  void aDirectoryIsFingerprintedByEveryFileUnderIt() throws Exception {
    Files.createDirectories(dir.resolve("checks"));
    Files.writeString(dir.resolve("checks/a.sh"), "a");
    Fingerprint before = Fingerprint.builder().file(dir.resolve("checks")).build();
    Files.writeString(dir.resolve("checks/b.sh"), "b");
    assertNotEquals(before, Fingerprint.builder().file(dir.resolve("checks")).build());
  }

  @Test
  void aPartNameUsedTwiceIsRejected() {
    InputException e = assertThrows(InputException.class,
        () -> Fingerprint.builder().add("oracle", TrackerOracle.create()).add("oracle", TrackerOracle.create()));
    assertTrue(e.getMessage().contains("'oracle' is used twice"));
  }
}
