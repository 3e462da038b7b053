package io.kubesgx.sdk.testing;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.SimPlatform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.stream.Stream;

/** One simulated platform per test JVM (creating one costs key generation), and quote helpers. */
public final class SimFixtures {
  /** The application enclave of the fixtures. */
  public static final SimEnclave APP = AppEnclave.newBuilder()
      .mrEnclave(Bytes.of("kubesgx sdk test enclave".getBytes(StandardCharsets.US_ASCII)).sha256())
      .build();

  private static SimPlatform platform;

  private SimFixtures() {}

  /**
   * Returns the shared platform. It is kept in {@code target/} between runs when that directory
   * exists (a platform written by an earlier version is migrated on open), else in a temporary
   * directory.
   */
  public static synchronized SimPlatform platform() {
    if (platform == null) {
      try {
        Path dir;
        if (Files.isDirectory(Path.of("target"))) {
          dir = Path.of("target", "test-sim-platform").toAbsolutePath();
        } else {
          Path tmp = Files.createTempDirectory("kubesgx-sdk-sim");
          Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(tmp)));
          dir = tmp.resolve("platform");
        }
        platform = SimPlatform.openOrCreate(dir, Clock.systemUTC());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (MalformedInputException e) {
        throw new IllegalStateException(e);
      }
    }
    return platform;
  }

  /** Returns the REPORTDATA of the ISV enclave report inside a v3/v4 quote, after a structural parse. */
  public static byte[] reportDataOf(byte[] quote) {
    try {
      return ((EnclaveReportBody) QuoteParser.parse(quote).body()).reportData().toByteArray();
    } catch (MalformedInputException e) {
      throw new AssertionError("not a quote: " + e.getMessage(), e);
    }
  }

  /** Returns 64 bytes filled with {@code b}. */
  public static byte[] filled(int b) {
    byte[] r = new byte[64];
    java.util.Arrays.fill(r, (byte) b);
    return r;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort at JVM exit
    }
  }
}
