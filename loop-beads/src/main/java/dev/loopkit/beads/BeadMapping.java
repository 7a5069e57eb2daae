package dev.loopkit.beads;

import static dev.loopkit.beads.BdClient.excerpt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.core.Comment;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * How a bead, as {@code bd list} or {@code bd show} answers it, becomes a {@link Ticket}: statuses, labels
 * (resources, the batch, cancelled and human labels), dependency records in either of bd's two shapes,
 * metadata and comments. Every field it needs is checked, and a wrong one is reported naming the command, the
 * bead and the field. Immutable and thread-safe.
 */
final class BeadMapping {
  static final String RESOURCE = "resource:";
  private static final Pattern ITEM_PREFIX = Pattern.compile("^\\s*(?:[-*+]|\\d{1,3}[.)])\\s+");

  private final BdClient cli;
  private final String label;
  private final String cancelledLabel;
  private final String humanLabel;
  private final Map<String, Status> customStatuses;

  BeadMapping(BdClient cli, String label, String cancelledLabel, String humanLabel,
      Map<String, Status> customStatuses) {
    this.cli = cli;
    this.label = label;
    this.cancelledLabel = cancelledLabel;
    this.humanLabel = humanLabel;
    this.customStatuses = Map.copyOf(customStatuses);
  }


  void requireItem(JsonNode item, int index, String command) {
    if (!item.isObject()) {
      throw cli.malformed(command, "item " + index, "a JSON object, got " + excerpt(item.toString()));
    }
    JsonNode id = item.get("id");
    if (id == null || !id.isTextual() || !Ticket.isValidId(id.asText())) {
      throw cli.malformed(command, "field 'id' of item " + index, "a bead id such as bd-a3f8, got "
          + (id == null ? "nothing" : excerpt(id.toString())));
    }
  }

