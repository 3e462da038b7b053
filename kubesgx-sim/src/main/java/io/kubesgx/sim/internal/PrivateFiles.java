package io.kubesgx.sim.internal;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Writes platform files atomically, secrets readable by the owner only. */
public final class PrivateFiles {
  private PrivateFiles() {}

  /** Creates {@code dir} (and parents) with mode 0700 when it does not exist. */
  public static void createPrivateDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (Files.exists(dir)) {
      throw new FileAlreadyExistsException(dir.toString(), null, "exists and is not a directory");
    }
    Files.createDirectories(dir);
    setMode(dir, "rwx------");
  }

  /** Writes {@code data} to {@code target} through a temporary file and an atomic rename. */
  public static void write(Path target, byte[] data, boolean secret) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
    try {
      setMode(tmp, secret ? "rw-------" : "rw-r--r--");
      Files.write(tmp, data);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void setMode(Path p, String mode) throws IOException {
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the platform's own ACLs apply.
    }
  }
}
