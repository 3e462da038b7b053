package io.kubesgx.keybroker.kbs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.crypto.ECDHDecrypter;
import com.nimbusds.jose.crypto.RSADecrypter;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.keybroker.store.KeyStore;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.SimPlatform;
import io.kubesgx.testing.MutableClock;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Trustee KBS protocol end to end over HTTP: a client written here from the protocol reference
 * (key-broker.md §0.2, §2 — not from the server code) runs auth → attest (a simulated SGX enclave's
 * DCAP quote binding the nonce and its key) → resource, and decrypts the JWE with its private key.
 * Every denial is asserted with its error type and reason.
 */
class KbsProtocolTest {
  private static final String ADMIN = "key-broker-admin-token-0123456789abcdef";
  private static final Bytes MRSIGNER = AppEnclave.DEFAULT_MRSIGNER;
  private static final String RESOURCE = "default/db/password";
  private static final String ERR = "https://github.com/confidential-containers/kbs/errors/";

  @TempDir Path dir;
  private KeyBrokerServer server;
  private SimPlatform platform;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void start(Clock clock, KbsOptions kbs) throws Exception {
    Path platformDir = dir.resolve("platform");
    platform = SimPlatform.openOrCreate(platformDir, Clock.systemUTC());
    server = KeyBrokerServer.start(KeyBrokerServer.Options.local(0, dir.resolve("state"), ADMIN, List.of("http://127.0.0.1:9")), clock,
        HttpClient.newHttpClient(), kbs.withInsecureSimulatedPlatform(platformDir));
  }

  private void start() throws Exception {
    start(Clock.systemUTC(), KbsOptions.defaults());
  }

  // ---------------------------------------------------------------- a client from the spec

  /** A KBS client: the cookie jar is one session id, the key is RSA-2048/RSA-OAEP-256 or EC P-256/ECDH-ES+A256KW. */
  final class SpecClient {
    final KeyPair key;
    final boolean ec;
    String cookie;
    String nonce;
    String token;

    SpecClient(boolean ec) throws Exception {
      this.ec = ec;
      KeyPairGenerator g = KeyPairGenerator.getInstance(ec ? "EC" : "RSA");
      if (ec) {
        g.initialize(new ECGenParameterSpec("secp256r1"));
      } else {
        g.initialize(2048);
      }
      key = g.generateKeyPair();
    }

    /** The tee-pubkey JWK with members in sorted order (what JCS emits for ASCII-only members). */
    String teePubKey() {
      Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
      if (ec) {
        ECPublicKey p = (ECPublicKey) key.getPublic();
        return "{\"alg\":\"ECDH-ES+A256KW\",\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + b.encodeToString(fixed(p.getW().getAffineX()))
            + "\",\"y\":\"" + b.encodeToString(fixed(p.getW().getAffineY())) + "\"}";
      }
      RSAPublicKey p = (RSAPublicKey) key.getPublic();
      return "{\"alg\":\"RSA-OAEP-256\",\"e\":\"" + b.encodeToString(unsigned(p.getPublicExponent())) + "\",\"kty\":\"RSA\",\"n\":\""
          + b.encodeToString(unsigned(p.getModulus())) + "\"}";
    }

    HttpResponse<String> auth() throws Exception {
      HttpResponse<String> r = post("/kbs/v0/auth", "{\"version\":\"0.4.0\",\"tee\":\"sgx\",\"extra-params\":\"\"}", null);
      if (r.statusCode() == 200) {
        cookie = r.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        nonce = Json.parseObject(r.body()).string("nonce");
      }
      return r;
    }

    /** REPORTDATA = SHA-384 of the canonical runtime data, then 16 zero bytes (§2.3). */
    byte[] reportData(String forNonce, String jwk) throws Exception {
      String runtime = "{\"additional-evidence\":\"\",\"nonce\":\"" + forNonce + "\",\"tee-pubkey\":" + jwk + "}";
      return Arrays.copyOf(MessageDigest.getInstance("SHA-384").digest(runtime.getBytes(StandardCharsets.UTF_8)), 64);
    }