  Ticket toTicket(JsonNode bead, List<Comment> thread, String command) {
    String id = bead.path("id").asText();
    String where = "bead " + id + " in the answer of " + command;
    JsonNode title = bead.get("title");
    if (title == null || !title.isTextual()) {
      throw cli.malformed(command, "field 'title' of bead " + id, "a string");
    }
    JsonNode priority = bead.get("priority");
    if (priority == null || !priority.canConvertToInt() || !priority.isIntegralNumber()
        || priority.asInt() < 0 || priority.asInt() > 4) {
      throw cli.malformed(command, "field 'priority' of bead " + id, "an integer 0 (highest) to 4, got "
          + (priority == null ? "nothing" : priority.toString()));
    }
    List<String> allLabels = strings(bead.path("labels"), command, "labels of bead " + id);
    Status status = statusOf(bead, allLabels, command);
    Ticket.Builder b = Ticket.builder(id).title(title.asText()).body(bead.path("description").asText(""))
        .acceptanceCriteria(criteria(bead.path("acceptance_criteria").asText(""))).status(status)
        .priority(priority.asInt()).createdAt(instant(bead.path("created_at"), command, "created_at of " + id));
    List<String> plain = new ArrayList<>();
    for (String l : allLabels) {
      if (l.equals(label) || l.equals(cancelledLabel) || l.equals(humanLabel)) {
        continue;
      }
      if (l.startsWith(RESOURCE)) {
        String name = l.substring(RESOURCE.length()).trim();
        if (name.isEmpty()) {
          throw new InputException("label '" + l + "' on " + where + ": expected resource:NAME, e.g."
              + " resource:infra-apply");
        }
        b.addResource(name);
      } else {
        plain.add(l);
      }
    }
    b.labels(plain);
    List<String> other = new ArrayList<>();
    int index = 0;
    for (JsonNode d : bead.path("dependencies")) {
      edge(id, d, index++, command, b, other);
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    JsonNode meta = bead.path("metadata");
    if (meta.isObject()) {
      for (Map.Entry<String, JsonNode> f : meta.properties()) {
        metadata.put(f.getKey(), f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString());
      }
    } else if (!meta.isMissingNode() && !meta.isNull()) {
      throw cli.malformed(command, "field 'metadata' of bead " + id, "a JSON object, got " + excerpt(meta.toString()));
    }
    metadata.put("beads.status", bead.path("status").asText());
    metadata.put("beads.issue_type", bead.path("issue_type").asText("task"));
    String assignee = bead.path("assignee").asText("");
    if (!assignee.isEmpty()) {
      metadata.put("beads.assignee", assignee);
    }
    if (!other.isEmpty()) {
      metadata.put("beads.other-dependencies", String.join(",", other));
    }
    return b.metadata(metadata).comments(thread).build();
  }

  /**
   * One dependency of {@code holder}: a record ({@code issue_id}, {@code depends_on_id}, {@code type}) as
   * {@code bd list} gives it, or the target bead with {@code dependency_type} as {@code bd show} gives it.
   */
  private void edge(String holder, JsonNode d, int index, String command, Ticket.Builder b, List<String> other) {
    String target;
    String type;
    if (d.has("depends_on_id")) {
      String from = d.path("issue_id").asText(holder);
      if (!from.equals(holder)) {
        return; // a record of a dependent, not of this bead's own dependencies
      }
      target = d.path("depends_on_id").asText("");
      type = d.path("type").asText("");
    } else if (d.has("dependency_type")) {
      target = d.path("id").asText("");
      type = d.path("dependency_type").asText("");
    } else {
      throw cli.malformed(command, "dependency " + index + " of bead " + holder,
          "a record with depends_on_id and type, or a bead with dependency_type");
    }
    if (target.isEmpty() || type.isEmpty()) {
      throw cli.malformed(command, "dependency " + index + " of bead " + holder, "a non-empty target and type");
    }
    DependencyType mapped = Ticket.isValidId(target) && !target.equals(holder) ? dependencyType(type) : null;
    if (mapped == null) {
      other.add(type + ":" + target);
    } else {
      b.addDependency(new Dependency(mapped, target));
    }
  }

  /** Loop's type for a beads dependency type; null for the types Loop leaves out. */
  static @Nullable DependencyType dependencyType(String beadsType) {
    switch (beadsType) {
      case "blocks":
      case "conditional-blocks":
      case "waits-for":
        return DependencyType.BLOCKS;
      case "parent-child":
        return DependencyType.PARENT_CHILD;
      case "related":
      case "relates-to":
        return DependencyType.RELATED;
      case "discovered-from":
        return DependencyType.DISCOVERED_FROM;
      default:
        return null;
    }
  }

  Status statusOf(JsonNode bead, List<String> labels, String command) {
    String id = bead.path("id").asText();
    JsonNode s = bead.get("status");
    if (s == null || !s.isTextual() || s.asText().isEmpty()) {
      throw cli.malformed(command, "field 'status' of bead " + id, "a status such as open or closed");
    }
    String status = s.asText();
    switch (status) {
      case "open":
        return Status.OPEN;
      case "in_progress":
      case "hooked":
        return Status.IN_PROGRESS;
      case "blocked":
      case "deferred":
      case "pinned":
        return Status.HUMAN_GATED;
      case "closed":
        return labels.contains(cancelledLabel) ? Status.CANCELLED : Status.DONE;
      default:
        Status custom = customStatuses.get(status);
        if (custom == null) {
          throw new InputException("bead " + id + " in " + cli.directory() + " has the status '" + status
              + "', which Loop does not know: expected open, in_progress, hooked, blocked, deferred, pinned or"
              + " closed, or map the custom status with BeadsTracker.builder().customStatus(\"" + status
              + "\", Status.IN_PROGRESS)");
        }
        return custom;
    }
  }

  List<Comment> commentsOf(JsonNode bead, String command) {
    List<Comment> out = new ArrayList<>();
    String id = bead.path("id").asText();
    int index = 0;
    for (JsonNode c : bead.path("comments")) {
      JsonNode text = c.get("text");
      if (text == null || !text.isTextual()) {
        throw cli.malformed(command, "field 'text' of comment " + index + " of bead " + id, "a string");
      }
      out.add(new Comment(instant(c.path("created_at"), command, "created_at of comment " + index + " of " + id),
          c.path("author").asText(""), text.asText()));
      index++;
    }
    return out;
  }

  static List<String> criteria(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\\R")) {
      String item = ITEM_PREFIX.matcher(line).replaceFirst("").strip();
      if (!item.isEmpty()) {
        out.add(item);
      }
    }
    return out;
  }

  List<String> strings(JsonNode node, String command, String field) {
    List<String> out = new ArrayList<>();
    if (node.isMissingNode() || node.isNull()) {
      return out;
    }
    if (!node.isArray()) {
      throw cli.malformed(command, field, "an array of strings");
    }
    for (JsonNode n : node) {
      if (!n.isTextual()) {
        throw cli.malformed(command, field, "an array of strings, got " + excerpt(n.toString()));
      }
      out.add(n.asText());
    }
    return out;
  }

  Instant instant(JsonNode node, String command, String field) {
    if (node.isMissingNode() || node.isNull()) {
      return Instant.EPOCH;
    }
    try {
      return OffsetDateTime.parse(node.asText()).toInstant();
    } catch (DateTimeParseException e) {
      throw cli.malformed(command, "field " + field, "an RFC 3339 timestamp such as 2026-09-15T12:00:00Z, got "
          + excerpt(node.toString()));
    }
  }
}
