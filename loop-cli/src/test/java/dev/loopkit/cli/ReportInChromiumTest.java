package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of a real batch (three tickets through {@code loop run}, then an empty second run) loaded in
 * headless Chromium: the rendered DOM has its parts, the table sorts from the URL fragment and from a click on a
 * header, nothing overflows at 420 px (the report is framed at that width: headless windows are at least 500 px
 * wide), and screenshots at 420 and 1280 px land in {@code target/report-screenshots} for a person to look at.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportInChromiumTest {
  private static final String SAYS_YES = Cli.call("write_file", "{\"path\":\"done.txt\",\"content\":\"yes\\n\"}")
      + Cli.say("Wrote yes.");
  private static final String TICKET = "---\nid: T-%d\ntitle: %s\n%smetadata:\n  verify: sh tests/check.sh\n"
      + "  verify-expect: check ok\n---\n\nWrite yes to done.txt.\n";

  private Path dir;

  private Path chromium;
  private Path report;

  @BeforeAll
  void runABatchAndWriteItsReport(@TempDir Path tmp) throws Exception {
    dir = tmp;
    chromium = onPath("chromium");
    assumeTrue(chromium != null, "chromium is not on the PATH: the report's browser check needs Debian's"
        + " chromium (apt-get install chromium; .ci/run installs it)");
    Path p = Cli.tinyProject(dir, SAYS_YES, "sandbox:\n  kind: none\n",
        String.format(TICKET, 2, "Second, after T-1", "depends_on:\n  - blocks:T-1\n"),
        String.format(TICKET, 3, "Third, after T-2", "depends_on:\n  - blocks:T-2\n"));
    Cli first = Cli.run("run", p.toString());
    assertEquals(LoopCommand.DONE, first.exitCode, first.out + first.err);
    Cli second = Cli.run("run", p.toString()); // DONE already: a new run with nothing to do
    assertEquals(LoopCommand.DONE, second.exitCode, second.out + second.err);
    Cli r = Cli.run("report", p.toString(), "run-001");
    assertEquals(LoopCommand.DONE, r.exitCode, r.err);
    report = Path.of(r.out.strip());
  }

  @Test
  void theRenderedPageHasItsPartsAndDoesNotOverflowAtFullWidth() throws Exception {
    String dom = chromium("--window-size=1280,900", "--dump-dom", report.toUri().toString());

    assertEquals(3, count(dom, "<tr data-outcome=\"done\""), "three tickets in the table");
    for (String part : List.of("<svg class=\"timeline\"", "<div class=\"bars\">", "<svg class=\"graph\"",
        "<figcaption>interventions and heals per run</figcaption>", "<a class=\"transcript\" href=\"transcripts/",
        "id=\"ticket-sort\"", "T-1 blocks T-2 (T-2 waits for T-1)")) {
      assertTrue(dom.contains(part), part + " in the rendered page");
    }
    assertTrue(dom.contains("<td>2. run-002</td>") && dom.contains("empty: no attempt"), "the empty run");
    int[] widths = widths(dom, "html");
    assertTrue(widths[0] <= widths[1], "scroll width " + widths[0] + " > client width " + widths[1]);
  }

  @Test
  void at420PixelsNothingOverflowsAndTheTableSortsFromTheFragmentAndFromAClick() throws Exception {
    Path frame = frame(report.toUri() + "#sort=ticket-desc");

    String dom = chromium("--window-size=1280,900", "--virtual-time-budget=5000", "--dump-dom",
        frame.toUri().toString());

    Matcher m = Pattern.compile("<pre id=\"result\" ([^>]*)>").matcher(dom);
    assertTrue(m.find(), dom);
    String result = m.group(1);
    int scroll = Integer.parseInt(attribute(result, "data-scroll-width"));
    int client = Integer.parseInt(attribute(result, "data-client-width"));
    assertTrue(client > 380 && client <= 420, "framed at 420 px: client width " + client);
    assertTrue(scroll <= client, "horizontal overflow at 420 px: scroll width " + scroll + ", client " + client);
    assertEquals("ticket-desc", attribute(result, "data-from-fragment"));
    assertEquals("T-3,T-2,T-1", attribute(result, "data-order-from-fragment"));
    assertEquals("ticket-asc", attribute(result, "data-after-click"));
    assertEquals("T-1,T-2,T-3", attribute(result, "data-order-after-click"));
    assertEquals("1", attribute(result, "data-shown-after-filter"), "the filter keeps T-2 alone");
    assertEquals("1", attribute(result, "data-visible-after-filter"), "the rows filtered out are not displayed");
  }

  @Test
  void screenshotsAt420And1280PixelsAreWritten() throws Exception {
    Path shots = Path.of("target", "report-screenshots").toAbsolutePath();
    Files.createDirectories(shots);
    Path narrow = shots.resolve("report-420.png");
    Path wide = shots.resolve("report-1280.png");
    Files.deleteIfExists(narrow);
    Files.deleteIfExists(wide);

    chromium("--hide-scrollbars", "--window-size=420,2400", "--screenshot=" + narrow, frame(report.toUri()
        .toString()).toUri().toString());
    chromium("--hide-scrollbars", "--window-size=1280,2400", "--screenshot=" + wide, report.toUri().toString());

    for (Path png : List.of(narrow, wide)) {
      byte[] bytes = Files.readAllBytes(png);
      assertTrue(bytes.length > 10_000, png + " is " + bytes.length + " bytes");
      assertEquals("PNG", new String(bytes, 1, 3, StandardCharsets.US_ASCII), png + " is a PNG");
    }
    assertEquals(420, pngWidth(narrow));
    assertEquals(1280, pngWidth(wide));
  }

  /** A page framing the report at 420 px that drives it and writes what it saw into its own DOM. */
  private Path frame(String src) throws Exception {
    Path frame = dir.resolve("frame-" + Integer.toHexString(src.hashCode()) + ".html");
    Files.writeString(frame, "<!DOCTYPE html><html><body style=\"margin:0\"><iframe id=\"f\" src=\"" + src
        + "\" style=\"width:420px;height:2400px;border:0\"></iframe><script>\n"
        + "document.getElementById('f').addEventListener('load', function () {\n"
        + "  var d = document.getElementById('f').contentDocument, t = d.getElementById('tickets-table');\n"
        + "  function order() { return Array.prototype.map.call(t.tBodies[0].rows, function (r) {\n"
        + "    return r.cells[0].getAttribute('data-v'); }).join(','); }\n"
        + "  var out = document.createElement('pre'); out.id = 'result';\n"
        + "  out.setAttribute('data-scroll-width', d.documentElement.scrollWidth);\n"
        + "  out.setAttribute('data-client-width', d.documentElement.clientWidth);\n"
        + "  out.setAttribute('data-from-fragment', t.getAttribute('data-sorted'));\n"
        + "  out.setAttribute('data-order-from-fragment', order());\n"
        + "  d.querySelector('th button[data-key=ticket]').click();\n"
        + "  out.setAttribute('data-after-click', t.getAttribute('data-sorted'));\n"
        + "  out.setAttribute('data-order-after-click', order());\n"
        + "  var f = d.getElementById('ticket-filter'); f.value = 'second';\n"
        + "  f.dispatchEvent(new Event('input'));\n"
        + "  out.setAttribute('data-shown-after-filter', t.getAttribute('data-shown'));\n"
        + "  out.setAttribute('data-visible-after-filter', Array.prototype.filter.call(t.tBodies[0].rows,\n"
        + "    function (r) { return r.getClientRects().length > 0; }).length);\n"
        + "  document.body.appendChild(out);\n"
        + "});\n</script></body></html>\n", StandardCharsets.UTF_8);
    return frame;
  }

  private String chromium(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--allow-file-access-from-files", "--no-first-run", "--user-data-dir="
            + dir.resolve("chromium-profile")));
    command.addAll(Arrays.asList(args));
    Path out = Files.createTempFile(dir, "chromium", ".out");
    Path err = Files.createTempFile(dir, "chromium", ".err");
    Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError("chromium did not finish in 120 s: " + command);
    }
    assertEquals(0, process.exitValue(), "chromium " + command + ": " + Files.readString(err));
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  private static int[] widths(String dom, String element) {
    Matcher m = Pattern.compile("<" + element + " [^>]*").matcher(dom);
    assertTrue(m.find(), dom.substring(0, Math.min(300, dom.length())));
    return new int[] {Integer.parseInt(attribute(m.group(), "data-scroll-width")),
        Integer.parseInt(attribute(m.group(), "data-client-width"))};
  }

  private static String attribute(String tag, String name) {
    Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(tag);
    assertTrue(m.find(), name + " in " + tag);
    return m.group(1);
  }

  private static int pngWidth(Path png) throws Exception {
    byte[] b = Files.readAllBytes(png);
    return ((b[16] & 0xff) << 24) | ((b[17] & 0xff) << 16) | ((b[18] & 0xff) << 8) | (b[19] & 0xff);
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  private static Path onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(d, program);
      if (!d.isEmpty() && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }
}
