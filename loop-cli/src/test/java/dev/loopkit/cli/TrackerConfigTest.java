package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.beads.BeadsTracker;
import dev.loopkit.beads.Leases;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Status;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.markdown.MarkdownTracker;
import dev.loopkit.github.DependencySource;
import dev.loopkit.github.GitHubTracker;
import dev.loopkit.jira.JiraTracker;
import dev.loopkit.linear.LinearTracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every tracker kind of loop.yaml's {@code tracker} section: what it parses into, and the errors of bad input. */
class TrackerConfigTest {
  @TempDir
  Path dir;

  private static final String REST = "workspace:\n  repo: repo\n"
      + "models:\n  worker:\n    vendor: anthropic\n    model: claude-sonnet-4-5\n"
      + "verifier:\n  command: sh test.sh\n  expect-output: ok\n";

  private ProjectConfig config(String tracker) throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), "tracker:\n" + tracker + REST);
    return ProjectConfig.read(dir);
  }

  private String error(String tracker) throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), "tracker:\n" + tracker + REST);
    InputException e = assertThrows(InputException.class, () -> ProjectConfig.read(dir));
    assertTrue(e.getMessage().startsWith(dir.resolve("loop.yaml").toAbsolutePath().toString()), e.getMessage());
    return e.getMessage();
  }

  private String openError(String tracker, Map<String, String> environment) throws Exception {
    ProjectConfig c = config(tracker);
    InputException e = assertThrows(InputException.class, () -> ProjectEngine.tracker(c, environment));
    return e.getMessage();
  }

  private Path file() {
    return dir.resolve("loop.yaml").toAbsolutePath();
  }

  // ---- each kind ----

  @Test
  void aTrackerWithoutKindIsTheMarkdownFolder() throws Exception {
    ProjectConfig c = config("  folder: tickets\n  id-prefix: QS\n");
    assertEquals(new TrackerSource.Markdown(dir.resolve("tickets").toAbsolutePath(), "QS"), c.tracker());
    Files.createDirectories(dir.resolve("tickets"));
    assertInstanceOf(MarkdownTracker.class, ProjectEngine.tracker(c, Map.of()));
  }

  @Test
  void aMissingMarkdownFolderNamesTheFolderKey() throws Exception {
    String m = openError("  folder: tickets\n", Map.of());
    assertTrue(m.contains("key 'tracker.folder' is refused: ticket folder " + dir.resolve("tickets").toAbsolutePath()
        + " does not exist"), m);
  }

  @Test
  void kindMarkdownTakesTheSameKeysAndFilesTicketsWithItsPrefix() throws Exception {
    ProjectConfig c = config("  kind: markdown\n  folder: tickets\n  id-prefix: QS\n");
    Files.createDirectories(dir.resolve("tickets"));
    Tracker t = ProjectEngine.tracker(c, Map.of());
    assertEquals("QS-1", t.create(dev.loopkit.core.NewTicket.builder("first").build()).id());
    assertEquals(dir.resolve("tickets").toAbsolutePath(), c.tracker().ticketFolder().orElseThrow());
  }

  @Test
  void kindGithubParsesEveryKeyAndBuildsTheTrackerWithTheNamedToken() throws Exception {
    ProjectConfig c = config("  kind: github\n  repository: acme/widgets\n  label: loop:batch-7\n"
        + "  token-env: ACME_GH\n  base-url: https://ghe.acme.test/api/v3\n  in-progress-label: wip\n"
        + "  human-gated-label: needs-human\n  dependencies: body\n  full-read-every: 5m\n  since-overlap: 0s\n"
        + "  max-rate-limit-wait: 2m\n  max-retries: 1\n");
    assertEquals(new TrackerSource.GitHub("acme/widgets", "loop:batch-7", null, "ACME_GH",
        "https://ghe.acme.test/api/v3", "wip", "needs-human", DependencySource.BODY, Duration.ofMinutes(5),
        Duration.ZERO, Duration.ofMinutes(2), 1), c.tracker());
    Tracker t = ProjectEngine.tracker(c, Map.of("ACME_GH", "ghp_secret123"));
    assertInstanceOf(GitHubTracker.class, t);
    assertEquals("GitHubTracker{acme/widgets, label 'loop:batch-7', https://ghe.acme.test/api/v3/}", t.toString());
  }

  @Test
  void kindGithubDefaultsToTheGithubTokenVariableAndTakesAMilestone() throws Exception {
    ProjectConfig c = config("  kind: github\n  repository: acme/widgets\n  milestone: 3\n");
    TrackerSource.GitHub g = (TrackerSource.GitHub) c.tracker();
    assertEquals("GITHUB_TOKEN", g.tokenVariable());
    assertEquals(3, g.milestone());
    assertEquals("GitHubTracker{acme/widgets, milestone 3, https://api.github.com/}",
        ProjectEngine.tracker(c, Map.of("GITHUB_TOKEN", "ghp_x")).toString());
  }

  @Test
  void kindJiraParsesAuthStatusesAndCategoriesAndBuildsTheBatchQuery() throws Exception {
    ProjectConfig c = config("  kind: jira\n  site: https://acme.atlassian.net\n  project: ENG\n"
        + "  label: loop-batch-7\n  auth: basic\n  email: bot@acme.com\n  token-env: ACME_JIRA\n"
        + "  issue-type: Story\n  subtask-issue-type: Sub-task\n  blocks-link-type: Blocks\n"
        + "  relates-link-type: Relates\n  statuses:\n    human-gated: [Needs Human, Blocked]\n    done: Shipped\n"
        + "  status-categories:\n    undefined: human-gated\n  priority-ids: ['10', '20', '30', '40', '50']\n"
        + "  page-size: 50\n  full-read-every: 4\n  max-rate-limit-wait: 1m\n  max-retries: 2\n");
    assertEquals(new TrackerSource.Jira("https://acme.atlassian.net", "ENG", "loop-batch-7", null, "basic",
        "bot@acme.com", "ACME_JIRA", "Story", "Sub-task", "Blocks", "Relates",
        Map.of(Status.HUMAN_GATED, List.of("Needs Human", "Blocked"), Status.DONE, List.of("Shipped")),
        Map.of("undefined", Status.HUMAN_GATED), List.of("10", "20", "30", "40", "50"), 50, 4,
        Duration.ofMinutes(1), 2), c.tracker());
    JiraTracker t = (JiraTracker) ProjectEngine.tracker(c, Map.of("ACME_JIRA", "atl-token"));
    assertEquals("project = \"ENG\" AND labels = \"loop-batch-7\"", t.batchJql());
    assertEquals("JiraTracker{https://acme.atlassian.net/, project = \"ENG\" AND labels = \"loop-batch-7\"}",
        t.toString());
  }

  @Test
  void kindJiraWithBearerAuthAndAQueryNeedsNoEmail() throws Exception {
    ProjectConfig c = config("  kind: jira\n  site: https://acme.atlassian.net\n  project: ENG\n"
        + "  jql: project = ENG AND sprint in openSprints()\n  auth: bearer\n  token-env: JIRA_TOKEN\n");
    JiraTracker t = (JiraTracker) ProjectEngine.tracker(c, Map.of("JIRA_TOKEN", "oauth"));
    assertEquals("(project = ENG AND sprint in openSprints())", t.batchJql());
  }

  @Test
  void kindLinearParsesTheBatchCredentialAndStates() throws Exception {
    ProjectConfig c = config("  kind: linear\n  team: ENG\n  label: loop:batch-7\n  project: checkout\n"
        + "  cycle: 12\n  credential: oauth-token\n  endpoint: http://127.0.0.1:9/graphql\n"
        + "  states:\n    human-gated: Needs Human\n  human-gated-label: gated\n  page-size: 20\n"
        + "  changes-page-size: 5\n  overlap: 30s\n  full-read-every: 3m\n  max-rate-limit-wait: 4m\n"
        + "  max-retries: 0\n");
    assertEquals(new TrackerSource.Linear("ENG", "loop:batch-7", "checkout", 12, "LINEAR_API_KEY",
        LinearTracker.Credential.OAUTH_TOKEN, "http://127.0.0.1:9/graphql", Map.of(Status.HUMAN_GATED,
        "Needs Human"), "gated", 20, 5, Duration.ofSeconds(30), Duration.ofMinutes(3), Duration.ofMinutes(4), 0),
        c.tracker());
    Tracker t = ProjectEngine.tracker(c, Map.of("LINEAR_API_KEY", "lin_oauth_x"));
    assertEquals("LinearTracker{team ENG, label 'loop:batch-7', project 'checkout', cycle 12,"
        + " http://127.0.0.1:9/graphql}", t.toString());
  }

  @Test
  void kindBeadsParsesItsKeysWithTheDirectoryRelativeToTheProject() throws Exception {
    Files.createDirectories(dir.resolve("db"));
    ProjectConfig c = config("  kind: beads\n  directory: db\n  label: loop:batch-7\n"
        + "  executable: [/opt/bd/bd, --quiet]\n  actor: bot\n  timeout: 45s\n  leases: keep\n"
        + "  cancelled-label: dropped\n  human-label: person\n  custom-statuses:\n    review: in-progress\n"
        + "  retryable-codes: [locked]\n  password-env: DOLT_PW\n  pass-env: [HTTPS_PROXY]\n");
    Path db = dir.resolve("db").toAbsolutePath();
    assertEquals(new TrackerSource.Beads(db, "loop:batch-7", List.of("/opt/bd/bd", "--quiet"), "bot",
        Duration.ofSeconds(45), Leases.KEEP, "dropped", "person", Map.of("review", Status.IN_PROGRESS),
        Set.of("locked"), "DOLT_PW", List.of("HTTPS_PROXY")), c.tracker());
    Tracker t = ProjectEngine.tracker(c, Map.of("DOLT_PW", "pw"));
    assertInstanceOf(BeadsTracker.class, t);
    assertEquals("BeadsTracker{" + db + ", label 'loop:batch-7'}", t.toString());
  }

  @Test
  void kindBeadsNeedsNoPasswordVariableUnlessTheFileNamesOne() throws Exception {
    Files.createDirectories(dir.resolve("db"));
    ProjectConfig c = config("  kind: beads\n  directory: db\n  label: loop:batch-7\n");
    assertEquals("BeadsTracker{" + dir.resolve("db").toAbsolutePath() + ", label 'loop:batch-7'}",
        ProjectEngine.tracker(c, Map.of()).toString());
  }

  // ---- bad input ----

  @Test
  void anUnknownKindNamesTheKinds() throws Exception {
    String m = error("  kind: trello\n  board: x\n");
    assertTrue(m.contains("key 'tracker.kind' is 'trello': expected one of markdown, github, jira, linear, beads"),
        m);
  }

  @Test
  void anUnknownKeyOfAKindIsNamedWithTheKeysThatKindTakes() throws Exception {
    String m = error("  kind: github\n  repository: acme/widgets\n  label: b\n  folder: tickets\n");
    assertTrue(m.contains("unknown key 'tracker.folder': expected one of base-url, call-timeout, dependencies, full-read-every,"
        + " human-gated-label, in-progress-label, kind, label, max-rate-limit-wait, max-retries, milestone,"
        + " repository, since-overlap, token-env"), m);
  }

  @Test
  void aRemoteKeyUnderTheMarkdownKindIsUnknown() throws Exception {
    String m = error("  folder: tickets\n  repository: acme/widgets\n");
    assertTrue(m.contains("unknown key 'tracker.repository': expected one of call-timeout, folder, id-prefix, kind"), m);
  }

  @Test
  void aMissingRequiredKeyIsNamed() throws Exception {
    assertTrue(error("  kind: github\n  label: b\n").contains("key 'tracker.repository' is missing"));
    assertTrue(error("  kind: github\n  repository: acme/widgets\n").contains("key 'tracker.label' is missing"));
    assertTrue(error("  kind: linear\n  label: b\n").contains("key 'tracker.team' is missing"));
    assertTrue(error("  kind: beads\n  directory: .\n").contains("key 'tracker.label' is missing"));
    String jira = error("  kind: jira\n  site: https://acme.atlassian.net\n  project: ENG\n  label: b\n"
        + "  email: bot@acme.com\n");
    assertTrue(jira.contains("key 'tracker.token-env' is missing: expected the NAME of the environment variable"),
        jira);
  }

  @Test
  void aValueTheAdapterRefusesNamesTheKey() throws Exception {
    String m = error("  kind: github\n  repository: not-a-repo\n  label: b\n");
    assertTrue(m.contains("key 'tracker.repository' is refused: repository 'not-a-repo': expected owner/name"), m);
    String jira = error("  kind: jira\n  site: https://acme.atlassian.net\n  project: eng\n  label: b\n"
        + "  email: bot@acme.com\n  token-env: T\n");
    assertTrue(jira.contains("key 'tracker.project' is refused: Jira project key 'eng'"), jira);
    String beads = error("  kind: beads\n  directory: no-such-db\n  label: b\n");
    assertTrue(beads.contains("key 'tracker.directory' is refused: beads directory "
        + dir.resolve("no-such-db").toAbsolutePath() + " is not a folder"), beads);
  }

  @Test
  void aStatusThatIsNoLoopStatusIsNamed() throws Exception {
    String m = error("  kind: jira\n  site: https://acme.atlassian.net\n  project: ENG\n  label: b\n"
        + "  email: bot@acme.com\n  token-env: T\n  status-categories:\n    done: finished\n");
    assertTrue(m.contains("key 'tracker.status-categories.done' is 'finished': expected one of open, in-progress"),
        m);
    String states = error("  kind: linear\n  team: ENG\n  label: b\n  states:\n    review: In Review\n");
    assertTrue(states.contains("unknown key 'tracker.states.review': expected one of cancelled, done,"
        + " human-gated, in-progress, open"), states);
  }

  @Test
  void aBatchOfLabelAndMilestoneTogetherIsRefused() throws Exception {
    String m = error("  kind: github\n  repository: acme/widgets\n  label: b\n  milestone: 2\n");
    assertTrue(m.contains("key 'tracker.milestone' is set together with 'label'"), m);
  }

  @Test
  void aCredentialWhereItsVariableNameBelongsIsRefusedWithoutRepeatingIt() throws Exception {
    String m = error("  kind: github\n  repository: acme/widgets\n  label: b\n  token-env: ghp_abc def\n");
    assertTrue(m.contains("key 'tracker.token-env' is not the name of an environment variable"), m);
    assertFalse(m.contains("ghp_abc"), m);
  }

  @Test
  void aMissingCredentialVariableNamesTheVariableAndTheKey() throws Exception {
    String gh = openError("  kind: github\n  repository: acme/widgets\n  label: b\n", Map.of());
    assertEquals(file() + ": key 'tracker.token-env' names the environment variable GITHUB_TOKEN, which is not set:"
        + " expected it to hold a GitHub token with read and write access to the issues of acme/widgets (or set"
        + " tracker.token-env to the variable that does)", gh);
    String jira = openError("  kind: jira\n  site: https://acme.atlassian.net\n  project: ENG\n  label: b\n"
        + "  email: bot@acme.com\n  token-env: ACME_JIRA\n", Map.of("JIRA_API_TOKEN", "other"));
    assertTrue(jira.contains("key 'tracker.token-env' names the environment variable ACME_JIRA, which is not set"),
        jira);
    String linear = openError("  kind: linear\n  team: ENG\n  cycle: 3\n  key-env: ACME_LINEAR\n", Map.of());
    assertTrue(linear.contains("key 'tracker.key-env' names the environment variable ACME_LINEAR"), linear);
    Files.createDirectories(dir.resolve("db"));
    String beads = openError("  kind: beads\n  directory: db\n  label: b\n  password-env: DOLT_PW\n", Map.of());
    assertTrue(beads.contains("key 'tracker.password-env' names the environment variable DOLT_PW"), beads);
  }

  @Test
  void aTokenTheHeaderCannotCarryIsRefusedWithoutShowingIt() throws Exception {
    String m = openError("  kind: github\n  repository: acme/widgets\n  label: b\n",
        Map.of("GITHUB_TOKEN", "ghp_first second"));
    assertTrue(m.contains("key 'tracker.token-env' names the environment variable GITHUB_TOKEN, whose value holds"
        + " spaces"), m);
    assertFalse(m.contains("ghp_first") || m.contains("second"), m);
  }

  @Test
  void statusReportsAMissingCredentialBeforeReadingAnything() throws Exception {
    config("  kind: linear\n  team: ENG\n  label: b\n");
    Cli status = Cli.run(Map.of("OTHER", "x"), "status", dir.toString());
    assertEquals(LoopCommand.ERROR, status.exitCode);
    assertTrue(status.err.contains("key 'tracker.key-env' names the environment variable LINEAR_API_KEY, which is"
        + " not set"), status.err);
  }

  @Test
  void runReportsAMissingCredentialBeforeTheRepositoryOrARunIsCreated() throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), "tracker:\n  kind: github\n  repository: acme/widgets\n"
        + "  label: b\n" + REST.replace("repo: repo", "repo: repo\n  init-from: ."));
    Cli run = Cli.run(Map.of(), "run", dir.toString());
    assertEquals(LoopCommand.ERROR, run.exitCode);
    assertTrue(run.err.contains("GITHUB_TOKEN, which is not set"), run.err);
    assertFalse(Files.exists(dir.resolve("repo")));
    assertFalse(Files.exists(dir.resolve(".loop")));
  }

  // ---- the ticket folder ----

  @Test
  void aMarkdownFolderInsideTheRepositoryIsProtectedFromWorkspaceTools() throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), "tracker:\n  folder: repo/backlog\n" + REST
        + "worker:\n  protect: [tests/**]\n");
    assertEquals(List.of("tests/**", "backlog/**"), ProjectEngine.protectedGlobs(ProjectConfig.read(dir)));
  }

  @Test
  void aMarkdownFolderOutsideTheRepositoryAndARemoteTrackerAddNothingToProtect() throws Exception {
    assertEquals(List.of(), ProjectEngine.protectedGlobs(config("  folder: tickets\n")));
    assertEquals(List.of(), ProjectEngine.protectedGlobs(config("  kind: github\n  repository: acme/widgets\n"
        + "  label: b\n")));
  }

  // ---- a remote tracker end to end ----

  @Test
  void statusListsAGithubBatchReadFromTheApiTheFileNames() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.enqueue(new MockResponse().setHeader("Content-Type", "application/json; charset=utf-8")
          .setHeader("ETag", "W/\"a1\"").setHeader("x-ratelimit-limit", "5000")
          .setHeader("x-ratelimit-remaining", "4999").setHeader("x-ratelimit-reset", "1893456000")
          .setHeader("x-ratelimit-resource", "core").setBody("[" + issue(12, "Add the lint script", "open",
              "[{\"id\":1,\"name\":\"loop:batch-7\",\"color\":\"ededed\"},{\"id\":2,\"name\":\"priority:1\","
              + "\"color\":\"ededed\"}]") + "," + issue(13, "Document the flags", "closed",
              "[{\"id\":1,\"name\":\"loop:batch-7\",\"color\":\"ededed\"}]") + "]"));
      server.start();
      config("  kind: github\n  repository: acme/widgets\n  label: loop:batch-7\n  token-env: ACME_GH\n"
          + "  base-url: " + server.url("/api/v3/") + "\n");

      Cli status = Cli.run(Map.of("ACME_GH", "ghp_loopback_token"), "status", dir.toString());

      assertEquals(LoopCommand.DONE, status.exitCode, status.err);
      assertTrue(status.out.contains("2 tickets in GitHubTracker{acme/widgets, label 'loop:batch-7', "
          + server.url("/api/v3/") + "}: 1 open, 1 done"), status.out);
      assertTrue(status.out.contains("12           open         p1  Add the lint script"), status.out);
      assertTrue(status.out.contains("13           done         p2  Document the flags"), status.out);
      assertFalse(status.out.contains("ghp_loopback_token") || status.err.contains("ghp_loopback_token"));
      RecordedRequest list = server.takeRequest();
      assertEquals("GET", list.getMethod());
      assertEquals("/api/v3/repos/acme/widgets/issues", list.getRequestUrl().encodedPath());
      assertEquals("all", list.getRequestUrl().queryParameter("state"));
      assertEquals("loop:batch-7", list.getRequestUrl().queryParameter("labels"));
      assertEquals("100", list.getRequestUrl().queryParameter("per_page"));
      assertEquals("Bearer ghp_loopback_token", list.getHeader("Authorization"));
      assertEquals("application/vnd.github+json", list.getHeader("Accept"));
      assertEquals(1, server.getRequestCount());
    }
  }

  /** One issue as GitHub's "list repository issues" returns it, without comments or dependencies. */
  private static String issue(int number, String title, String state, String labels) {
    String url = "https://api.github.com/repos/acme/widgets/issues/" + number;
    return "{\"id\":" + (9000 + number) + ",\"node_id\":\"I_kwDOB7xYzs" + number + "\",\"url\":\"" + url + "\","
        + "\"repository_url\":\"https://api.github.com/repos/acme/widgets\",\"labels_url\":\"" + url
        + "/labels{/name}\",\"comments_url\":\"" + url + "/comments\",\"html_url\":"
        + "\"https://github.com/acme/widgets/issues/" + number + "\",\"number\":" + number + ",\"title\":\"" + title
        + "\",\"body\":\"" + title + ".\",\"state\":\"" + state + "\",\"state_reason\":"
        + (state.equals("closed") ? "\"completed\"" : "null") + ",\"user\":{\"login\":\"octo\",\"id\":1001,"
        + "\"type\":\"User\"},\"labels\":" + labels + ",\"assignee\":null,\"assignees\":[],\"milestone\":null,"
        + "\"locked\":false,\"comments\":0,\"created_at\":\"2026-11-30T09:00:00Z\",\"updated_at\":"
        + "\"2026-11-30T10:00:00Z\",\"closed_at\":" + (state.equals("closed") ? "\"2026-11-30T10:00:00Z\"" : "null")
        + ",\"author_association\":\"MEMBER\",\"sub_issues_summary\":{\"total\":0,\"completed\":0,"
        + "\"percent_completed\":0},\"issue_dependencies_summary\":{\"blocked_by\":0,\"total_blocked_by\":0,"
        + "\"blocking\":0,\"total_blocking\":0}}";
  }
}
