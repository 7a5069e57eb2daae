package dev.loopkit.core.process;

import dev.loopkit.core.InputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The environment a child process gets: built from an allow-list, never inherited whole, so the host's
 * secrets (API keys, tokens, passwords, credentials) do not reach commands a model asked for. Immutable and
 * thread-safe; build one with {@link #builder()} or take {@link #defaults()}.
 *
 * <p>A variable is inherited from the host only when its name is on the allow-list. Names that look like
 * secrets ({@code *_KEY}, {@code *_TOKEN}, {@code *SECRET*}, {@code *PASSWORD*}, {@code *CREDENTIAL*},
 * {@code *AUTH*}, ...) are refused by {@link Builder#inherit} at once; a host that truly wants to hand one to a
 * trusted binary says so with {@link Builder#inheritSecret}.
 */
public final class CommandEnvironment {

  /** Names inherited by {@link #defaults()}: what ordinary build tools need to find themselves and a locale. */
  public static final List<String> DEFAULT_INHERITED = List.of("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG",
      "LC_ALL", "LC_CTYPE", "TERM", "TZ", "TMPDIR", "JAVA_HOME");

  private static final Pattern SECRET_NAME = Pattern.compile(
      ".*(KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|SIGNATURE).*");

  private static final CommandEnvironment DEFAULTS = builder().build();

  private final Set<String> inherited;
  private final Map<String, String> fixed;

  private CommandEnvironment(Builder b) {
    this.inherited = Set.copyOf(new LinkedHashSet<>(b.inherited));
    this.fixed = Map.copyOf(b.fixed);
  }

  /** {@return the allow-list {@link #DEFAULT_INHERITED} and nothing else} */
  public static CommandEnvironment defaults() {
    return DEFAULTS;
  }

  /** {@return a builder that starts from {@link #DEFAULT_INHERITED}} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@return whether {@code name} looks like it holds a secret (case-insensitive)}
   *
   * @param name a variable's name, such as {@code GITHUB_TOKEN}
   */
  public static boolean looksSecret(String name) {
    return SECRET_NAME.matcher(name.toUpperCase(Locale.ROOT)).matches();
  }

  /** {@return the names this environment takes from the host, in no particular order} */
  public Set<String> inherited() {
    return inherited;
  }

  /**
   * The variables a child gets: the allowed names present in {@code host}, then the fixed values on top.
   *
   * @param host the host's environment, usually {@link System#getenv()}
   * @return the child's variables, by name
   */
  public Map<String, String> resolve(Map<String, String> host) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String name : inherited) {
      String value = host.get(name);
      if (value != null) {
        env.put(name, value);
      }
    }
    env.putAll(fixed);
    return env;
  }

  /**
   * The values of {@code host} variables whose names look like secrets (at least 6 characters long, so that
   * trivial values do not blank out ordinary text): what a transcript writer must redact.
   *
   * @param host the host's environment, usually {@link System#getenv()}
   * @return the values to redact, possibly none
   */
  public static List<String> secretValues(Map<String, String> host) {
    List<String> values = new ArrayList<>();
    host.forEach((name, value) -> {
      if (looksSecret(name) && value.length() >= 6) {
        values.add(value);
      }
    });
    return values;
  }

  @Override
  public String toString() {
    return "CommandEnvironment{inherit=" + inherited + ", fixed=" + fixed.keySet() + "}";
  }

  /** Builds a {@link CommandEnvironment}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final Set<String> inherited = new LinkedHashSet<>(DEFAULT_INHERITED);
    private final Map<String, String> fixed = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Adds names to inherit from the host.
     *
     * @param names the variables' names; non-empty, without {@code =} or NUL, none looking like a secret
     * @return this builder
     * @throws InputException naming the variable when a name is blank or looks like a secret
     */
    public Builder inherit(String... names) {
      for (String name : names) {
        checkName(name, "inherit");
        if (looksSecret(name)) {
          throw new InputException("environment variable '" + name + "' passed to CommandEnvironment.inherit"
              + " looks like a secret: expected a non-secret name; use inheritSecret if a trusted binary truly"
              + " needs it");
        }
        inherited.add(name);
      }
      return this;
    }

    /**
     * Inherits a variable even though it looks like a secret: for a trusted binary (such as a headless agent
     * CLI) that needs its own credential. Never use it for commands a model chooses.
     *
     * @param name the variable's name; non-empty, without {@code =} or NUL
     * @return this builder
     * @throws InputException if the name is empty or holds {@code =} or a NUL
     */
    public Builder inheritSecret(String name) {
      inherited.add(checkName(name, "inheritSecret"));
      return this;
    }

    /**
     * Removes every inherited name, including the defaults.
     *
     * @return this builder
     */
    public Builder inheritNothing() {
      inherited.clear();
      return this;
    }

    /**
     * Sets a fixed value, which wins over an inherited one of the same name.
     *
     * @param name the variable's name; non-empty, without {@code =} or NUL
     * @param value the value the child gets
     * @return this builder
     * @throws InputException if the name is empty or holds {@code =} or a NUL
     */
    public Builder set(String name, String value) {
      fixed.put(checkName(name, "set"), Objects.requireNonNull(value, "value"));
      return this;
    }

    private static String checkName(String name, String where) {
      if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        throw new InputException("environment variable name '" + name + "' passed to CommandEnvironment." + where
            + ": expected a non-empty name without '=' or NUL");
      }
      return name;
    }

    /** {@return the environment} */
    public CommandEnvironment build() {
      return new CommandEnvironment(this);
    }
  }
}