    String attestBody(String forNonce, byte[] quote) {
      return "{\"init-data\":null,\"runtime-data\":{\"nonce\":\"" + forNonce + "\",\"tee-pubkey\":" + teePubKey()
          + "},\"tee-evidence\":{\"primary_evidence\":{\"quote\":\"" + Base64.getEncoder().encodeToString(quote)
          + "\"},\"additional_evidence\":\"\"}}";
    }

    HttpResponse<String> attest(SimQuoteProvider enclave) throws Exception {
      return attestRaw(attestBody(nonce, enclave.quote(reportData(nonce, teePubKey()))));
    }

    HttpResponse<String> attestRaw(String body) throws Exception {
      HttpResponse<String> r = post("/kbs/v0/attest", body, cookie);
      if (r.statusCode() == 200) {
        token = Json.parseObject(r.body()).string("token");
      }
      return r;
    }

    HttpResponse<String> resource(String path) throws Exception {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/kbs/v0/resource/" + path)).GET();
      if (cookie != null) {
        b.header("Cookie", cookie);
      }
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Decrypts a flattened JWE (an independent JOSE library, over the same five parts). */
    byte[] decrypt(String body) throws Exception {
      JsonObject jwe = Json.parseObject(body);
      JWEObject o = JWEObject.parse(jwe.string("protected") + "." + jwe.string("encrypted_key") + "." + jwe.string("iv") + "."
          + jwe.string("ciphertext") + "." + jwe.string("tag"));
      o.decrypt(ec ? new ECDHDecrypter((ECPrivateKey) key.getPrivate()) : new RSADecrypter(key.getPrivate()));
      return o.getPayload().toBytes();
    }
  }

  private static byte[] unsigned(BigInteger v) {
    byte[] b = v.toByteArray();
    return b[0] == 0 && b.length > 1 ? Arrays.copyOfRange(b, 1, b.length) : b;
  }

  private static byte[] fixed(BigInteger v) {
    byte[] u = unsigned(v);
    byte[] out = new byte[32];
    System.arraycopy(u, 0, out, 32 - u.length, u.length);
    return out;
  }

  private HttpResponse<String> post(String path, String body, String cookie) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> admin(String method, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path + "?api-version=7.5"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String policy(String authority) {
    String p = "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"" + authority + "\",\"allOf\":["
        + "{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":false},"
        + "{\"claim\":\"x-ms-sgx-mrsigner\",\"equals\":\"" + MRSIGNER.hex() + "\"},"
        + "{\"claim\":\"x-ms-sgx-svn\",\"greaterOrEquals\":2}]}]}";
    return Base64.getUrlEncoder().withoutPadding().encodeToString(p.getBytes(StandardCharsets.UTF_8));
  }

  private void putSecret(String name, String value, String extraAttributes) throws Exception {
    HttpResponse<String> r = admin("PUT", "/secrets/" + name, "{\"value\":\"" + value + "\",\"contentType\":\"text/plain\","
        + "\"attributes\":{" + extraAttributes + "},\"release_policy\":{\"data\":\"" + policy(server.baseUrl() + "/kbs/v0")
        + "\"},\"x-kubesgx-kbs-resource\":\"" + RESOURCE + "\"}");
    assertEquals(200, r.statusCode(), r.body());
  }

  private SimQuoteProvider enclave(boolean debug, Bytes mrSigner, int svn) {
    return SimQuoteProvider.create(platform, AppEnclave.newBuilder()
        .mrEnclave(Bytes.of("kubesgx kbs test enclave".getBytes(StandardCharsets.US_ASCII)).sha256())
        .mrSigner(mrSigner).debug(debug).product(1, svn).build());
  }

  private static void assertError(HttpResponse<String> r, int status, String variant, String detailPart) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    JsonObject e = Json.parseObject(r.body());
    assertEquals(ERR + variant, e.string("type"), r.body());
    assertTrue(e.string("detail").contains(detailPart), r.body());
  }

  private List<String> auditLines() throws Exception {
    KeyStore s = server.store();
    return s.auditLines(1000);
  }

  // ---------------------------------------------------------------- the flow

