package io.kubesgx.nodeagent.discovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Materialises fixture host roots from test resources into a temporary directory.
 *
 * <p>A file named {@code cpuid.records} stands for {@code /dev/cpu/N/cpuid}: each non-comment line
 * is {@code leaf subleaf eax ebx ecx edx} in hex, and is written at file position {@code leaf |
 * subleaf << 32} of a sparse {@code cpuid} file next to it, exactly where the Linux cpuid driver
 * answers.
 */
public final class HostRootFixtures {
  private HostRootFixtures() {}

  /** Copies one of the driver-generation host roots of {@code DiscoveryTest} to {@code target}. */
  public static Path driverFixture(String name, Path target) {
    return copy(DiscoveryTest.class, name, target);
  }

  /** Copies {@code resources/<testClass package>/<testClass>/<name>} to {@code target}. */
  public static Path copy(Class<?> testClass, String name, Path target) {
    String res = testClass.getSimpleName() + "/" + name;
    URL url = testClass.getResource(res);
    if (url == null) {
      throw new IllegalArgumentException("no fixture " + res);
    }
    try {
      Path src = Path.of(url.toURI());
      try (Stream<Path> walk = Files.walk(src)) {
        for (Path p : (Iterable<Path>) walk::iterator) {
          Path dst = target.resolve(src.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(dst);
          } else if (p.getFileName().toString().equals("cpuid.records")) {
            writeCpuid(p, dst.resolveSibling("cpuid"));
          } else {
            Files.copy(p, dst, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes CPUID records as a sparse file laid out like {@code /dev/cpu/N/cpuid}. */
  public static void writeCpuid(Path records, Path cpuid) throws IOException {
    List<String> lines = Files.readAllLines(records, StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(cpuid, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      for (String line : lines) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
          continue;
        }
        String[] f = l.split("\\s+");
        long leaf = Long.parseLong(f[0], 16);
        long sub = Long.parseLong(f[1], 16);
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 2; i < 6; i++) {
          b.putInt((int) Long.parseLong(f[i], 16));
        }
        b.flip();
        ch.write(b, leaf | sub << 32);
      }
    }
  }
}
