package io.kubesgx.quotehelper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.common.Bytes;
import io.kubesgx.quotehelper.cli.QuoteGetCommand;
import io.kubesgx.quotehelper.cli.QuoteHelperBenchCommand;
import io.kubesgx.quotehelper.cli.QuoteHelperCommand;
import io.kubesgx.sim.SimPlatform;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class QuoteHelperCommandsTest {
  private static void deleteTree(Path p) throws Exception {
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
    }
  }

  @Test
  void quoteGet_writesAQuoteThatVerifiesWithTheSimRoot() throws Exception {
    SimFixture fx = SimFixture.get();
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "qhc");
    try {
      Path platformDir = fx.platform.directory();
      SimPlatform p = fx.platform;
      Path socket = dir.resolve("aesm.socket");
      Path out = dir.resolve("out/quote.bin");
      try (QuoteHelperServer s = QuoteHelperServer.newBuilder(socket, SimBackend.create(p, 3)).build().start()) {
        assertTrue(s.isServing());
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new QuoteGetCommand());
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute("--socket", socket.toString(), "--report-data", "cafe", "--out", out.toString(),
            "--platform", platformDir.toString());
        assertEquals(0, rc, err.toString());
        assertTrue(err.toString().startsWith("quote get: wrote "), err.toString());
      }
      Collateral c = p.collateral().toCollateral();
      QuoteVerifier v = QuoteVerifier.newBuilder()
          .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(p.rootCertificate())))).build();
      byte[] rd = new byte[64];
      rd[0] = (byte) 0xca;
      rd[1] = (byte) 0xfe;
      assertEquals(Bytes.of(rd), v.verify(Files.readAllBytes(out), c, Instant.now()).reportData());
    } finally {
      deleteTree(dir);
    }
  }

  @Test
  void quoteGet_noServer_failsFastWithGuidance() throws Exception {
    SimFixture fx = SimFixture.get();
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "qhc");
    try {
      Path platformDir = fx.platform.directory();
      StringWriter err = new StringWriter();
      CommandLine cl = new CommandLine(new QuoteGetCommand());
      cl.setErr(new PrintWriter(err));
      int rc = cl.execute("--socket", dir.resolve("none.socket").toString(), "--report-data", "00", "--out",
          dir.resolve("q").toString(), "--platform", platformDir.toString(), "--wait-ms", "200");
      assertEquals(2, rc);
      assertTrue(err.toString().contains("UNAVAILABLE") && err.toString().contains("DaemonSet"), err.toString());
    } finally {
      deleteTree(dir);
    }
  }

  @Test
  void quoteHelper_relayWithoutUpstream_isUsageError() {
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new QuoteHelperCommand());
    cl.setErr(new PrintWriter(err));
    int rc = cl.execute("--socket", "/tmp/qh-never.socket", "--backend", "relay");
    assertEquals(2, rc, err.toString());
    assertTrue(err.toString().contains("--relay-socket"), err.toString());
  }

  @Test
  void quoteHelper_nonPositiveBounds_areUsageErrorsBeforeAnythingIsCreated() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "qhb");
    try {
      for (String[] bad : List.of(new String[] {"--max-connections", "0"}, new String[] {"--first-byte-timeout-ms", "-1"})) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new QuoteHelperCommand());
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute("--socket", dir.resolve("aesm.socket").toString(), "--platform", dir.resolve("p").toString(),
            bad[0], bad[1]);
        assertEquals(2, rc, err.toString());
        assertTrue(err.toString().contains(bad[0]), err.toString());
        assertTrue(!err.toString().contains("\tat "), "no stack trace: " + err);
        assertTrue(!Files.exists(dir.resolve("p")), "no platform is created for a usage error");
      }
    } finally {
      deleteTree(dir);
    }
  }

  @Test
  void bench_shortRun_printsRate() throws Exception {
    SimFixture fx = SimFixture.get();
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new QuoteHelperBenchCommand());
    cl.setOut(new PrintWriter(out));
    int rc = cl.execute("--threads", "4", "--seconds", "1", "--warmup-seconds", "0", "--mode", "quote",
        "--platform", fx.platform.directory().toString());
    assertEquals(0, rc, out.toString());
    assertTrue(out.toString().contains("quotes/s"), out.toString());
  }
}