  @Test
  void resource_attestedEnclaveRsaKey_decryptsTheSecret() throws Exception {
    start();
    putSecret("db-password", "correct horse battery staple", "");
    SpecClient c = new SpecClient(false);
    HttpResponse<String> a = c.auth();
    assertEquals(200, a.statusCode(), a.body());
    assertEquals("", Json.parseObject(a.body()).string("extra-params"));
    assertEquals(32, Base64.getDecoder().decode(c.nonce).length);
    assertTrue(c.cookie.matches("kbs-session-id=[0-9a-f]{32}"), c.cookie);
    assertFalse(a.headers().firstValue("Set-Cookie").orElseThrow().contains("Secure"), "plain HTTP: no Secure flag");
    HttpResponse<String> at = c.attest(enclave(false, MRSIGNER, 2));
    assertEquals(200, at.statusCode(), at.body());
    assertEquals(3, c.token.split("\\.").length);
    HttpResponse<String> r = c.resource(RESOURCE);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
    assertEquals("correct horse battery staple", new String(c.decrypt(r.body()), StandardCharsets.UTF_8));
    assertTrue(auditLines().stream().anyMatch(l -> l.contains("\"action\":\"kbs-release\"") && l.contains("\"result\":\"ok\"")));
    assertTrue(server.store().verifyAudit().intact());
  }

  @Test
  void resource_ecP256KeyAndBearerToken_decryptsTheSecret() throws Exception {
    start();
    putSecret("db-password", "ec secret", "");
    SpecClient c = new SpecClient(true);
    c.auth();
    assertEquals(200, c.attest(enclave(false, MRSIGNER, 3)).statusCode());
    c.cookie = null; // the token alone authorises the resource request
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/kbs/v0/resource/" + RESOURCE))
        .header("Authorization", "Bearer " + c.token).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertArrayEquals("ec secret".getBytes(StandardCharsets.UTF_8), c.decrypt(r.body()));
  }

  // ---------------------------------------------------------------- policy denials

  private HttpResponse<String> attestedResource(SimQuoteProvider enclave) throws Exception {
    SpecClient c = new SpecClient(false);
    c.auth();
    HttpResponse<String> at = c.attest(enclave);
    assertEquals(200, at.statusCode(), at.body());
    return c.resource(RESOURCE);
  }

  @Test
  void resource_debugEnclave_policyDenyNamesTheClaim() throws Exception {
    start();
    putSecret("db-password", "v", "");
    assertError(attestedResource(enclave(true, MRSIGNER, 2)), 401, "PolicyDeny", "x-ms-sgx-is-debuggable");
    assertTrue(auditLines().stream().anyMatch(l -> l.contains("\"result\":\"denied\"") && l.contains("x-ms-sgx-is-debuggable")));
  }

  @Test
  void resource_wrongMrSigner_policyDeny() throws Exception {
    start();
    putSecret("db-password", "v", "");
    Bytes other = Bytes.of("another signer".getBytes(StandardCharsets.US_ASCII)).sha256();
    assertError(attestedResource(enclave(false, other, 2)), 401, "PolicyDeny", "x-ms-sgx-mrsigner");
  }

  @Test
  void resource_svnTooLow_policyDeny() throws Exception {
    start();
    putSecret("db-password", "v", "");
    assertError(attestedResource(enclave(false, MRSIGNER, 1)), 401, "PolicyDeny", "x-ms-sgx-svn");
  }

  @Test
  void resource_disabledSecret_policyDeny() throws Exception {
    start();
    putSecret("db-password", "v", "\"enabled\":false");
    assertError(attestedResource(enclave(false, MRSIGNER, 2)), 401, "PolicyDeny", "disabled");
  }

  @Test
  void resource_expiredSecret_policyDeny() throws Exception {
    start();
    putSecret("db-password", "v", "\"exp\":" + (Instant.now().getEpochSecond() - 60));
    assertError(attestedResource(enclave(false, MRSIGNER, 2)), 401, "PolicyDeny", "expired");
  }

  @Test
  void resource_unknownPath_pluginInternalErrorAndBadPath404() throws Exception {
    start();
    SpecClient c = new SpecClient(false);
    c.auth();
    assertEquals(200, c.attest(enclave(false, MRSIGNER, 2)).statusCode());
    assertError(c.resource("default/db/nothing"), 401, "PluginInternalError", "resource not found");
    assertError(c.resource("default/db"), 404, "InvalidRequestPath", "repo");
  }

  // ---------------------------------------------------------------- attestation denials

