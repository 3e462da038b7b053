package io.kubesgx.quotehelper;

import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sdk.sim.SimReportSource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.aesm.AesmQuoteProvider;
import io.kubesgx.common.Bytes;
import io.kubesgx.sdk.QuoteProvider;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The application starts before the quote helper: the SDK provider waits and then succeeds. */
class StartOrderTest {
  @Test
  void quote_socketAppearsOneSecondLater_succeeds() throws Exception {
    SimFixture fx = SimFixture.get();
    Path dir = SimFixture.tempDir("qho");
    Path socket = dir.resolve("aesmd/aesm.socket"); // not even the directory exists yet
    QuoteProvider provider = AesmQuoteProvider.newBuilder(SimReportSource.create(fx.platform, AppEnclave.defaultEnclave()))
        .socket(socket).startDeadline(Duration.ofSeconds(20)).build();
    byte[] rd = new byte[64];
    rd[5] = 5;
    long t0 = System.nanoTime();
    CompletableFuture<byte[]> quote = CompletableFuture.supplyAsync(() -> {
      try {
        return provider.quote(rd);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(1000);
    assertTrue(!quote.isDone(), "the provider must still be waiting");
    try (QuoteHelperServer server = QuoteHelperServer.newBuilder(socket, SimBackend.create(fx.platform, 3)).build().start()) {
      assertTrue(server.isServing());
      byte[] q = quote.get(15, TimeUnit.SECONDS);
      assertEquals(Bytes.of(rd), fx.verify(q).reportData());
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.println("StartOrderTest: quote obtained " + ms + " ms after the first attempt (server started at ~1000 ms)");
      assertTrue(ms < 5000, "backoff must stay short: " + ms + " ms");
    } finally {
      SimFixture.deleteTree(dir);
    }
  }

  @Test
  void quote_staleSocketRefusesFirst_thenServerReplacesIt_succeeds() throws Exception {
    SimFixture fx = SimFixture.get();
    Path dir = SimFixture.tempDir("qhs2");
    Path socket = dir.resolve("aesm.socket");
    try {
      try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        dead.bind(UnixDomainSocketAddress.of(socket));
      }
      assertTrue(Files.exists(socket)); // connection refused on it
      QuoteProvider provider = AesmQuoteProvider.newBuilder(SimReportSource.create(fx.platform, AppEnclave.defaultEnclave()))
          .socket(socket).startDeadline(Duration.ofSeconds(20)).build();
      CompletableFuture<byte[]> quote = CompletableFuture.supplyAsync(() -> {
        try {
          return provider.quote(new byte[64]);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(500);
      try (QuoteHelperServer server = QuoteHelperServer.newBuilder(socket, SimBackend.create(fx.platform, 3)).build().start()) {
        assertTrue(server.isServing());
        fx.verify(quote.get(15, TimeUnit.SECONDS));
      }
    } finally {
      SimFixture.deleteTree(dir);
    }
  }
}
