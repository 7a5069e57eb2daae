package dev.loopkit.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HarnessSettingsTest {
  @TempDir Path dir;

  @Test
  void savedSettingsLoadBackEqualIncludingAwkwardCharacters() {
    HarnessSettings s = HarnessSettings.of(Map.of("worker.prompt", "Fix it.\nThen: run = tests # all", "retries.max", "3",
        " odd key", " leading space"));
    Path file = dir.resolve("harness.properties");
    s.save(file);
    assertEquals(s.snapshot(), HarnessSettings.load(file).snapshot());
  }

  @Test
  void diffListsEachChangedEntryAsOldThenNew() {
    String diff = HarnessSettings.diff(Map.of("retries.max", "2", "tools", "read,edit", "gone", "x"),
        Map.of("retries.max", "4", "tools", "read,edit", "prompt", "line1\nline2"));
    assertEquals("- gone=x\n+ prompt=line1\\nline2\n- retries.max=2\n+ retries.max=4\n", diff);
  }

  @Test
  void typedReadsParseOrNameTheBadValue() {
    HarnessSettings s = HarnessSettings.of(Map.of("retries.max", "three", "backoff", "90s", "tools", " read, ,edit "));
    assertEquals(Duration.ofSeconds(90), s.getDuration("backoff", Duration.ZERO));
    assertEquals(List.of("read", "edit"), s.getList("tools"));
    assertEquals(7, s.getInt("absent", 7));
    InputException e = assertThrows(InputException.class, () -> s.getInt("retries.max", 1));
    assertEquals("harness setting retries.max='three' is not an integer", e.getMessage());
  }

  @Test
  void restoreReplacesEveryEntry() {
    HarnessSettings s = HarnessSettings.of(Map.of("a", "1"));
    Map<String, String> before = s.snapshot();
    s.set("a", "2").set("b", "3");
    s.restore(before);
    assertEquals(Map.of("a", "1"), s.snapshot());
    assertTrue(s.get("b").isEmpty());
  }
}
