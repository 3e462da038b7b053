package io.kubesgx.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.collateralservice.CollateralService;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.sim.pcs.SimPcsServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An air-gapped service: collateral exported to a bundle elsewhere, imported at start, no PCS at all. */
class OfflineBundleTest {
  @Test
  void attest_offlineServiceWithImportedBundle_verifiesWithoutAnyPcs(@TempDir Path dir) throws Exception {
    SimQuotes sim = new SimQuotes(dir.resolve("platform"), Clock.systemUTC());
    byte[] runtime = new byte[] {7};
    byte[] quote = sim.quote(runtime, false);
    Path bundle = dir.resolve("bundle.json");
    try (SimPcsServer pcs = SimPcsServer.start(dir.resolve("platform"), new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), Clock.systemUTC());
        CollateralService online = CollateralService.builder().baseUrl(pcs.baseUri()).clock(Clock.systemUTC()).build()) {
      online.exportBundle(bundle, List.of(online.keyFor(QuoteParser.parse(quote))));
    }
    Path root = dir.resolve("root.der");
    Files.write(root, sim.platform().rootCertificateDer().toByteArray());
    try (AttestationServer s = AttestationServer.start(
        ServerOptions.defaults(0, dir.resolve("state")).withOfflineBundles(List.of(bundle), List.of(root)), Clock.systemUTC())) {
      String body = "{\"quote\":\"" + Base64.getUrlEncoder().encodeToString(quote)
          + "\",\"runtimeData\":{\"data\":\"" + Base64.getUrlEncoder().encodeToString(runtime) + "\",\"dataType\":\"Binary\"}}";
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/attest/SgxEnclave"))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      // Another simulated platform (same FMSPC, its own root, which this service does not trust): rejected.
      SimQuotes other = new SimQuotes(dir.resolve("other"), Clock.systemUTC());
      String body2 = "{\"quote\":\"" + Base64.getUrlEncoder().encodeToString(
          other.quote(io.kubesgx.common.Bytes.zeros(64), false, io.kubesgx.common.Bytes.zeros(64), 3)) + "\"}";
      HttpResponse<String> miss = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/attest/SgxEnclave"))
          .POST(HttpRequest.BodyPublishers.ofString(body2)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(400, miss.statusCode(), miss.body());
      assertTrue(miss.body().contains("QuoteVerificationFailed"), miss.body());
    }
  }
}
