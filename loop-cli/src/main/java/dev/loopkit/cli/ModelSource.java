package dev.loopkit.cli;

import dev.loopkit.core.InputException;
import dev.loopkit.llm.AnthropicClient;
import dev.loopkit.llm.ModelClient;
import dev.loopkit.llm.ModelRequest;
import dev.loopkit.llm.ModelResponse;
import dev.loopkit.llm.OpenAiClient;
import dev.loopkit.llm.OpenAiResponsesClient;
import dev.loopkit.llm.Reasoning;
import dev.loopkit.llm.PriceTable;
import dev.loopkit.llm.ScriptedModelClient;
import dev.loopkit.llm.StreamListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The model client of one role for one attempt. A vendor client is shared by every attempt; a scripted model
 * replays the recorded conversation of that ticket and attempt, so concurrent attempts never consume each
 * other's steps: {@code <transcripts>/<ticket>-attempt-<n>.jsonl}, else {@code <ticket>.jsonl}, else
 * {@code default.jsonl}.
 */
interface ModelSource {

  ModelClient client(String ticketId, int attempt);

  /** The vendor name the role reports (scripted roles are told apart by their model). */
  String vendor();

  /**
   * The source a models entry describes; API keys are read from {@code environment} by name.
   *
   * @throws InputException naming the configuration file and key when a key variable is unset
   */
  static ModelSource of(ProjectConfig config, ProjectConfig.Model model, Map<String, String> environment) {
    switch (model.vendor()) {
      case "scripted": {
        Path folder = java.util.Objects.requireNonNull(model.transcripts());
        String vendor = "scripted:" + model.model();
        return new ModelSource() {
          @Override
          public ModelClient client(String ticketId, int attempt) {
            for (String name : List.of(ticketId + "-attempt-" + attempt + ".jsonl", ticketId + ".jsonl",
                "default.jsonl")) {
              Path file = folder.resolve(name);
              if (Files.isRegularFile(file)) {
                ModelClient replay = new Labelled(ScriptedModelClient.transcriptBuilder(file)
                    .priceTable(PriceTable.defaults()).build(), vendor);
                return model.reasoning() == null && model.structuredOutput() ? replay
                    : new EntrySettings(replay, model.reasoning(), model.structuredOutput());
              }
            }
            throw new InputException("no recorded conversation for ticket " + ticketId + " attempt " + attempt
                + " in " + folder + ": expected " + ticketId + "-attempt-" + attempt + ".jsonl, " + ticketId
                + ".jsonl or default.jsonl (models." + model.role() + ".transcripts in " + config.file() + ")");
          }

          @Override
          public String vendor() {
            return vendor;
          }
        };
      }
      case "anthropic":
      case "openai": {
        String variable = model.keyVariableOrDefault();
        String key = model.noKey() ? "" : environment.get(variable);
        if (!model.noKey() && (key == null || key.isBlank())) {
          throw new InputException(config.file() + ": key 'models." + model.role() + "." + (model.keyVariable() == null
              ? "vendor" : "key-env") + "' needs the environment variable " + variable + ", which is not set:"
              + " expected it to hold the " + model.vendor() + " API key (or set models." + model.role()
              + ".key-env to the variable that does)");
        }
        ModelClient client;
        if (model.vendor().equals("anthropic")) {
          client = compatible(AnthropicClient.builder(), model, key).build();
        } else if (model.api().equals("responses")) {
          client = compatible(OpenAiResponsesClient.builder(), model, key).build();
        } else {
          OpenAiClient.Builder b = compatible(OpenAiClient.builder(), model, key);
          if (model.tokenLimitField() != null) {
            b.tokenLimitField(model.tokenLimitField().equals("max_tokens") ? OpenAiClient.TokenLimitField.MAX_TOKENS
                : OpenAiClient.TokenLimitField.MAX_COMPLETION_TOKENS);
          }
          client = b.build();
        }
        ModelClient shared = model.reasoning() == null && model.structuredOutput() ? client
            : new EntrySettings(client, model.reasoning(), model.structuredOutput());
        return new ModelSource() {
          @Override
          public ModelClient client(String ticketId, int attempt) {
            return shared;
          }

          @Override
          public String vendor() {
            return shared.vendor();
          }
        };
      }
      default:
        throw new IllegalStateException("vendor " + model.vendor() + " passed the configuration check");
    }
  }

  /**
   * A vendor's builder set up for this entry: the key (or none), the base URL, the auth, the vendor name, the extra
   * headers and the fallback price.
   */
  private static <B extends dev.loopkit.llm.HttpModelClient.Builder<B>> B compatible(B b, ProjectConfig.Model model,
      String key) {
    if (model.noKey()) {
      b.noApiKey();
    } else {
      b.apiKey(key);
    }
    if (model.baseUrl() != null) {
      b.baseUrl(model.baseUrl());
    }
    if ("bearer".equals(model.auth())) {
      b.bearerAuth();
    } else if (model.auth() != null) {
      b.apiKeyHeader(model.auth().substring("header:".length()));
    }
    if (model.vendorName() != null) {
      b.vendor(model.vendorName());
    }
    model.headers().forEach(b::header);
    if (model.price() != null) {
      b.fallbackPrice(model.price());
    }
    return b;
  }

  /** A client under another vendor name: two scripted roles are two "vendors" for the review rule. */
  final class Labelled implements ModelClient {
    private final ModelClient delegate;
    private final String vendor;

    Labelled(ModelClient delegate, String vendor) {
      this.delegate = delegate;
      this.vendor = vendor;
    }

    @Override
    public ModelResponse send(ModelRequest request) {
      return delegate.send(request);
    }

    @Override
    public ModelResponse stream(ModelRequest request, StreamListener listener) {
      return delegate.stream(request, listener);
    }

    @Override
    public String vendor() {
      return vendor;
    }
  }

  /**
   * A client whose requests carry the model entry's {@code reasoning-effort} / {@code thinking-budget} unless
   * the caller set reasoning of its own (a thinking budget is added to the request's max tokens, so the role's
   * answer keeps the room it asked for), and go without an output schema when the entry says
   * {@code structured-output: false}.
   */
  final class EntrySettings implements ModelClient {
    private final ModelClient delegate;
    private final @org.jspecify.annotations.Nullable Reasoning reasoning;
    private final boolean structuredOutput;

    EntrySettings(ModelClient delegate, @org.jspecify.annotations.Nullable Reasoning reasoning, boolean structuredOutput) {
      this.delegate = delegate;
      this.reasoning = reasoning;
      this.structuredOutput = structuredOutput;
    }

    private ModelRequest apply(ModelRequest request) {
      boolean reason = reasoning != null && request.reasoning().isEmpty();
      boolean strip = !structuredOutput && request.outputSchema().isPresent();
      if (!reason && !strip) {
        return request;
      }
      ModelRequest.Builder b = request.toBuilder();
      if (reason) {
        b.reasoning(reasoning).maxTokens(request.maxTokens() + reasoning.budgetTokens());
      }
      if (strip) {
        b.outputSchema(null);
      }
      return b.build();
    }

    @Override
    public ModelResponse send(ModelRequest request) {
      return delegate.send(apply(request));
    }

    @Override
    public ModelResponse stream(ModelRequest request, StreamListener listener) {
      return delegate.stream(apply(request), listener);
    }

    @Override
    public String vendor() {
      return delegate.vendor();
    }
  }
}
