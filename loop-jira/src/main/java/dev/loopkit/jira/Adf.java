package dev.loopkit.jira;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Atlassian Document Format, the JSON tree REST v3 uses for descriptions and comment bodies. Text is written
 * as one paragraph per line (so it reads back exactly); a tree from Jira is flattened to plain text, block
 * nodes on lines of their own, {@code hardBreak} as a line break, list items as {@code - } or {@code 1. } lines.
 */
final class Adf {
  /** The heading that introduces the acceptance criteria in a description Loop writes. */
  static final String CRITERIA_HEADING = "Acceptance criteria";

  private Adf() {}

  /** A description or comment in ADF: paragraphs of {@code text}, then the criteria as a headed bullet list. */
  static ObjectNode document(ObjectMapper json, String text, List<String> criteria) {
    ObjectNode doc = json.createObjectNode().put("type", "doc").put("version", 1);
    ArrayNode content = doc.putArray("content");
    if (!text.isEmpty()) {
      for (String line : text.split("\n", -1)) {
        ObjectNode paragraph = content.addObject().put("type", "paragraph");
        ArrayNode inline = paragraph.putArray("content");
        if (!line.isEmpty()) {
          // ADF forbids empty text nodes: an empty line is an empty paragraph
          inline.addObject().put("type", "text").put("text", line);
        }
      }
    }
    if (!criteria.isEmpty()) {
      ObjectNode heading = content.addObject().put("type", "heading");
      heading.putObject("attrs").put("level", 2);
      heading.putArray("content").addObject().put("type", "text").put("text", CRITERIA_HEADING);
      ArrayNode items = content.addObject().put("type", "bulletList").putArray("content");
      for (String criterion : criteria) {
        ArrayNode paragraphs = items.addObject().put("type", "listItem").putArray("content");
        ObjectNode p = paragraphs.addObject().put("type", "paragraph");
        ArrayNode inline = p.putArray("content");
        if (!criterion.isEmpty()) {
          inline.addObject().put("type", "text").put("text", criterion);
        }
      }
    }
    return doc;
  }

  /** A description split into its text and its acceptance criteria (the list under the criteria heading). */
  record Description(String text, List<String> criteria) {}

  /**
   * Reads a description: the first level-any heading reading "Acceptance criteria" followed by a list gives
   * the criteria; every other block is the text. A null or missing description is empty.
   */
  static Description description(JsonNode doc) {
    if (!doc.isObject()) {
      return new Description(doc.isTextual() ? doc.asText() : "", List.of());
    }
    List<JsonNode> blocks = new ArrayList<>();
    doc.path("content").forEach(blocks::add);
    List<String> criteria = List.of();
    for (int i = 0; i + 1 < blocks.size(); i++) {
      JsonNode b = blocks.get(i);
      JsonNode next = blocks.get(i + 1);
      if (b.path("type").asText().equals("heading")
          && inline(b).trim().toLowerCase(Locale.ROOT).equals(CRITERIA_HEADING.toLowerCase(Locale.ROOT))
          && isList(next)) {
        criteria = new ArrayList<>();
        for (JsonNode item : next.path("content")) {
          criteria.add(blocksText(item.path("content"), "").trim());
        }
        blocks.remove(i + 1);
        blocks.remove(i);
        break;
      }
    }
    List<String> lines = new ArrayList<>();
    for (JsonNode b : blocks) {
      lines.add(block(b, ""));
    }
    return new Description(String.join("\n", lines), List.copyOf(criteria));
  }

  /** The plain text of any ADF document (a comment body). */
  static String text(JsonNode doc) {
    if (doc.isTextual()) {
      return doc.asText();
    }
    List<String> lines = new ArrayList<>();
    for (JsonNode b : doc.path("content")) {
      lines.add(block(b, ""));
    }
    return String.join("\n", lines);
  }

  private static boolean isList(JsonNode node) {
    String type = node.path("type").asText();
    return type.equals("bulletList") || type.equals("orderedList");
  }

  private static String blocksText(JsonNode blocks, String indent) {
    List<String> lines = new ArrayList<>();
    for (JsonNode b : blocks) {
      lines.add(block(b, indent));
    }
    return String.join("\n", lines);
  }

  private static String block(JsonNode node, String indent) {
    String type = node.path("type").asText();
    switch (type) {
      case "bulletList":
      case "orderedList": {
        List<String> lines = new ArrayList<>();
        int n = node.path("attrs").path("order").asInt(1);
        for (JsonNode item : node.path("content")) {
          String marker = type.equals("bulletList") ? "- " : (n++) + ". ";
          lines.add(indent + marker + blocksText(item.path("content"), indent + "  ").stripLeading());
        }
        return String.join("\n", lines);
      }
      case "paragraph":
      case "heading":
      case "codeBlock":
        return indent + inline(node);
      case "rule":
        return indent + "---";
      case "text":
      case "hardBreak":
      case "mention":
      case "emoji":
      case "inlineCard":
        return indent + inline(wrap(node));
      default:
        // blockquote, panel, table, expand, mediaGroup...: their blocks, each on its own line
        return node.has("content") ? blocksText(node.path("content"), indent) : indent + inline(wrap(node));
    }
  }

  private static JsonNode wrap(JsonNode inlineNode) {
    ObjectNode holder = JsonNodeFactory.instance.objectNode();
    holder.putArray("content").add(inlineNode);
    return holder;
  }

  /** The text of a block's inline nodes. */
  private static String inline(JsonNode block) {
    StringBuilder b = new StringBuilder();
    for (JsonNode n : block.path("content")) {
      switch (n.path("type").asText()) {
        case "text" -> b.append(n.path("text").asText());
        case "hardBreak" -> b.append('\n');
        case "mention" -> b.append(n.path("attrs").path("text").asText("@" + n.path("attrs").path("id").asText()));
        case "emoji" -> b.append(n.path("attrs").path("text").asText(n.path("attrs").path("shortName").asText()));
        case "inlineCard" -> b.append(n.path("attrs").path("url").asText());
        default -> {
          if (n.has("content")) {
            b.append(inline(n));
          } else if (n.path("text").isTextual()) {
            b.append(n.path("text").asText());
          }
        }
      }
    }
    return b.toString();
  }
}
