package dev.loopkit.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.Tracker;
import dev.loopkit.testing.TrackerContract;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

/** The contract on one file; a file is one batch, so the batch-isolation tests are skipped. */
class JsonFileTrackerContractTest extends TrackerContract {
  @TempDir
  Path dir;

  @Override
  protected Tracker newTracker() {
    return JsonFileTracker.open(dir.resolve("batch.json"));
  }

  /** Deletes the ticket's object from the file, as a person editing it would. */
  @Override
  protected boolean removeFromBatch(String id) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(dir.resolve("batch.json").toFile());
    ArrayNode tickets = (ArrayNode) root.get("tickets");
    for (int i = 0; i < tickets.size(); i++) {
      if (tickets.get(i).path("id").asText().equals(id)) {
        tickets.remove(i);
        json.writeValue(dir.resolve("batch.json").toFile(), root);
        return true;
      }
    }
    return false;
  }

  @Override
  protected Optional<Tracker> reopenedTracker() {
    return Optional.of(JsonFileTracker.open(dir.resolve("batch.json")));
  }
}