  @Test
  void attest_evidenceReplayedIntoANewSession_deniedAndAudited() throws Exception {
    start();
    SpecClient first = new SpecClient(false);
    first.auth();
    String body = first.attestBody(first.nonce, enclave(false, MRSIGNER, 2).quote(first.reportData(first.nonce, first.teePubKey())));
    assertEquals(200, first.attestRaw(body).statusCode());
    SpecClient attacker = new SpecClient(false);
    attacker.auth();
    assertError(attacker.attestRaw(body), 401, "AttestationError", "nonce mismatch");
    assertTrue(auditLines().stream().anyMatch(l -> l.contains("\"action\":\"kbs-attest\"") && l.contains("nonce mismatch")));
    // the failed attest spent the attacker's session: trying again with the right nonce finds no session
    assertError(attacker.attestRaw(attacker.attestBody(attacker.nonce, new byte[] {1})), 401, "AttestationError", "unknown or has expired");
  }

  @Test
  void attest_reportDataBindsAnotherKey_denied() throws Exception {
    start();
    SpecClient c = new SpecClient(false);
    c.auth();
    SpecClient other = new SpecClient(false);
    byte[] quote = enclave(false, MRSIGNER, 2).quote(c.reportData(c.nonce, other.teePubKey()));
    assertError(c.attestRaw(c.attestBody(c.nonce, quote)), 401, "AttestationError", "REPORTDATA does not bind");
  }

  @Test
  void attest_quoteFromAnUntrustedPlatform_denied() throws Exception {
    start();
    SimPlatform foreign = SimPlatform.openOrCreate(dir.resolve("foreign"), Clock.systemUTC());
    SpecClient c = new SpecClient(false);
    c.auth();
    byte[] quote = SimQuoteProvider.create(foreign, AppEnclave.newBuilder().mrSigner(MRSIGNER).product(1, 2).build())
        .quote(c.reportData(c.nonce, c.teePubKey()));
    HttpResponse<String> r = c.attestRaw(c.attestBody(c.nonce, quote));
    assertError(r, 401, "AttestationError", "did not verify");
    assertTrue(r.body().contains("UNTRUSTED_ROOT") || r.body().contains("INVALID_PCK_CERT"), r.body());
  }

  @Test
  void auth_wrongVersionOrTee_attestationErrorSaysWhatIsExpected() throws Exception {
    start();
    assertError(post("/kbs/v0/auth", "{\"version\":\"0.1.1\",\"tee\":\"sgx\",\"extra-params\":\"\"}", null), 401, "AttestationError",
        "expect =0.4.0 while the request is 0.1.1");
    assertError(post("/kbs/v0/auth", "{\"version\":\"0.4.0\",\"tee\":\"tdx\",\"extra-params\":\"\"}", null), 401, "AttestationError",
        "sgx");
    assertError(post("/kbs/v0/other", "{}", null), 404, "PluginNotFound", "auth, attest and resource");
  }

  // ---------------------------------------------------------------- sessions

  @Test
  void resource_noSession_tokenNotFound() throws Exception {
    start();
    assertError(new SpecClient(false).resource(RESOURCE), 401, "TokenNotFound", "attested session");
    assertError(post("/kbs/v0/attest", "{}", null), 401, "AttestationError", "no kbs-session-id cookie");
  }

  @Test
  void resource_sessionExpired_tokenNotFound() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    start(clock, KbsOptions.defaults());
    putSecret("db-password", "v", "");
    SpecClient c = new SpecClient(false);
    c.auth();
    assertEquals(200, c.attest(enclave(false, MRSIGNER, 2)).statusCode());
    clock.advance(KbsSessions.DEFAULT_LIFETIME.plusSeconds(1));
    assertError(c.resource(RESOURCE), 401, "TokenNotFound", "not attested or has expired");
  }

  @Test
  void auth_sessionCapReached_answers503WithRetryAfter() throws Exception {
    start(Clock.systemUTC(), KbsOptions.defaults().withSessions(3, Duration.ofMinutes(5)));
    for (int i = 0; i < 3; i++) {
      assertEquals(200, new SpecClient(false).auth().statusCode());
    }
    HttpResponse<String> r = new SpecClient(false).auth();
    assertError(r, 503, "ServiceUnavailable", "too many open KBS sessions");
    assertEquals("1", r.headers().firstValue("Retry-After").orElseThrow());
  }
}
