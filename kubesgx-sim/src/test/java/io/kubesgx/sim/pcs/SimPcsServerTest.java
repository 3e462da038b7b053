package io.kubesgx.sim.pcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.CollateralLoader;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.enclave.Report;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.Scenario;
import io.kubesgx.sim.SimPlatform;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import io.kubesgx.verifier.VerifiedQuote;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.io.ByteArrayInputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SimPcsServerTest {
  static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @TempDir static Path tmp;
  static SimPlatform platform;
  static SimPcsServer server;
  static HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    CryptoProviders.installPreferred();
    platform = SimPlatform.openOrCreate(tmp.resolve("p"), CLOCK);
    server = SimPcsServer.start(platform.directory(), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), CLOCK);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<byte[]> get(String rel) throws Exception {
    return http.send(HttpRequest.newBuilder(server.baseUri().resolve(rel)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static String header(HttpResponse<?> r, String name) {
    return URLDecoder.decode(r.headers().firstValue(name).orElseThrow(() -> new AssertionError("no header " + name)),
        StandardCharsets.UTF_8);
  }

  static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  /** Fetches collateral as a PCS client does, from the paths and headers only. */
  static Collateral fetch(String fmspc) throws Exception {
    HttpResponse<byte[]> tcb = get("tcb?fmspc=" + fmspc);
    HttpResponse<byte[]> qe = get("qe/identity");
    HttpResponse<byte[]> crl = get("pckcrl?ca=processor&encoding=der");
    HttpResponse<byte[]> root = get("rootcacrl");
    assertEquals(200, tcb.statusCode(), text(tcb));
    assertEquals(200, qe.statusCode());
    assertEquals(200, crl.statusCode());
    assertEquals(200, root.statusCode());
    return CollateralLoader.fromPcsResponses(text(tcb), header(tcb, "TCB-Info-Issuer-Chain"), text(qe),
        header(qe, "SGX-Enclave-Identity-Issuer-Chain"), crl.body(), header(crl, "SGX-PCK-CRL-Issuer-Chain"),
        Bytes.fromHex(text(root)).toByteArray(), null);
  }

  static VerifiedQuote verifyFresh(Collateral c) throws Exception {
    Report r = platform.cpu().ereport(AppEnclave.newBuilder().build(), platform.quotingEnclave().targetInfo(), Bytes.zeros(64));
    byte[] q = platform.quotingEnclave().quote(r, 3);
    QuoteVerifier v = QuoteVerifier.newBuilder()
        .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(platform.rootCertificate())))).build();
    return v.verify(q, c, NOW);
  }

  @Test
  void get_collateralFromPcsPaths_verifiesAQuote() throws Exception {
    VerifiedQuote v = verifyFresh(fetch(platform.config().fmspc().hex().toUpperCase()));
    assertEquals("UpToDate", v.status().jsonName());
    assertTrue(v.isSimulated());
  }

  @Test
  void get_scenarioSwitchedOnDisk_isServedWithoutRestart() throws Exception {
    Path dir = tmp.resolve("switching");
    SimPlatform p = SimPlatform.openOrCreate(dir, CLOCK);
    try (SimPcsServer s = SimPcsServer.start(dir, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), CLOCK)) {
      String fmspc = p.config().fmspc().hex();
      HttpResponse<String> before = http.send(HttpRequest.newBuilder(s.baseUri().resolve("tcb?fmspc=" + fmspc)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(before.body().contains("\"tcbStatus\":\"UpToDate\""));
      p.withScenario(Scenario.SW_HARDENING_NEEDED);
      Files.setLastModifiedTime(dir.resolve("platform.json"), FileTime.from(Instant.now().plusSeconds(5)));
      HttpResponse<String> after = http.send(HttpRequest.newBuilder(s.baseUri().resolve("tcb?fmspc=" + fmspc)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(after.body().contains("INTEL-SA-00615"), after.body());
    }
  }

  @Test
  void get_pckCrlDefaultEncoding_isPemAndBothCasParse() throws Exception {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    for (String ca : new String[] {"processor", "platform"}) {
      HttpResponse<byte[]> pem = get("pckcrl?ca=" + ca);
      assertEquals(200, pem.statusCode());
      assertTrue(text(pem).startsWith("-----BEGIN X509 CRL-----"), text(pem));
      X509CRL crl = (X509CRL) cf.generateCRL(new ByteArrayInputStream(get("pckcrl?ca=" + ca + "&encoding=der").body()));
      assertTrue(crl.getIssuerX500Principal().getName().contains(ca.equals("processor") ? "Processor" : "Platform"));
      assertTrue(header(pem, "SGX-PCK-CRL-Issuer-Chain").contains("BEGIN CERTIFICATE"));
    }
    HttpResponse<byte[]> der = get("rootcacrl.der");
    X509CRL root = (X509CRL) cf.generateCRL(new ByteArrayInputStream(der.body()));
    root.verify(platform.rootCertificate().getPublicKey());
  }

  @Test
  void get_pckCert_returnsThePlatformsCertificateAndTcbm() throws Exception {
    String q = "pckcert?encrypted_ppid=" + "ab".repeat(384) + "&cpusvn=" + platform.config().cpuSvn().hex()
        + "&pcesvn=0d00&pceid=0000";
    HttpResponse<byte[]> r = get(q);
    assertEquals(200, r.statusCode(), text(r));
    assertEquals(platform.pck().pem(), text(r));
    assertEquals(platform.config().cpuSvn().hex() + "0d00", r.headers().firstValue("SGX-TCBm").orElseThrow());
    assertEquals("processor", r.headers().firstValue("SGX-PCK-Certificate-CA-Type").orElseThrow());
  }

  @Test
  void get_tcbRecoveryEvaluationNumbers_areServedOnRequest() throws Exception {
    Path dir = tmp.resolve("recovery");
    SimPlatform p = SimPlatform.openOrCreate(dir, CLOCK).withScenario(Scenario.TCB_RECOVERY);
    try (SimPcsServer s = SimPcsServer.start(dir, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), CLOCK)) {
      String base = "tcb?fmspc=" + p.config().fmspc().hex();
      String latest = http.send(HttpRequest.newBuilder(s.baseUri().resolve(base + "&update=early")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      String old = http.send(HttpRequest.newBuilder(s.baseUri().resolve(base + "&tcbEvaluationDataNumber=17")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(latest.contains("\"tcbEvaluationDataNumber\":18"), latest);
      assertTrue(old.contains("\"tcbEvaluationDataNumber\":17"), old);
      HttpResponse<String> missing = http.send(
          HttpRequest.newBuilder(s.baseUri().resolve(base + "&tcbEvaluationDataNumber=19")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(400, missing.statusCode());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "tcb", "tcb?fmspc=xyz", "tcb?fmspc=00515e00000", "tcb?fmspc=00515e000000&update=late",
    "tcb?fmspc=00515e000000&tcbEvaluationDataNumber=abc", "tcb?fmspc=00515e000000&fmspc=00515e000000",
    "tcb?fmspc=00515e000000&bogus=1", "pckcrl", "pckcrl?ca=root", "pckcrl?ca=processor&encoding=hex",
    "pckcert?cpusvn=00", "qe/identity?update=sometimes"
  })
  void get_badRequest_is400WithErrorHeaders(String rel) throws Exception {
    HttpResponse<byte[]> r = get(rel);
    assertEquals(400, r.statusCode(), rel + " -> " + text(r));
    assertTrue(r.headers().firstValue("Error-Message").isPresent());
    assertTrue(r.headers().firstValue("Request-ID").isPresent());
  }

  @Test
  void get_unknownFmspcOrPath_is404() throws Exception {
    assertEquals(404, get("tcb?fmspc=00906ED50000").statusCode());
    assertEquals(404, get("qve/identity").statusCode());
    assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/nope")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode());
  }

  @Test
  void post_isMethodNotAllowed() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.baseUri().resolve("qe/identity"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, r.statusCode());
    assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElseThrow());
  }
}
