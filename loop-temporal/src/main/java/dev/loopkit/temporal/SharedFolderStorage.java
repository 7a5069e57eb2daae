package dev.loopkit.temporal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.temporal.api.common.v1.Payload;
import io.temporal.payload.storage.StorageDriver;
import io.temporal.payload.storage.StorageDriverClaim;
import io.temporal.payload.storage.StorageDriverRetrieveContext;
import io.temporal.payload.storage.StorageDriverStoreContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A Temporal External Storage driver that keeps large payloads as files in a folder every host shares (an NFS or
 * SMB mount, a cloud file share): a payload over the client's threshold is written once under the SHA-256 of its
 * bytes, and only that reference enters the workflow history. Reading checks the content against its name, so a
 * file changed in the folder is refused, not replayed. Configure it through
 * {@link TemporalConnection#options(String, Path)}; keep the files as long as the workflows plus the namespace's
 * retention period. Thread-safe.
 */
public final class SharedFolderStorage implements StorageDriver {
  /** Payloads larger than this many bytes (64 KiB) go to the folder when configured through {@link TemporalConnection}. */
  public static final int DEFAULT_THRESHOLD = 64 * 1024;
  private static final String CLAIM = "sha256";
  private final Path folder;

  /**
   * A driver storing in {@code folder}, created on first use.
   *
   * @param folder the folder every host and coordinator shares
   */
  public SharedFolderStorage(Path folder) {
    this.folder = Objects.requireNonNull(folder, "folder");
  }

  @Override
  public String getName() {
    return "loop-shared-folder";
  }

  @Override
  public String getType() {
    return "loop.shared-folder";
  }

  @Override
  public CompletableFuture<List<StorageDriverClaim>> store(StorageDriverStoreContext context, List<Payload> payloads) {
    return CompletableFuture.supplyAsync(() -> {
      List<StorageDriverClaim> claims = new ArrayList<>();
      for (Payload p : payloads) {
        byte[] bytes = p.toByteArray();
        String name = sha256(bytes);
        write(folder.resolve(name), bytes);
        claims.add(new StorageDriverClaim(Map.of(CLAIM, name)));
      }
      return claims;
    });
  }

  @Override
  public CompletableFuture<List<Payload>> retrieve(StorageDriverRetrieveContext context,
      List<StorageDriverClaim> claims) {
    return CompletableFuture.supplyAsync(() -> {
      List<Payload> out = new ArrayList<>();
      for (StorageDriverClaim c : claims) {
        String name = c.getClaimData().get(CLAIM);
        if (name == null || !name.matches("[0-9a-f]{64}")) {
          throw new IllegalArgumentException("a payload claim of " + getName() + " has no valid " + CLAIM + ": "
              + c.getClaimData());
        }
        Path file = folder.resolve(name);
        try {
          byte[] bytes = Files.readAllBytes(file);
          if (!sha256(bytes).equals(name)) {
            throw new IllegalStateException("payload file " + file + " does not match its SHA-256 name: it was"
                + " changed after it was stored, and is refused");
          }
          out.add(Payload.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalStateException("payload file " + file + " is not a Temporal payload", e);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read payload file " + file + " (is the shared folder mounted"
              + " on this host?)", e);
        }
      }
      return out;
    });
  }

  private static void write(Path file, byte[] bytes) {
    try {
      if (Files.exists(file)) {
        return; // content-addressed: the same bytes are there already
      }
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), ".payload-", ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(bytes));
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store a payload in " + file, e);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
