package io.kubesgx.collateralservice;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The on-disk cache: one single-entry bundle file per key in a directory of mode 0700, files of
 * mode 0600, each written to a temporary file, forced to disk and atomically renamed. Entries live
 * in a subdirectory per source ({@code src-} and 16 hex digits of SHA-256 of the source's name, the
 * PCS/PCCS base URL by default), so a service pointed at another PCS never reads collateral that
 * came from a different one.
 */
final class DiskCache {
  /** Largest cache file read; one entry is a few tens of KiB. */
  static final int MAX_FILE = 4 << 20;
  /** Most cache files loaded at start-up. */
  static final int MAX_FILES = 10_000;

  private static final Pattern NAME = Pattern.compile("(sgx|tdx)-[0-9A-F]{12}-(processor|platform)-(standard|early)\\.json");
  private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");

  private final Path dir;

  DiskCache(Path root, String source) throws IOException {
    createPrivate(root);
    this.dir = root.resolve(sourceDirectoryName(source));
    createPrivate(dir);
  }

  /** Returns the subdirectory name for a source: {@code src-} and 16 hex digits of its SHA-256. */
  static String sourceDirectoryName(String source) {
    try {
      byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(source.getBytes(StandardCharsets.UTF_8));
      return "src-" + java.util.HexFormat.of().formatHex(h, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void createPrivate(Path dir) throws IOException {
    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(dir + " exists and is not a directory");
      }
    } else if (posix(dir.toAbsolutePath().getParent())) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
    } else {
      Files.createDirectories(dir);
    }
    if (posix(dir)) {
      Files.setPosixFilePermissions(dir, DIR_MODE);
    }
  }

  private static boolean posix(Path p) {
    return p != null && Files.exists(p) && p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  Path directory() {
    return dir;
  }

  static String fileName(CollateralKey key) {
    return key.tee().name().toLowerCase(Locale.ROOT) + "-" + key.fmspcHex() + "-" + key.ca().crlParameter() + "-"
        + key.update().parameter() + ".json";
  }

  /** Reads the entry of {@code key}; empty when there is no file. */
  Optional<BundleCodec.Entry> read(CollateralKey key) throws IOException, MalformedInputException {
    Path f = dir.resolve(fileName(key));
    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    return Optional.of(readFile(f, key));
  }

  private static BundleCodec.Entry readFile(Path f, CollateralKey expected) throws IOException, MalformedInputException {
    byte[] data;
    try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
      data = in.readNBytes(MAX_FILE + 1);
    }
    if (data.length > MAX_FILE) {
      throw new MalformedInputException(f + ": larger than " + MAX_FILE + " bytes");
    }
    List<BundleCodec.Entry> entries = BundleCodec.parse(data);
    if (entries.size() != 1 || (expected != null && !entries.get(0).key().equals(expected))) {
      throw new MalformedInputException(f + ": expected exactly one entry for " + expected);
    }
    return entries.get(0);
  }

  /** Reads every well-formed cache file; problems with individual files are appended to {@code problems}. */
  List<BundleCodec.Entry> readAll(List<String> problems) {
    List<BundleCodec.Entry> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path f : ds) {
        if (out.size() >= MAX_FILES) {
          problems.add(dir + ": more than " + MAX_FILES + " cache files; the rest are loaded on demand");
          break;
        }
        Path name = f.getFileName();
        if (name == null || !NAME.matcher(name.toString()).matches() || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        try {
          BundleCodec.Entry e = readFile(f, null);
          if (!fileName(e.key()).equals(name.toString())) {
            problems.add(f + ": holds " + e.key() + ", which does not match its name; ignored");
            continue;
          }
          out.add(e);
        } catch (IOException | MalformedInputException e) {
          problems.add(f + ": ignored: " + e.getMessage());
        }
      }
    } catch (IOException e) {
      problems.add(dir + ": cannot list the cache directory: " + e.getMessage());
    }
    return out;
  }

  /** Writes the entry of one key atomically. */
  void write(BundleCodec.Entry e, Instant now) throws IOException {
    byte[] data = BundleCodec.write(List.of(e), now).getBytes(StandardCharsets.UTF_8);
    AtomicFiles.write(dir.resolve(fileName(e.key())), data, true);
  }
}
