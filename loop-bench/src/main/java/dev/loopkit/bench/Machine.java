package dev.loopkit.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Facts about the machine a benchmark ran on, for the JSON next to its figures. */
final class Machine {
  private Machine() {}

  /** The 1, 5 and 15 minute load averages from {@code /proc/loadavg}; empty where there is none. */
  static List<Double> loadAverage() {
    List<Double> out = new ArrayList<>();
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      for (int i = 0; i < 3 && i < fields.length; i++) {
        out.add(Double.parseDouble(fields[i]));
      }
    } catch (IOException | NumberFormatException e) {
      out.clear(); // not Linux, or an unreadable file: the JSON says so with an empty list
    }
    return out;
  }

  /**
   * What {@code java -version} prints for the JVM running the benchmark ({@code java.home}/bin/java), line
   * by line; the system properties instead if it cannot be run.
   */
  static List<String> javaVersion() {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    try {
      Process p = new ProcessBuilder(java.toString(), "-version").redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] bytes;
      try (InputStream in = p.getInputStream()) {
        bytes = in.readNBytes(16_384);
      }
      if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return List.of(new String(bytes, StandardCharsets.UTF_8).strip().split("\\R"));
      }
      p.destroyForcibly();
    } catch (IOException e) {
      // fall through to the properties
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return List.of("java.version=" + System.getProperty("java.version"),
        "java.vm.name=" + System.getProperty("java.vm.name"),
        "java.runtime.version=" + System.getProperty("java.runtime.version"));
  }

  /** Cores, JVM, heap and OS, without the load (taken before and after the runs). */
  static Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("java_version", javaVersion());
    m.put("java_vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
    m.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    return m;
  }
}
