package dev.loopkit.oracle;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A small line diff for the heal journal: changed lines only, each with its line number. */
final class LineDiff {
  private static final int MAX_LINES = 1_000;

  private LineDiff() {}

  /** Lines {@code -N old} / {@code +N new}; a summary for binary or very large content. Null means absent. */
  static String diff(byte @Nullable [] before, byte @Nullable [] after) {
    if (before == null && after == null) {
      return "";
    }
    if (before == null) {
      return "  (created, " + after.length + " bytes, sha256 " + Sha256.hex(after) + ")\n" + lines(after, "+");
    }
    if (after == null) {
      return "  (deleted, was " + before.length + " bytes, sha256 " + Sha256.hex(before) + ")\n";
    }
    if (isBinary(before) || isBinary(after)) {
      return "  (binary: sha256 " + Sha256.hex(before) + " -> " + Sha256.hex(after) + ")\n";
    }
    List<String> a = split(before);
    List<String> b = split(after);
    if (a.size() > MAX_LINES || b.size() > MAX_LINES) {
      return "  (" + a.size() + " lines -> " + b.size() + " lines: sha256 " + Sha256.hex(before) + " -> "
          + Sha256.hex(after) + ")\n";
    }
    int[][] lcs = new int[a.size() + 1][b.size() + 1];
    for (int i = a.size() - 1; i >= 0; i--) {
      for (int j = b.size() - 1; j >= 0; j--) {
        lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    int j = 0;
    while (i < a.size() || j < b.size()) {
      if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
        i++;
        j++;
      } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
        out.append('-').append(i + 1).append(' ').append(a.get(i)).append('\n');
        i++;
      } else {
        out.append('+').append(j + 1).append(' ').append(b.get(j)).append('\n');
        j++;
      }
    }
    return out.toString();
  }

  private static String lines(byte[] content, String sign) {
    if (isBinary(content)) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    List<String> lines = split(content);
    for (int i = 0; i < Math.min(lines.size(), MAX_LINES); i++) {
      out.append(sign).append(i + 1).append(' ').append(lines.get(i)).append('\n');
    }
    return out.toString();
  }

  private static List<String> split(byte[] content) {
    String text = new String(content, StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>(List.of(text.split("\n", -1)));
    if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
      out.remove(out.size() - 1);
    }
    return out;
  }

  private static boolean isBinary(byte[] content) {
    for (int i = 0; i < Math.min(content.length, 8_000); i++) {
      if (content[i] == 0) {
        return true;
      }
    }
    return false;
  }
}
