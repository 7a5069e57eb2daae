package dev.loopkit.llm.plan;

import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The readiness lint: deterministic checks that a batch can be finished by an unattended loop without asking
 * anyone. Every ticket still to do (neither {@code done} nor {@code cancelled}) must have
 *
 * <ul>
 *   <li><b>finish-line</b>: a {@code verify} metadata command whose executable exists (on the search path, as a
 *       shell builtin, or as a file of the repository; a script given to {@code sh}/{@code bash} must exist in
 *       the repository too) and an expectation ({@code verify-expect} or {@code verify-file}), since an exit
 *       code alone is absence of error, not evidence;
 *   <li><b>acceptance</b>: at least one acceptance criterion, none blank;
 *   <li><b>open-question</b>: no TBD or TODO, no "decide whether", "figure out", "to be decided", no question
 *       mark in the title, nor a question in the body (outside code);
 *   <li><b>graph</b>: every {@code blocks} and {@code parent-child} target known, no cycle of them (the message
 *       names the cycle), and, when a master is given, every ticket under the master through its parents;
 *   <li><b>resources</b>: infrastructure work (terraform, deploy, migrate, provision, kubectl, helm, infra...)
 *       declares at least one resource (e.g. {@code infra-apply}), so two applies never run at once;
 *       the master is exempt from this rule and the finish line: it states the requirement, its children carry
 *       the finish lines and the resources;
 *   <li><b>size</b>: a body of at most {@link Builder#maxBodyChars} characters and at most
 *       {@link Builder#maxCriteria} criteria: a bigger ticket is several tickets.
 * </ul>
 *
 * <p>Each {@link LintFinding} names the ticket, the field and what was expected. The lint reads the file system
 * (the repository and the search path) and nothing else; it is immutable and thread-safe.
 */
public final class ReadinessLint {
  /** The rule names findings carry. */
  public static final List<String> RULES = List.of("finish-line", "acceptance", "open-question", "graph",
      "resources", "size");

  /** The infrastructure words (prefixes, matched at a word start) that call for a declared resource. */
  public static final List<String> DEFAULT_INFRA_KEYWORDS = List.of("terraform", "deploy", "migrat", "provision",
      "kubectl", "helm", "infra", "cloudformation", "pulumi", "ansible");

  private static final Set<String> BUILTINS = Set.of("cd", "test", "[", "true", "false", "echo", "printf",
      "export", ".", "source", "set", "command", "exec", "env", "eval");
  private static final Set<String> SHELLS = Set.of("sh", "bash", "dash", "zsh", "ksh");
  private static final Pattern ASSIGNMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=.*");
  private static final List<Pattern> OPEN_QUESTIONS = List.of(Pattern.compile("\\bTBD\\b", Pattern.CASE_INSENSITIVE),
      Pattern.compile("\\bTODO\\b"), Pattern.compile("\\bdecide (whether|if|how|which)\\b", Pattern.CASE_INSENSITIVE),
      Pattern.compile("\\bfigure out\\b", Pattern.CASE_INSENSITIVE),
      Pattern.compile("\\bto be (decided|determined|confirmed)\\b", Pattern.CASE_INSENSITIVE));
  private static final Pattern QUESTION = Pattern.compile("\\?(\\s|$)");
  private static final Pattern FENCED = Pattern.compile("(?s)```.*?(```|$)");
  private static final Pattern INLINE_CODE = Pattern.compile("`[^`\n]*`");

  private final Path repository;
  private final List<Path> searchPath;
  private final int maxBodyChars;
  private final int maxCriteria;
  private final Pattern infra;

  private ReadinessLint(Builder b) {
    this.repository = b.repository;
    this.searchPath = List.copyOf(b.searchPath);
    this.maxBodyChars = b.maxBodyChars;
    this.maxCriteria = b.maxCriteria;
    this.infra = Pattern.compile("\\b(" + String.join("|", b.infraKeywords.stream().map(Pattern::quote).toList())
        + ")", Pattern.CASE_INSENSITIVE);
  }

  /**
   * A lint for tickets of {@code repository}, where verify commands run and repository paths are looked up.
   *
   * @param repository the git working tree the tickets change
   * @return a builder with the default limits
   * @throws InputException when the repository is not a folder
   */
  public static Builder builder(Path repository) {
    return new Builder(repository);
  }

  /**
   * {@link #check(Collection, String, Set)} with no master and no tickets known outside the list.
   *
   * @param tickets the batch to lint
   * @return the findings; empty when the batch is ready
   */
  public List<LintFinding> check(Collection<Ticket> tickets) {
    return check(tickets, null, Set.of());
  }

  /**
   * Lints {@code tickets}: those neither done nor cancelled are checked rule by rule; every ticket counts for
   * the graph.
   *
   * @param tickets the batch to lint, with the done and cancelled tickets the graph needs
   * @param masterId the master ticket every ticket must lie under (through parent-child edges), or null for
   *     none; a master not in the list is itself a finding
   * @param knownIds ids outside the list that edges may name (tickets of the tracker not being linted)
   * @return the findings, ticket by ticket in list order, then the graph's; empty when the batch is ready
   */
  public List<LintFinding> check(Collection<Ticket> tickets, @Nullable String masterId, Set<String> knownIds) {
    Map<String, Ticket> byId = new LinkedHashMap<>();
    for (Ticket t : tickets) {
      byId.put(t.id(), t);
    }
    List<LintFinding> out = new ArrayList<>();
    for (Ticket t : byId.values()) {
      if (t.status() == Status.DONE || t.status() == Status.CANCELLED) {
        continue;
      }
      boolean master = t.id().equals(masterId);
      if (!master) {
        finishLine(t, out);
      }
      acceptance(t, out);
      openQuestions(t, out);
      if (!master) {
        resources(t, out);
      }
      size(t, out);
      for (Dependency d : t.dependencies()) {
        if (d.type().affectsReadiness() && !byId.containsKey(d.target()) && !knownIds.contains(d.target())) {
          out.add(new LintFinding(t.id(), "dependencies", "graph", "names " + d + ", an unknown ticket: expected"
              + " the id of a ticket of the batch"));
        }
      }
    }
    cycles(byId, out);
    if (masterId != null) {
      underMaster(byId, masterId, out);
    }
    return List.copyOf(out);
  }

  private void finishLine(Ticket t, List<LintFinding> out) {
    String verify = t.metadata().getOrDefault("verify", "").strip();
    if (verify.isEmpty()) {
      out.add(new LintFinding(t.id(), "verify", "finish-line", "has no verify command: expected metadata 'verify'"
          + " with a command that checks the work (e.g. sh tests/run.sh list) and 'verify-expect' with the output"
          + " it must show"));
      return;
    }
    executableProblem(verify).ifPresent(p -> out.add(new LintFinding(t.id(), "verify", "finish-line",
        "command '" + verify + "' " + p)));
    boolean expect = !t.metadata().getOrDefault("verify-expect", "").isBlank();
    boolean file = !t.metadata().getOrDefault("verify-file", "").isBlank();
    if (!expect && !file) {
      out.add(new LintFinding(t.id(), "verify-expect", "finish-line", "is missing for verify '" + verify
          + "': expected a regular expression its output must contain (or verify-file), since an exit code"
          + " alone proves nothing"));
    } else if (expect) {
      try {
        Pattern.compile(t.metadata().get("verify-expect"));
      } catch (java.util.regex.PatternSyntaxException e) {
        out.add(new LintFinding(t.id(), "verify-expect", "finish-line", "'" + t.metadata().get("verify-expect")
            + "' is not a regular expression (" + e.getDescription() + "): expected a Java regex"));
      }
    }
  }

  /** Why the command's executable (or the script a shell runs) cannot be found; empty when it can. */
  private Optional<String> executableProblem(String command) {
    List<String> words = words(command);
    int i = 0;
    while (i < words.size() && ASSIGNMENT.matcher(words.get(i)).matches()) {
      i++;
    }
    if (i == words.size()) {
      return Optional.of("sets variables but runs nothing: expected a command after them");
    }
    String exe = words.get(i);
    if (exe.contains("/")) {
      if (!inRepository(exe)) {
        return Optional.of("runs '" + exe + "', which is not a file of the repository " + repository
            + ": expected an existing script or program");
      }
    } else if (!BUILTINS.contains(exe) && !onSearchPath(exe)) {
      return Optional.of("runs '" + exe + "', which is neither on the search path " + searchPath
          + " nor a shell builtin: expected an installed program");
    }
    String name = exe.substring(exe.lastIndexOf('/') + 1);
    if (SHELLS.contains(name) && i + 1 < words.size() && !words.get(i + 1).startsWith("-")
        && !inRepository(words.get(i + 1))) {
      return Optional.of("has " + name + " run '" + words.get(i + 1) + "', which is not a file of the repository "
          + repository + ": expected an existing script");
    }
    return Optional.empty();
  }

  private boolean inRepository(String path) {
    try {
      Path p = repository.resolve(path).normalize();
      return p.startsWith(repository) && Files.isRegularFile(p);
    } catch (InvalidPathException e) {
      return false;
    }
  }

  private boolean onSearchPath(String exe) {
    for (Path dir : searchPath) {
      try {
        Path p = dir.resolve(exe);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return true;
        }
      } catch (InvalidPathException e) {
        return false;
      }
    }
    return false;
  }

  /** The command's words, with single and double quotes honoured; enough to find the executable. */
  static List<String> words(String command) {
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < command.length(); i++) {
      char c = command.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c) || c == ';' || c == '&' || c == '|') {
        if (inWord) {
          out.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
        if (c != ' ' && c != '\t') {
          break; // only the first simple command matters
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      out.add(word.toString());
    }
    return out;
  }

  private static void acceptance(Ticket t, List<LintFinding> out) {
    if (t.acceptanceCriteria().isEmpty()) {
      out.add(new LintFinding(t.id(), "acceptance", "acceptance", "is empty: expected at least one checkable"
          + " criterion that says when the ticket is done"));
    }
    for (int i = 0; i < t.acceptanceCriteria().size(); i++) {
      if (t.acceptanceCriteria().get(i).isBlank()) {
        out.add(new LintFinding(t.id(), "acceptance", "acceptance", "criterion " + (i + 1) + " is blank: expected"
            + " a checkable criterion"));
      }
    }
  }

  private static void openQuestions(Ticket t, List<LintFinding> out) {
    if (t.title().contains("?")) {
      out.add(new LintFinding(t.id(), "title", "open-question", "'" + t.title() + "' asks a question: expected a"
          + " decided piece of work"));
    }
    question(t, "title", t.title(), out);
    String prose = INLINE_CODE.matcher(FENCED.matcher(t.body()).replaceAll(" ")).replaceAll(" ");
    question(t, "body", prose, out);
    Matcher m = QUESTION.matcher(prose);
    if (m.find()) {
      out.add(new LintFinding(t.id(), "body", "open-question", "asks a question ('" + excerpt(prose, m.start())
          + "'): expected the scope decided before the loop starts"));
    }
    for (String c : t.acceptanceCriteria()) {
      question(t, "acceptance", c, out);
    }
  }

  private static void question(Ticket t, String field, String text, List<LintFinding> out) {
    for (Pattern p : OPEN_QUESTIONS) {
      Matcher m = p.matcher(text);
      if (m.find()) {
        out.add(new LintFinding(t.id(), field, "open-question", "leaves a question open ('" + m.group()
            + "' in '" + excerpt(text, m.start()) + "'): expected it decided before the loop starts"));
        return;
      }
    }
  }

  private static String excerpt(String text, int at) {
    int from = Math.max(0, at - 40);
    int to = Math.min(text.length(), at + 40);
    return (from > 0 ? "..." : "") + text.substring(from, to).replaceAll("\\s+", " ").strip()
        + (to < text.length() ? "..." : "");
  }

  private void resources(Ticket t, List<LintFinding> out) {
    if (!t.resources().isEmpty()) {
      return;
    }
    StringBuilder text = new StringBuilder(t.title()).append('\n').append(t.body()).append('\n')
        .append(t.metadata().getOrDefault("verify", ""));
    t.acceptanceCriteria().forEach(c -> text.append('\n').append(c));
    Matcher m = infra.matcher(text);
    if (m.find()) {
      out.add(new LintFinding(t.id(), "resources", "resources", "is empty, but the ticket is infrastructure work"
          + " ('" + excerpt(text.toString(), m.start()) + "'): expected a resource such as infra-apply, so two"
          + " applies never run at once"));
    }
  }

  private void size(Ticket t, List<LintFinding> out) {
    if (t.body().length() > maxBodyChars) {
      out.add(new LintFinding(t.id(), "body", "size", "has " + t.body().length() + " characters: expected at most "
          + maxBodyChars + "; split the ticket"));
    }
    if (t.acceptanceCriteria().size() > maxCriteria) {
      out.add(new LintFinding(t.id(), "acceptance", "size", "has " + t.acceptanceCriteria().size()
          + " criteria: expected at most " + maxCriteria + "; split the ticket"));
    }
  }

  /** Each cycle of blocks and parent-child edges once, named edge by edge. */
  private static void cycles(Map<String, Ticket> byId, List<LintFinding> out) {
    Map<String, Integer> state = new HashMap<>(); // 1 on the path, 2 finished
    Set<String> reported = new HashSet<>();
    for (String start : byId.keySet()) {
      if (!state.containsKey(start)) {
        walk(start, byId, state, new ArrayList<>(), new ArrayList<>(), reported, out);
      }
    }
  }

  private static void walk(String id, Map<String, Ticket> byId, Map<String, Integer> state, List<String> path,
      List<DependencyType> edges, Set<String> reported, List<LintFinding> out) {
    state.put(id, 1);
    path.add(id);
    for (Dependency d : byId.get(id).dependencies()) {
      if (!d.type().affectsReadiness() || !byId.containsKey(d.target())) {
        continue;
      }
      Integer s = state.get(d.target());
      if (s == null) {
        edges.add(d.type());
        walk(d.target(), byId, state, path, edges, reported, out);
        edges.remove(edges.size() - 1);
      } else if (s == 1) {
        int from = path.indexOf(d.target());
        List<String> cycle = path.subList(from, path.size());
        if (reported.add(String.join(",", cycle.stream().sorted().toList()))) {
          StringBuilder text = new StringBuilder();
          for (int i = from; i < path.size(); i++) {
            DependencyType type = i + 1 < path.size() ? edges.get(i) : d.type();
            text.append(path.get(i)).append(" -").append(type.wireName()).append("-> ");
          }
          text.append(d.target());
          out.add(new LintFinding(path.get(from), "dependencies", "graph", "is in a cycle " + text
              + " (each ticket waits on the next): expected blocks and parent-child edges without cycles"));
        }
      }
    }
    path.remove(path.size() - 1);
    state.put(id, 2);
  }

  private static void underMaster(Map<String, Ticket> byId, String masterId, List<LintFinding> out) {
    if (!byId.containsKey(masterId)) {
      out.add(new LintFinding(masterId, "id", "graph", "is the master but not a ticket of the batch: expected"
          + " the master ticket among the tickets"));
      return;
    }
    for (Ticket t : byId.values()) {
      if (t.id().equals(masterId) || t.status() == Status.DONE || t.status() == Status.CANCELLED) {
        continue;
      }
      Set<String> seen = new HashSet<>();
      List<String> frontier = new ArrayList<>(List.of(t.id()));
      boolean reached = false;
      while (!frontier.isEmpty() && !reached) {
        String next = frontier.remove(frontier.size() - 1);
        if (!seen.add(next) || !byId.containsKey(next)) {
          continue;
        }
        for (String parent : byId.get(next).dependencyTargets(DependencyType.PARENT_CHILD)) {
          reached |= parent.equals(masterId);
          frontier.add(parent);
        }
      }
      if (!reached) {
        out.add(new LintFinding(t.id(), "dependencies", "graph", "is not under the master " + masterId
            + ": expected a parent-child edge to " + masterId + " (directly or through a parent)"));
      }
    }
  }

  /** Builds a {@link ReadinessLint}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final Path repository;
    private List<Path> searchPath;
    private int maxBodyChars = 6000;
    private int maxCriteria = 12;
    private List<String> infraKeywords = DEFAULT_INFRA_KEYWORDS;

    private Builder(Path repository) {
      Path real = repository.toAbsolutePath().normalize();
      if (!Files.isDirectory(real)) {
        throw new InputException("repository " + repository + " given to ReadinessLint is not a folder: expected"
            + " the repository the tickets' verify commands run in");
      }
      this.repository = real;
      this.searchPath = parsePath(Objects.requireNonNullElse(System.getenv("PATH"), "/usr/local/bin:/usr/bin:/bin"));
    }

    /**
     * Where executables are looked up, as a PATH value ({@code /usr/bin:/bin}); default the host's PATH.
     *
     * @param path directories separated by {@code :}
     * @return this builder
     * @throws InputException when an entry is not a path
     */
    public Builder searchPath(String path) {
      this.searchPath = parsePath(path);
      return this;
    }

    private static List<Path> parsePath(String path) {
      List<Path> out = new ArrayList<>();
      for (String dir : path.split(":")) {
        if (!dir.isBlank()) {
          try {
            out.add(Path.of(dir));
          } catch (InvalidPathException e) {
            throw new InputException("search path entry '" + dir + "' is not a path: expected a PATH value such"
                + " as /usr/bin:/bin", e);
          }
        }
      }
      return out;
    }

    /**
     * The longest body a ticket may have (default 6,000 characters).
     *
     * @param chars at least 1
     * @return this builder
     * @throws InputException unless positive
     */
    public Builder maxBodyChars(int chars) {
      if (chars < 1) {
        throw new InputException("max body characters " + chars + " given to ReadinessLint: expected at least 1");
      }
      this.maxBodyChars = chars;
      return this;
    }

    /**
     * The most acceptance criteria a ticket may have (default 12).
     *
     * @param criteria at least 1
     * @return this builder
     * @throws InputException unless positive
     */
    public Builder maxCriteria(int criteria) {
      if (criteria < 1) {
        throw new InputException("max criteria " + criteria + " given to ReadinessLint: expected at least 1");
      }
      this.maxCriteria = criteria;
      return this;
    }

    /**
     * The words (prefixes at a word start, any case) that mark infrastructure work; default {@link
     * #DEFAULT_INFRA_KEYWORDS}.
     *
     * @param keywords at least one, none blank
     * @return this builder
     * @throws InputException when {@code keywords} is empty or holds a blank word
     */
    public Builder infraKeywords(List<String> keywords) {
      if (keywords.isEmpty() || keywords.stream().anyMatch(String::isBlank)) {
        throw new InputException("infrastructure keywords " + keywords + " given to ReadinessLint: expected"
            + " non-blank words such as terraform, deploy");
      }
      this.infraKeywords = keywords.stream().map(k -> k.strip().toLowerCase(Locale.ROOT)).toList();
      return this;
    }

    /**
     * Builds the lint.
     *
     * @return the lint, which may check any number of batches
     */
    public ReadinessLint build() {
      return new ReadinessLint(this);
    }
  }
}
