package io.kubesgx.quotehelper;

import io.kubesgx.aesm.AesmFraming;
import io.kubesgx.collateral.Collateral;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.sim.SimPlatform;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import io.kubesgx.verifier.VerificationCache;
import io.kubesgx.verifier.VerifiedQuote;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** One simulated platform per test JVM, a cached verifier for it, and raw-socket helpers. */
final class SimFixture {
  private static SimFixture instance;

  final Path dir;
  final SimPlatform platform;
  final QuoteVerifier verifier;
  final Collateral collateral;

  private SimFixture() throws Exception {
    CryptoProviders.installPreferred();
    dir = Files.createTempDirectory(Path.of("/tmp"), "qhp");
    Path d = dir;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        deleteTree(d);
      } catch (IOException e) {
        // best effort
      }
    }));
    platform = SimPlatform.openOrCreate(dir.resolve("p"), Clock.systemUTC());
    verifier = QuoteVerifier.newBuilder()
        .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(platform.rootCertificate()))))
        .cache(VerificationCache.bounded(10_000))
        .build();
    collateral = platform.collateral().toCollateral();
  }

  static synchronized SimFixture get() throws Exception {
    if (instance == null) {
      instance = new SimFixture();
    }
    return instance;
  }

  VerifiedQuote verify(byte[] quote) throws Exception {
    return verifier.verify(quote, collateral, Instant.now());
  }

  static Path tempDir(String prefix) throws IOException {
    return Files.createTempDirectory(Path.of("/tmp"), prefix);
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
    }
  }

  /** Writes {@code bytes} as-is (no framing added) and returns the answer body, or empty if the server closed. */
  static Optional<byte[]> raw(Path socket, byte[] bytes, boolean shutdownOutput) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      if (shutdownOutput) {
        ch.shutdownOutput();
      }
      try {
        return Optional.of(AesmFraming.read(ch, 1 << 20));
      } catch (AesmFraming.FrameException e) {
        if (e.reason() == AesmFraming.FrameException.Reason.CLOSED) {
          return Optional.empty();
        }
        throw e;
      } catch (IOException e) {
        // connection reset by the server counts as closed without an answer
        return Optional.empty();
      }
    }
  }
}
