package io.kubesgx.common.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes files so that readers see the old content or the new, never a part: through a temporary
 * file beside the target, forced to disk, then renamed over it. Secrets are owner-only (0600) from
 * the moment the temporary file exists.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /**
   * Creates {@code dir} (and parents) with mode 0700 when it does not exist. Safe when several
   * threads or processes create it at once.
   *
   * @throws FileAlreadyExistsException when something other than a directory is at {@code dir}
   */
  public static void createPrivateDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Files.createDirectories(dir); // fails only when a non-directory is there; a concurrent mkdir is fine
    setMode(dir, "rwx------");
  }

  /**
   * Replaces {@code target} with {@code data} atomically.
   *
   * @param secret true for mode 0600, false for 0644
   */
  public static void write(Path target, byte[] data, boolean secret) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    FileAttribute<?>[] attrs = posix(dir)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", attrs);
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      if (!secret) {
        setMode(tmp, "rw-r--r--");
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static boolean posix(Path p) {
    return Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class) != null;
  }

  private static void setMode(Path p, String mode) throws IOException {
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the platform's own ACLs apply.
    }
  }
}
