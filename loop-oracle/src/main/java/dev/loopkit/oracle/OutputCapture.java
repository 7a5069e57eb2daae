package dev.loopkit.oracle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Drains a process's output on its own thread: hashes every byte, counts them, and keeps the head and the
 * tail within a limit, so a chatty command cannot exhaust memory and the hash still covers all of it.
 */
final class OutputCapture implements Runnable {
  private final InputStream in;
  private final MessageDigest digest = Sha256.newDigest();
  private final byte[] head;
  private final byte[] tail;
  private int headLength;
  private long total;
  private final Thread thread;

  OutputCapture(InputStream in, int limitBytes, String threadName) {
    this.in = in;
    this.head = new byte[limitBytes / 2];
    this.tail = new byte[limitBytes - limitBytes / 2];
    this.thread = new Thread(this, threadName);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Waits up to {@code millis} for the stream to end; false if it is still open (an escaped descendant). */
  boolean await(long millis) throws InterruptedException {
    thread.join(millis);
    return !thread.isAlive();
  }

  @Override
  public void run() {
    byte[] buffer = new byte[16 * 1024];
    try (in) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        accept(buffer, n);
      }
    } catch (IOException e) {
      // the stream closes under us when the process tree is killed; what was read so far is the output
    }
  }

  private synchronized void accept(byte[] buffer, int n) {
    digest.update(buffer, 0, n);
    int off = 0;
    if (headLength < head.length) {
      int take = Math.min(n, head.length - headLength);
      System.arraycopy(buffer, 0, head, headLength, take);
      headLength += take;
      off = take;
    }
    // the tail is a ring: byte number i (counting from the end of the head) lives at i % tail.length
    for (int i = off; i < n; i++) {
      long position = total + i - head.length;
      tail[(int) (position % tail.length)] = buffer[i];
    }
    total += n;
  }

  synchronized long totalBytes() {
    return total;
  }

  synchronized boolean truncated() {
    return total > head.length + tail.length;
  }

  /** The SHA-256 of every byte read so far. */
  synchronized String sha256() {
    try {
      return Sha256.hexOf(((MessageDigest) digest.clone()).digest());
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
    }
  }

  /** The retained output as text: all of it, or the head and the tail around a marker of what was left out. */
  synchronized String text() {
    String headText = new String(head, 0, headLength, StandardCharsets.UTF_8);
    long tailBytes = Math.max(0, total - head.length);
    if (tailBytes == 0) {
      return headText;
    }
    int kept = (int) Math.min(tailBytes, tail.length);
    byte[] ordered = new byte[kept];
    long first = tailBytes - kept;
    for (int i = 0; i < kept; i++) {
      ordered[i] = tail[(int) ((first + i) % tail.length)];
    }
    String tailText = new String(ordered, StandardCharsets.UTF_8);
    return first == 0 ? headText + tailText : headText + "\n[... " + first + " bytes omitted ...]\n" + tailText;
  }
}
