package io.kubesgx.nodeagent.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads host files for discovery without trusting what is at the path: only regular files are
 * read (the cpuid driver's character device is the one exception), never more than a cap, and a
 * FIFO, socket, directory or other device is refused before it is opened, so discovery can neither
 * block nor run out of heap. Symbolic links are followed; a loop or a dangling link is an error, not
 * "absent".
 *
 * <p>The checks run on the path before opening it: a file swapped for a FIFO between the check and
 * the open is not caught (the host root is the host's own file system, not attacker input).
 */
final class HostFiles {
  /** Largest one-value sysfs, procfs or cgroupfs file read. */
  static final int MAX_SMALL_FILE = 64 * 1024;
  /** Linux {@code CPUID_MAJOR}: the character-device major number of {@code /dev/cpu/N/cpuid}. */
  static final int CPUID_MAJOR = 203;

  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFIFO = 0010000;

  private HostFiles() {}

  /**
   * Returns the attributes of what {@code p} names, following symbolic links.
   *
   * @throws NoSuchFileException when nothing (not even a link) is at {@code p}
   * @throws IOException when {@code p} is a dangling link or a link loop, or cannot be examined
   */
  static BasicFileAttributes attributes(Path p) throws IOException {
    BasicFileAttributes own = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!own.isSymbolicLink()) {
      return own;
    }
    try {
      return Files.readAttributes(p, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new IOException("a symbolic link to a missing file");
    } catch (FileSystemException e) {
      throw new IOException("a symbolic link that cannot be resolved ("
          + (e.getReason() == null ? e.getClass().getSimpleName() : e.getReason()) + ")");
    }
  }

  /** Returns true when something (a file, or a link even if broken) is at {@code p}. */
  static boolean present(Path p) {
    return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Reads a small regular file as UTF-8, at most {@link #MAX_SMALL_FILE} bytes.
   *
   * @throws NoSuchFileException when nothing is at {@code p}
   * @throws IOException when it is not a regular file, is larger, or cannot be read
   */
  static String readSmallText(Path p) throws IOException {
    try (InputStream in = openRegular(p)) {
      byte[] b = in.readNBytes(MAX_SMALL_FILE + 1);
      if (b.length > MAX_SMALL_FILE) {
        throw new IOException("larger than " + MAX_SMALL_FILE + " bytes; not read");
      }
      return new String(b, StandardCharsets.UTF_8);
    }
  }

  /**
   * Opens a regular file for reading.
   *
   * @throws NoSuchFileException when nothing is at {@code p}
   * @throws IOException when it is not a regular file (checked before opening) or cannot be opened
   */
  static InputStream openRegular(Path p) throws IOException {
    BasicFileAttributes a = attributes(p);
    if (!a.isRegularFile()) {
      throw new IOException(kind(p, a) + ", not a regular file; not read");
    }
    return Files.newInputStream(p);
  }

  /**
   * Checks that {@code p} is the cpuid driver's character device (major {@value #CPUID_MAJOR}) or a
   * regular file (a recorded dump, as in test fixtures).
   *
   * @throws NoSuchFileException when nothing is at {@code p}
   * @throws IOException when it is anything else
   */
  static void requireCpuidDevice(Path p) throws IOException {
    BasicFileAttributes a = attributes(p);
    if (a.isRegularFile()) {
      return;
    }
    int mode = mode(p);
    if ((mode & S_IFMT) == S_IFCHR) {
      long rdev = ((Number) Files.getAttribute(p, "unix:rdev")).longValue();
      long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
      if (major == CPUID_MAJOR) {
        return;
      }
      throw new IOException("a character device with major number " + major + ", not the cpuid driver ("
          + CPUID_MAJOR + "); not read");
    }
    throw new IOException(kind(p, a) + ", not the cpuid driver's device; not read");
  }

  private static int mode(Path p) throws IOException {
    try {
      return ((Number) Files.getAttribute(p, "unix:mode")).intValue();
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return 0;
    }
  }

  private static String kind(Path p, BasicFileAttributes a) throws IOException {
    if (a.isDirectory()) {
      return "a directory";
    }
    return switch (mode(p) & S_IFMT) {
      case S_IFIFO -> "a FIFO";
      case S_IFCHR -> "a character device";
      case S_IFBLK -> "a block device";
      case S_IFSOCK -> "a socket";
      case S_IFDIR -> "a directory";
      default -> "a special file";
    };
  }
}
