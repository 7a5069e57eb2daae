package dev.loopkit.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompositeVerifierTest {
  @TempDir Path dir;
  private final List<String> ran = new ArrayList<>();

  private Verifier passing(String name) {
    return r -> {
      ran.add(name);
      return Verification.passed(Evidence.of("check", name + " ok"));
    };
  }

  @Test
  void passesWithTheEvidenceOfEveryMemberWhenAllPass() throws Exception {
    Verification v = CompositeVerifier.allOf(passing("build"), passing("probe")).verify(Requests.in(dir));
    assertInstanceOf(Verification.Passed.class, v);
    assertEquals(List.of("build ok", "probe ok"), v.evidence().stream().map(Evidence::summary).toList());
  }

  @Test
  void stopsAtTheFirstFailureKeepingEarlierEvidenceAndNamingWhatDidNotRun() throws Exception {
    Verifier red = r -> Verification.failed(List.of("2 tests failed"), List.of(Evidence.of("command", "mvn test exited 1")));
    Verification v = CompositeVerifier.allOf(passing("build"), red, passing("probe")).verify(Requests.in(dir));
    Verification.Failed f = assertInstanceOf(Verification.Failed.class, v);
    assertEquals("2 tests failed", f.findings().get(0));
    assertTrue(f.findings().get(1).startsWith("not run after that failure:"), f.findings().toString());
    assertEquals(List.of("build"), ran);
    assertEquals(2, v.evidence().size());
  }

  @Test
  void aMemberThatPassesWithoutEvidenceFailsTheWhole() throws Exception {
    Verification v = CompositeVerifier.allOf(passing("build"), r -> Verification.passed(List.of()))
        .verify(Requests.in(dir));
    Verification.Failed f = assertInstanceOf(Verification.Failed.class, v);
    assertTrue(f.findings().get(0).contains("a passed verification must carry positive evidence"),
        f.findings().get(0));
  }

  @Test
  void aMemberThatThrowsFailsTheWholeNamingTheException() throws Exception {
    Verification v = CompositeVerifier.allOf(r -> {
      throw new IllegalStateException("port in use");
    }).verify(Requests.in(dir));
    assertTrue(((Verification.Failed) v).findings().get(0).endsWith("threw IllegalStateException: port in use"));
  }

  @Test
  void anEmptyCompositionIsRejected() {
    assertThrows(InputException.class, () -> CompositeVerifier.allOf(List.of()));
  }
}
