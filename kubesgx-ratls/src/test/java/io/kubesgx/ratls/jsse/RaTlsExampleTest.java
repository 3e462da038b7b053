package io.kubesgx.ratls.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import io.kubesgx.ratls.CollateralSource;
import io.kubesgx.ratls.RaTlsIssuer;
import io.kubesgx.ratls.RaTlsPolicy;
import io.kubesgx.ratls.RaTlsVerifier;
import io.kubesgx.ratls.VerifiedRaTls;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import io.kubesgx.sim.SimPlatform;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client/server example for {@code docs/ratls.md}, run as written: the JDK {@code
 * HttpsServer} and {@code HttpClient} with one line of RA-TLS set-up each.
 */
class RaTlsExampleTest {
  @TempDir Path dir;

  @Test
  void example_jdkHttpsServerAndHttpClient_mutualRaTls() throws Exception {
    // Set-up of the test: a simulated platform made now (the example verifies at the system clock).
    SimPlatform platform = SimPlatform.openOrCreate(dir, Clock.systemUTC());
    QuoteProvider serverQuotes = SimQuoteProvider.create(platform, SimEnclaves.enclave(SimEnclaves.MRENCLAVE_B, false));
    QuoteProvider clientQuotes = SimQuoteProvider.create(platform, SimEnclaves.enclave(SimEnclaves.MRENCLAVE_A, false));
    TrustAnchors anchors = TrustAnchors.of(List.of(TrustAnchor.fromCertificate(platform.rootCertificate())));
    CollateralSource collateral = CollateralSource.fixed(platform.collateral().toCollateral());

    // --- example: server side (an enclave serving only the client enclave A) ---
    RaTlsIssuer serverIssuer = RaTlsIssuer.builder().quoteProvider(serverQuotes).build();
    RaTlsVerifier clientsVerifier = RaTlsVerifier.builder()
        .quoteVerifier(QuoteVerifier.newBuilder().trustAnchors(anchors).build())
        .collateral(collateral)
        .policy(RaTlsPolicy.builder().mrEnclave(SimEnclaves.MRENCLAVE_A).build())
        .cache(1000, java.time.Duration.ofHours(1))
        .build();
    SSLContext serverTls = RaTlsContexts.mutual(serverIssuer, clientsVerifier);
    HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
    server.createContext("/hello", exchange -> {
      Optional<VerifiedRaTls> peer = RaTlsContexts.peer(((HttpsExchange) exchange).getSSLSession());
      byte[] body = ("hello " + peer.map(p -> p.enclaveReport().mrEnclave().hex()).orElse("stranger"))
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();

    // --- example: client side (enclave A calling only the server enclave B) ---
    RaTlsIssuer clientIssuer = RaTlsIssuer.builder().quoteProvider(clientQuotes).build();
    RaTlsVerifier serverVerifier = RaTlsVerifier.builder()
        .quoteVerifier(QuoteVerifier.newBuilder().trustAnchors(anchors).build())
        .collateral(collateral)
        .policy(RaTlsPolicy.builder().mrEnclave(SimEnclaves.MRENCLAVE_B).build())
        .build();
    HttpClient http = HttpClient.newBuilder().sslContext(RaTlsContexts.mutual(clientIssuer, serverVerifier)).build();
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/hello")).build(),
        HttpResponse.BodyHandlers.ofString());
    // --- end of example ---

    try {
      assertEquals(200, r.statusCode());
      assertEquals("hello " + SimEnclaves.MRENCLAVE_A, r.body());
    } finally {
      server.stop(0);
    }
  }
}
