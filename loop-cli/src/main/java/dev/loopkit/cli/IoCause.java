package dev.loopkit.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * The cause of a failed file operation in words, for messages that already name what was being done: an
 * {@link IOException}'s message is often only a path, which says nothing of why ("permission denied", "no such
 * file", the file system's own reason such as "Read-only file system").
 */
final class IoCause {
  private IoCause() {}

  /** E.g. {@code permission denied on /p/.loop (AccessDeniedException)}. */
  static String of(IOException e) {
    String type = e.getClass().getSimpleName();
    if (e instanceof FileSystemException f) {
      String file = f.getFile() == null ? "" : " on " + f.getFile();
      String reason = f.getReason() != null ? f.getReason().strip()
          : e instanceof AccessDeniedException ? "permission denied"
          : e instanceof NoSuchFileException ? "no such file or directory" : null;
      if (reason != null) {
        return reason + file + " (" + type + ")";
      }
      return (f.getMessage() == null ? "failed" : f.getMessage()) + " (" + type + ")";
    }
    return (e.getMessage() == null || e.getMessage().isBlank() ? "failed" : e.getMessage()) + " (" + type + ")";
  }
}
