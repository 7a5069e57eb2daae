package dev.loopkit.linear;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The subset of GraphQL the fake Linear server needs to execute the tracker's documents for real: an operation
 * ({@code query}/{@code mutation}, a name, variable definitions), fields with aliases, arguments (variables,
 * numbers, strings, booleans, enums, objects, lists) and nested selection sets. No fragments or directives: the
 * tracker uses none, and a document that did would fail to parse here, which a test would notice.
 */
final class GraphQlDocument {
  /** One selected field. */
  record Field(String alias, String name, Map<String, JsonNode> args, List<Field> selection) {
    /** Every field name below this one, as dotted paths ({@code state.type}), for field-by-field assertions. */
    void paths(String prefix, Set<String> out) {
      String me = prefix.isEmpty() ? name : prefix + "." + name;
      out.add(me);
      for (Field f : selection) {
        f.paths(me, out);
      }
    }
  }

  final String operationType;
  final String operationName;
  final Set<String> declaredVariables = new LinkedHashSet<>();
  final List<Field> fields;
  final Set<String> usedVariables = new LinkedHashSet<>();
  private final String text;
  private final JsonNode variables;
  private int pos;

  private GraphQlDocument(String text, JsonNode variables) {
    this.text = text;
    this.variables = variables;
    skip();
    operationType = name();
    if (!operationType.equals("query") && !operationType.equals("mutation")) {
      throw new IllegalArgumentException("expected query or mutation, found " + operationType);
    }
    skip();
    operationName = peek() == '(' || peek() == '{' ? "" : name();
    skip();
    if (peek() == '(') {
      pos++;
      while (true) {
        skip();
        if (peek() == ')') {
          pos++;
          break;
        }
        expect('$');
        declaredVariables.add(name());
        skip();
        expect(':');
        type();
        skip();
        if (peek() == ',') {
          pos++;
        }
      }
    }
    fields = selection();
  }

  static GraphQlDocument parse(String text, JsonNode variables) {
    return new GraphQlDocument(text, variables);
  }

  /** Every selected path, e.g. {@code issues.nodes.state.type}. */
  Set<String> paths() {
    Set<String> out = new LinkedHashSet<>();
    for (Field f : fields) {
      f.paths("", out);
    }
    return out;
  }

  private void type() {
    skip();
    if (peek() == '[') {
      pos++;
      type();
      skip();
      expect(']');
    } else {
      name();
    }
    skip();
    if (peek() == '!') {
      pos++;
    }
  }

  private List<Field> selection() {
    skip();
    expect('{');
    List<Field> out = new ArrayList<>();
    while (true) {
      skip();
      if (peek() == '}') {
        pos++;
        return out;
      }
      String first = name();
      skip();
      String alias = first;
      String name = first;
      if (peek() == ':') {
        pos++;
        skip();
        name = name();
        skip();
      }
      Map<String, JsonNode> args = new LinkedHashMap<>();
      if (peek() == '(') {
        pos++;
        while (true) {
          skip();
          if (peek() == ')') {
            pos++;
            break;
          }
          String arg = name();
          skip();
          expect(':');
          args.put(arg, value());
          skip();
          if (peek() == ',') {
            pos++;
          }
        }
        skip();
      }
      List<Field> sub = peek() == '{' ? selection() : List.of();
      out.add(new Field(alias, name, args, sub));
    }
  }

  private JsonNode value() {
    skip();
    char c = peek();
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (c == '$') {
      pos++;
      String var = name();
      if (!declaredVariables.contains(var)) {
        throw new IllegalArgumentException("variable $" + var + " is used but not declared");
      }
      usedVariables.add(var);
      return variables.has(var) ? variables.get(var) : f.nullNode();
    }
    if (c == '"') {
      int end = text.indexOf('"', pos + 1);
      String s = text.substring(pos + 1, end);
      pos = end + 1;
      return f.textNode(s);
    }
    if (c == '{') {
      pos++;
      ObjectNode o = f.objectNode();
      while (true) {
        skip();
        if (peek() == '}') {
          pos++;
          return o;
        }
        String k = name();
        skip();
        expect(':');
        o.set(k, value());
        skip();
        if (peek() == ',') {
          pos++;
        }
      }
    }
    if (c == '[') {
      pos++;
      ArrayNode a = f.arrayNode();
      while (true) {
        skip();
        if (peek() == ']') {
          pos++;
          return a;
        }
        a.add(value());
        skip();
        if (peek() == ',') {
          pos++;
        }
      }
    }
    if (c == '-' || Character.isDigit(c)) {
      int start = pos;
      pos++;
      while (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
        pos++;
      }
      String n = text.substring(start, pos);
      return n.contains(".") ? f.numberNode(Double.parseDouble(n)) : f.numberNode(Long.parseLong(n));
    }
    String word = name();
    switch (word) {
      case "true":
        return f.booleanNode(true);
      case "false":
        return f.booleanNode(false);
      case "null":
        return f.nullNode();
      default:
        return f.textNode(word);
    }
  }

  private String name() {
    int start = pos;
    while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
      pos++;
    }
    if (start == pos) {
      throw new IllegalArgumentException("expected a name at " + pos + ": '" + rest() + "'");
    }
    return text.substring(start, pos);
  }

  private void expect(char c) {
    skip();
    if (peek() != c) {
      throw new IllegalArgumentException("expected '" + c + "' at " + pos + ": '" + rest() + "'");
    }
    pos++;
  }

  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private void skip() {
    while (pos < text.length() && (Character.isWhitespace(text.charAt(pos)) || text.charAt(pos) == ',')) {
      pos++;
    }
  }

  private String rest() {
    return text.substring(pos, Math.min(text.length(), pos + 30));
  }
}
