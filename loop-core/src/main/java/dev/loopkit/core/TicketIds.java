package dev.loopkit.core;

import java.util.regex.Pattern;

/** The one rule for ticket ids, shared by tickets, drafts and trackers. */
final class TicketIds {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

  private TicketIds() {}

  static boolean isValid(String id) {
    return ID.matcher(id).matches();
  }

  static String check(String id, String where) {
    if (!ID.matcher(id).matches()) {
      throw new InputException("invalid ticket id '" + id + "' in " + where
          + ": expected 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return id;
  }
}
