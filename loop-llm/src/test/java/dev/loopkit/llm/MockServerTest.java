package dev.loopkit.llm;

import dev.loopkit.llm.WireFixtures.RecordingSleeper;
import java.io.IOException;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A MockWebServer on loopback per test, and a sleeper that records retry waits instead of sleeping. */
abstract class MockServerTest {
  final MockWebServer server = new MockWebServer();
  final RecordingSleeper sleeper = new RecordingSleeper();

  @BeforeEach
  void startServer() throws IOException {
    server.start();
  }

  @AfterEach
  void stopServer() throws IOException {
    server.shutdown();
  }
}
