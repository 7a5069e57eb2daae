package dev.loopkit.jira;

import dev.loopkit.core.InputException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the tracker authenticates to Jira Cloud. Both forms name the <em>environment variable</em> that holds the
 * secret, never the secret itself, so a configuration file can carry them: the value is read once, when the
 * tracker is built, and is sent only in the {@code Authorization} header.
 */
public sealed interface JiraAuth {

  /**
   * The name of the environment variable that holds the secret.
   *
   * @return a variable name such as {@code JIRA_API_TOKEN}, never the secret
   */
  String tokenVariable();

  /**
   * Basic authentication with an Atlassian account's email and an API token
   * (id.atlassian.com, "Security", "API tokens"): {@code Authorization: Basic base64(email:token)}.
   *
   * @param email the Atlassian account's email address, e.g. {@code dev@acme.com}
   * @param tokenVariable the name of the environment variable holding the API token
   * @return the authentication
   * @throws InputException if the email has spaces or colons or no {@code @}, or the variable name is not one
   */
  static JiraAuth basic(String email, String tokenVariable) {
    return new Basic(email, tokenVariable);
  }

  /**
   * A bearer token (an OAuth 2.0 access token or a service account's token): {@code Authorization: Bearer ...}.
   *
   * @param tokenVariable the name of the environment variable holding the token
   * @return the authentication
   * @throws InputException if the name is not letters, digits and {@code _} (at most 128, not starting with a
   *     digit)
   */
  static JiraAuth bearer(String tokenVariable) {
    return new Bearer(tokenVariable);
  }

  /**
   * Email plus API token; the token comes from {@code tokenVariable}.
   *
   * @param email the Atlassian account's email address
   * @param tokenVariable the name of the environment variable holding the API token
   */
  record Basic(String email, String tokenVariable) implements JiraAuth {
    private static final Pattern EMAIL = Pattern.compile("[^\\s@:]+@[^\\s@:]+");

    /**
     * Checks both values.
     *
     * @param email an address without spaces or colons, with one {@code @}
     * @param tokenVariable an environment variable name
     * @throws InputException naming the value that does not fit
     */
    public Basic {
      Objects.requireNonNull(email, "email");
      if (!EMAIL.matcher(email).matches()) {
        throw new InputException("Jira email '" + email + "': expected the Atlassian account's email address,"
            + " such as dev@acme.com (no spaces or colons)");
      }
      tokenVariable = Bearer.checkVariable(tokenVariable);
    }
  }

  /**
   * A bearer token from {@code tokenVariable}.
   *
   * @param tokenVariable the name of the environment variable holding the token
   */
  record Bearer(String tokenVariable) implements JiraAuth {
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    /**
     * Checks the variable name.
     *
     * @param tokenVariable letters, digits and {@code _}, not starting with a digit, at most 128 characters
     * @throws InputException naming the value when it is not a variable name (e.g. the token itself)
     */
    public Bearer {
      tokenVariable = checkVariable(tokenVariable);
    }

    static String checkVariable(String name) {
      Objects.requireNonNull(name, "tokenVariable");
      if (!VARIABLE.matcher(name).matches()) {
        throw new InputException("Jira token variable '" + name + "': expected the NAME of an environment"
            + " variable such as JIRA_API_TOKEN (letters, digits and _), not the token itself");
      }
      return name;
    }
  }

  /**
   * The {@code Authorization} header value, with the secret read from {@code environment}.
   *
   * @param auth the authentication to apply
   * @param environment the environment to read the secret from, usually {@link System#getenv()}
   * @return {@code Basic <base64>} or {@code Bearer <token>}, the token trimmed; a secret, never to be logged
   * @throws InputException naming the variable (never its value) when it is unset, blank or not one line
   */
  static String header(JiraAuth auth, Map<String, String> environment) {
    String secret = environment.get(auth.tokenVariable());
    if (secret == null || secret.isBlank()) {
      throw new InputException("no Jira token: the environment variable " + auth.tokenVariable()
          + " is unset or blank; expected it to hold " + (auth instanceof Basic
          ? "an Atlassian API token for " + ((Basic) auth).email() : "a bearer token"));
    }
    String token = secret.trim();
    if (!token.chars().allMatch(c -> c > 32 && c < 127)) {
      throw new InputException("the Jira token in " + auth.tokenVariable() + " holds spaces, line breaks or"
          + " other characters a header cannot carry: expected a single-line token (its value is not shown)");
    }
    if (auth instanceof Basic b) {
      return "Basic " + Base64.getEncoder().encodeToString((b.email() + ":" + token)
          .getBytes(StandardCharsets.UTF_8));
    }
    return "Bearer " + token;
  }
}
