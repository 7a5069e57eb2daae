package dev.loopkit.llm.heal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Unified diffs ({@code ---}/{@code +++} headers, {@code @@} hunks with three lines of context) of the files two
 * snapshots differ in, the shape {@code git apply} and {@code patch -p1} read. Lines are compared whole by a
 * longest-common-subsequence table, which is quadratic in the lines of one file: fine for prompts and
 * settings, the only files a heal may touch.
 */
final class UnifiedDiff {
  private static final int CONTEXT = 3;

  private UnifiedDiff() {}

  /** The diff of every changed path, in path order; empty when nothing changed. */
  static String of(Map<String, byte[]> before, Map<String, byte[]> after) {
    StringBuilder out = new StringBuilder();
    for (String path : HarnessFiles.changed(before, after)) {
      out.append(file(path, before.get(path), after.get(path)));
    }
    return out.toString();
  }

  static String file(String path, byte @Nullable [] was, byte @Nullable [] now) {
    List<String> a = lines(was);
    List<String> b = lines(now);
    StringBuilder out = new StringBuilder();
    out.append("--- ").append(was == null ? "/dev/null" : "a/" + path).append('\n');
    out.append("+++ ").append(now == null ? "/dev/null" : "b/" + path).append('\n');
    List<Edit> edits = edits(a, b);
    int i = 0;
    while (i < edits.size()) {
      if (edits.get(i).op == ' ') {
        i++;
        continue;
      }
      int start = Math.max(0, i - CONTEXT);
      int end = i;
      // extend the hunk while the next change is within twice the context
      while (true) {
        int next = end;
        while (next < edits.size() && edits.get(next).op != ' ') {
          next++;
        }
        int gap = next;
        while (gap < edits.size() && edits.get(gap).op == ' ') {
          gap++;
        }
        if (gap < edits.size() && gap - next <= 2 * CONTEXT) {
          end = gap;
          continue;
        }
        end = Math.min(edits.size(), next + CONTEXT);
        break;
      }
      int aStart = edits.get(start).aLine;
      int bStart = edits.get(start).bLine;
      int aCount = 0;
      int bCount = 0;
      StringBuilder body = new StringBuilder();
      for (int k = start; k < end; k++) {
        Edit e = edits.get(k);
        body.append(e.op).append(e.text).append('\n');
        if (e.noNewline) {
          body.append("\\ No newline at end of file\n");
        }
        aCount += e.op == '+' ? 0 : 1;
        bCount += e.op == '-' ? 0 : 1;
      }
      out.append("@@ -").append(range(aStart, aCount)).append(" +").append(range(bStart, bCount)).append(" @@\n")
          .append(body);
      i = end;
    }
    return out.toString();
  }

  private static String range(int start, int count) {
    // a hunk that adds to an empty side starts at line 0 of it, as diff(1) writes it
    int first = count == 0 ? start - 1 : start;
    return count == 1 ? String.valueOf(first) : first + "," + count;
  }

  /** One line of the edit script: {@code ' '} kept, {@code '-'} removed, {@code '+'} added. */
  private record Edit(char op, String text, int aLine, int bLine, boolean noNewline) {}

  private static List<Edit> edits(List<String> a, List<String> b) {
    int n = a.size();
    int m = b.size();
    int[][] lcs = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    List<Edit> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a.get(i).equals(b.get(j))) {
        out.add(edit(' ', a, i, i + 1, j + 1));
        i++;
        j++;
      } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        out.add(edit('-', a, i, i + 1, j + 1)); // removals before additions, as diff(1) writes them
        i++;
      } else {
        out.add(edit('+', b, j, i + 1, j + 1));
        j++;
      }
    }
    return out;
  }

  private static Edit edit(char op, List<String> side, int index, int aLine, int bLine) {
    String text = side.get(index);
    boolean last = index == side.size() - 1;
    boolean noNewline = last && text.endsWith("\u0000no-newline");
    return new Edit(op, noNewline ? text.substring(0, text.length() - "\u0000no-newline".length()) : text, aLine,
        bLine, noNewline);
  }

  /** The lines of a file; a last line without a newline carries a marker so it differs from one with. */
  private static List<String> lines(byte @Nullable [] bytes) {
    List<String> out = new ArrayList<>();
    if (bytes == null || bytes.length == 0) {
      return out;
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    int from = 0;
    while (from < text.length()) {
      int nl = text.indexOf('\n', from);
      if (nl < 0) {
        out.add(text.substring(from) + "\u0000no-newline");
        break;
      }
      out.add(text.substring(from, nl));
      from = nl + 1;
    }
    return out;
  }
}
