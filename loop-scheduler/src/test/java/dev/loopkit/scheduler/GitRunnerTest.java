package dev.loopkit.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitRunnerTest {
  @TempDir Path tmp;
  TestRepo repo;

  @BeforeEach
  void setUp() throws IOException {
    repo = TestRepo.create(tmp);
  }

  /** A stand-in for git that records its arguments and environment, then answers like git would. */
  private Path fakeGit(String body) throws IOException {
    Path script = tmp.resolve("fake-git");
    Files.writeString(script, "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + tmp.resolve("args") + "'\nenv > '"
        + tmp.resolve("env") + "'\n" + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  @Test
  void everyCommandGetsAnEnvironmentBuiltFromScratchWithGitsOwnSwitchesOnly() throws IOException {
    GitRunner git = GitRunner.builder().executable(fakeGit("exit 0").toString()).path("/usr/bin:/bin").build();

    git.run(repo.dir, "rev-parse", "HEAD");

    Set<String> names = new TreeSet<>();
    for (String line : Files.readAllLines(tmp.resolve("env"))) {
      if (line.contains("=")) {
        names.add(line.substring(0, line.indexOf('=')));
      }
    }
    names.remove("PWD"); // the shell's own
    names.remove("SHLVL");
    names.remove("_");
    assertEquals(new TreeSet<>(List.of("PATH", "LC_ALL", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL", "GIT_ATTR_NOSYSTEM",
        "GIT_TERMINAL_PROMPT", "GIT_NO_REPLACE_OBJECTS", "GIT_OPTIONAL_LOCKS", "GIT_PROTOCOL_FROM_USER")), names);
    assertTrue(Files.readAllLines(tmp.resolve("env")).contains("GIT_CONFIG_GLOBAL=/dev/null"));
  }

  @Test
  void everyCommandLineTurnsOffHooksFsmonitorPagerEditorSigningCredentialsAndProtocols() throws IOException {
    GitRunner git = GitRunner.builder().executable(fakeGit("exit 0").toString()).identity("Bot", "bot@example.invalid")
        .build();

    git.run(repo.dir, "diff", "HEAD");

    List<String> args = Files.readAllLines(tmp.resolve("args"));
    for (String setting : List.of("core.hooksPath=/dev/null", "core.fsmonitor=false", "core.pager=cat",
        "core.editor=false", "sequence.editor=false", "credential.helper=", "core.askPass=", "protocol.allow=never",
        "diff.external=", "commit.gpgSign=false", "gpg.program=false", "core.sshCommand=false",
        "user.name=Bot", "user.email=bot@example.invalid")) {
      int at = args.indexOf(setting);
      assertTrue(at > 0 && args.get(at - 1).equals("-c"), setting + " in " + args);
    }
    assertEquals("--no-pager", args.get(0));
    int diff = args.indexOf("diff");
    assertEquals(List.of("diff", "--no-ext-diff", "--no-textconv", "HEAD"), args.subList(diff, args.size()));
  }

  @Test
  void onlyTheRepositoryAndTheCommandLineConfigAreRead() {
    repo.git("config", "loop.test", "local-value");
    String scopes = GitRunner.defaults().ok(repo.dir, "listing config", "config", "--list", "--show-scope");
    Set<String> seen = new TreeSet<>();
    scopes.lines().forEach(l -> seen.add(l.split("\t")[0]));
    assertEquals(Set.of("command", "local"), seen);
  }

  @Test
  void commitsCarryTheConfiguredIdentity() {
    GitRunner git = GitRunner.builder().identity("Release Bot", "release@example.invalid").build();
    String ident = git.ok(repo.dir, "reading the committer", "var", "GIT_COMMITTER_IDENT");
    assertTrue(ident.startsWith("Release Bot <release@example.invalid> "), ident);
  }

  @Test
  void aFailingCommandNamesWhatItWasForTheCommandTheDirectoryAndGitsMessage() {
    AdapterException e = assertThrows(AdapterException.class,
        () -> GitRunner.defaults().ok(repo.dir, "reading the ticket branch", "rev-parse", "--verify", "loop/none"));
    assertTrue(e.getMessage().startsWith("reading the ticket branch: git rev-parse --verify loop/none in " + repo.dir
        + " exited 128: fatal: Needed a single revision"), e.getMessage());
  }

  @Test
  void aCommandThatHangsIsKilledAtTheTimeoutNamingIt() throws IOException {
    GitRunner git = GitRunner.builder().executable(fakeGit("sleep 30").toString()).timeout(Duration.ofMillis(300))
        .build();
    long start = System.nanoTime();
    AdapterException e = assertThrows(AdapterException.class, () -> git.run(repo.dir, "rev-parse", "HEAD"));
    assertTrue(e.getMessage().startsWith("git rev-parse HEAD in " + repo.dir + " did not finish within PT0.3S"), e.getMessage());
    assertTrue(e.isRetryable());
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos());
  }

  @Test
  void requireVersionAcceptsThisGitAndRefusesAnOldOneNamingBoth() throws IOException {
    assertTrue(GitRunner.defaults().requireVersion().startsWith("git version "));
    GitRunner old = GitRunner.builder().executable(fakeGit("echo 'git version 2.20.1'").toString()).build();
    InputException e = assertThrows(InputException.class, old::requireVersion);
    assertEquals("git version 2.20.1 is too old: expected git 2.38 or later (Loop builds merges with 'git merge-tree"
        + " --write-tree')", e.getMessage());
  }

  @Test
  void gitMissingFromThePathIsAnInputErrorNamingThePath() {
    GitRunner nowhere = GitRunner.builder().path(tmp.resolve("empty-bin").toString()).build();
    InputException e = assertThrows(InputException.class, nowhere::requireVersion);
    assertTrue(e.getMessage().startsWith("git is not on the PATH (" + tmp.resolve("empty-bin") + "): expected git 2.38"),
        e.getMessage());
  }

  @Test
  void builderRejectsBadValuesNamingThem() {
    GitRunner.Builder b = GitRunner.builder();
    assertTrue(assertThrows(InputException.class, () -> b.timeout(Duration.ofSeconds(-1))).getMessage()
        .startsWith("gitTimeout is PT-1S"));
    assertTrue(assertThrows(InputException.class, () -> b.identity("Eve\nInjected", "e@x")).getMessage()
        .startsWith("git identity"));
    assertTrue(assertThrows(InputException.class, () -> b.executable(" ")).getMessage()
        .startsWith("git executable is blank"));
    assertTrue(assertThrows(InputException.class, () -> b.path("")).getMessage().startsWith("git PATH is blank"));
  }
}
