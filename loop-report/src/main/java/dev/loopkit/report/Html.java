package dev.loopkit.report;

/** Escaping for the report: every text from a run (model output among it) goes through {@link #esc}. */
final class Html {
  private Html() {}

  /** Escapes text for HTML element content and attribute values (quotes included). */
  static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&':
          out.append("&amp;");
          break;
        case '<':
          out.append("&lt;");
          break;
        case '>':
          out.append("&gt;");
          break;
        case '"':
          out.append("&quot;");
          break;
        case '\'':
          out.append("&#39;");
          break;
        default:
          out.append(c);
      }
    }
    return out.toString();
  }

  /** A fragment id for a ticket's section: ids are letters, digits, '-', '_' and '.', all valid in a fragment. */
  static String ticketAnchor(String ticketId) {
    return "ticket-" + esc(ticketId);
  }

  /** A coordinate with one decimal, locale-independent. */
  static String fmt(double d) {
    return String.format(java.util.Locale.ROOT, "%.1f", d);
  }

  static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
