package io.kubesgx.sdk.secret;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.attestation.AttestationClient;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link SecretClient} against a fake attestation service and Key Vault release endpoint (loopback). */
class SecretClientTest {
  private static final String DIR = "/io/kubesgx/sdk/secret/SecretClientTest/";

  /** A quote provider whose "quote" is just the REPORTDATA (the fake attestation service checks nothing). */
  static final QuoteProvider ECHO = new QuoteProvider() {
    @Override
    public byte[] quote(byte[] reportData) {
      return reportData.clone();
    }

    @Override
    public String name() {
      return "echo";
    }

    @Override
    public boolean isSimulated() {
      return true;
    }
  };

  FakeBroker broker;

  @BeforeEach
  void start() throws Exception {
    broker = new FakeBroker();
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  private SecretClient.Builder client(SignerTrust trust) {
    AttestationClient a = AttestationClient.newBuilder(URI.create(broker.url())).insecureAllowPlainHttp().maxAttempts(1).build();
    return SecretClient.newBuilder(URI.create(broker.url()), a, trust).insecureAllowPlainHttp().bearerToken("release-token");
  }

  private SecretClient pinned() {
    return client(SignerTrust.pinned(List.of(broker.signerCert))).build();
  }

  @Test
  void release_honestBroker_returnsTheKeyWrappedToAFreshTransferKey() throws Exception {
    ReleasedKey k = pinned().release(ECHO, "db-key", Optional.empty());
    assertArrayEquals(broker.octKey, k.octBytes().orElseThrow());
    assertEquals(ReleasedKey.Family.OCT, k.family());
    assertEquals(List.of("encrypt", "decrypt"), k.keyOps());
    assertTrue(k.kid().endsWith("/keys/db-key/0123456789abcdef0123456789abcdef"), k.kid());
    assertFalse(k.toString().contains(HexFormat.of().formatHex(broker.octKey)), k.toString());
    JsonObject body = Json.parseObject(broker.releaseBodies.get(0));
    assertEquals("RSA_AES_KEY_WRAP_256", body.string("enc"));
    assertEquals("Bearer release-token", broker.authorizations.get(0));
    // The runtime data in the token: {"keys":[RSA JWK with key_ops ["encrypt"] and a kid]}.
    String payload = body.string("target").split("\\.")[1];
    JsonObject claims = Json.parseObject(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8));
    JsonObject jwk = (JsonObject) claims.object("x-ms-runtime").array("keys").get(0);
    assertEquals("RSA", jwk.string("kty"));
    assertEquals("encrypt", ((io.kubesgx.common.json.JsonValue.JsonString) jwk.array("key_ops").get(0)).value());
    assertTrue(jwk.string("kid").length() > 20);
    assertFalse(jwk.has("d"), "the private transfer key never leaves the process");
  }

  @Test
  void release_twice_usesADifferentTransferKeyEachTime() throws Exception {
    SecretClient c = pinned();
    c.release(ECHO, "k", Optional.of("v1"));
    c.release(ECHO, "k", Optional.of("v1"));
    assertNotEquals(Json.parseObject(broker.releaseBodies.get(0)).string("target"),
        Json.parseObject(broker.releaseBodies.get(1)).string("target"));
  }

  @ParameterizedTest
  @EnumSource(value = FakeBroker.Mode.class,
      names = {"ALG_NONE", "HS256", "OTHER_SIGNER", "NO_X5C", "OTHER_KEY", "OTHER_ENC", "BAD_SIGNATURE"})
  void release_untrustedOrMismatchedResult_throwsBadResponse(FakeBroker.Mode mode) {
    broker.mode = mode;
    SecretException e = assertThrows(SecretException.class, () -> pinned().release(ECHO, "db-key", Optional.empty()));
    assertEquals(SecretException.Reason.BAD_RESPONSE, e.reason(), e.getMessage());
  }

  @Test
  void release_keyHsmNotWrappedToUs_throwsUnwrapFailed() {
    broker.mode = FakeBroker.Mode.BAD_KEY_HSM;
    SecretException e = assertThrows(SecretException.class, () -> pinned().release(ECHO, "db-key", Optional.empty()));
    assertEquals(SecretException.Reason.UNWRAP_FAILED, e.reason(), e.getMessage());
  }

  @Test
  void release_signerIssuedByTrustedCa_accepted_otherCa_refused() throws Exception {
    KeyPair ca = FakeBroker.rsa();
    X509Certificate caCert = ca(ca);
    X509Certificate leaf = issue(ca, caCert, broker.signer);
    SignerTrust byCa = SignerTrust.certificateAuthorities(List.of(caCert));
    byCa.check(List.of(leaf, caCert), Instant.now());
    byCa.check(List.of(leaf), Instant.now());
    SecretException e = assertThrows(SecretException.class, () -> byCa.check(List.of(broker.signerCert), Instant.now()));
    assertEquals(SecretException.Reason.BAD_RESPONSE, e.reason());
    assertThrows(SecretException.class, () -> byCa.check(List.of(leaf), Instant.now().plusSeconds(30 * 86400L)));
    assertThrows(SecretException.class, () -> byCa.check(List.of(caCert), Instant.now()));
  }

  @Test
  void release_policyDenialForCaller_throwsDeniedNamingTheClaims() {
    broker.mode = FakeBroker.Mode.STATUS;
    broker.status = 403;
    broker.errorBody = "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Release policy not satisfied (claims: "
        + "x-ms-sgx-is-debuggable, x-ms-sgx-svn)\"}}";
    SecretException e = assertThrows(SecretException.class, () -> pinned().release(ECHO, "db-key", Optional.empty()));
    assertEquals(SecretException.Reason.DENIED, e.reason());
    assertEquals(List.of("x-ms-sgx-is-debuggable", "x-ms-sgx-svn"), e.failedClaims());
    assertEquals(403, e.httpStatus());
    assertTrue(e.getMessage().contains("x-ms-sgx-is-debuggable"), e.getMessage());
  }

  @Test
  void failedClaims_adminForm_namesEachClaim() {
    assertEquals(List.of("x-ms-sgx-is-debuggable", "x-ms-sgx-mrsigner"), SecretClient.failedClaims(
        "Release policy not satisfied: x-ms-sgx-is-debuggable: true is not equal to false; x-ms-sgx-mrsigner: ab is not cd"));
  }

  @Test
  void release_brokerRefusals_mapToReasons() {
    broker.mode = FakeBroker.Mode.STATUS;
    Object[][] cases = {
        {401, "", SecretException.Reason.UNAUTHORIZED},
        {403, "{\"error\":{\"code\":\"Forbidden\",\"message\":\"release refused: the key is not exportable\"}}", SecretException.Reason.FORBIDDEN},
        {404, "{\"error\":{\"code\":\"KeyNotFound\",\"message\":\"A key with (name/id) db-key was not found\"}}", SecretException.Reason.NOT_FOUND},
        {400, "{\"error\":{\"code\":\"BadParameter\",\"message\":\"bad\"}}", SecretException.Reason.BAD_REQUEST},
        {429, "", SecretException.Reason.UNAVAILABLE},
        {503, "<html>", SecretException.Reason.UNAVAILABLE},
    };
    for (Object[] c : cases) {
      broker.status = (Integer) c[0];
      broker.errorBody = (String) c[1];
      SecretException e = assertThrows(SecretException.class, () -> pinned().release(ECHO, "db-key", Optional.empty()));
      assertEquals(c[2], e.reason(), "HTTP " + c[0] + ": " + e.getMessage());
      assertEquals((int) (Integer) c[0], e.httpStatus());
    }
  }

  @Test
  void release_answerLargerThanLimit_throwsTransportWithoutBufferingIt() {
    broker.mode = FakeBroker.Mode.STATUS;
    broker.status = 200;
    broker.errorBody = "x".repeat(1024 * 1024 + 1);
    SecretException e = assertThrows(SecretException.class, () -> pinned().release(ECHO, "db-key", Optional.empty()));
    assertEquals(SecretException.Reason.TRANSPORT, e.reason(), e.getMessage());
  }

  @Test
  void release_unreadableTokenFile_throwsUnauthorizedBeforeSending(@TempDir Path dir) {
    SecretClient c = client(SignerTrust.pinned(List.of(broker.signerCert))).bearerTokenFile(dir.resolve("missing")).build();
    SecretException e = assertThrows(SecretException.class, () -> c.release(ECHO, "db-key", Optional.empty()));
    assertEquals(SecretException.Reason.UNAUTHORIZED, e.reason());
    assertTrue(broker.releaseBodies.isEmpty());
  }

  @Test
  void release_badNameOrPlainHttpWithoutOptIn_rejectedUpFront() {
    assertThrows(IllegalArgumentException.class, () -> pinned().release(ECHO, "../admin", Optional.empty()));
    assertThrows(IllegalArgumentException.class, () -> pinned().release(ECHO, "k", Optional.of("v/../x")));
    AttestationClient a = AttestationClient.newBuilder(URI.create(broker.url())).insecureAllowPlainHttp().build();
    assertThrows(IllegalArgumentException.class,
        () -> SecretClient.newBuilder(URI.create(broker.url()), a, SignerTrust.pinned(List.of(broker.signerCert))).build());
  }

  @Test
  void unwrap_sidecarReferenceVector_givesTheDocumentedKey() throws Exception {
    RSAPrivateKey key;
    try (InputStream in = SecretClientTest.class.getResourceAsStream(DIR + "sc-transfer-key.pem");
        PEMParser p = new PEMParser(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
      key = (RSAPrivateKey) new JcaPEMKeyConverter().getKeyPair((PEMKeyPair) p.readObject()).getPrivate();
    }
    byte[] blob;
    try (InputStream in = SecretClientTest.class.getResourceAsStream(DIR + "sc-rsa-aes-key-wrap.b64url")) {
      blob = Base64.getUrlDecoder().decode(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
    }
    // spec: key-broker reference §1.4 test vector (SC RSAKeyUnwrap_Success / _DifferentEnc).
    assertEquals("d85ecc983a5cfe3a5fe377f79d14026e73ca7bb54ae8efc0d8128a4b88a85676",
        HexFormat.of().formatHex(RsaAesUnwrap.unwrap(key, KeyWrapAlgorithm.CKM_RSA_AES_KEY_WRAP, blob)));
    SecretException e = assertThrows(SecretException.class, () -> RsaAesUnwrap.unwrap(key, KeyWrapAlgorithm.RSA_AES_KEY_WRAP_256, blob));
    assertEquals(SecretException.Reason.UNWRAP_FAILED, e.reason());
  }

  private static X509Certificate ca(KeyPair k) throws Exception {
    X500Name n = new X500Name("CN=release signing CA");
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(n, BigInteger.ONE, Date.from(now.minusSeconds(600)),
        Date.from(now.plusSeconds(86400)), n, k.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(k.getPrivate())));
  }

  private static X509Certificate issue(KeyPair ca, X509Certificate caCert, KeyPair subject) throws Exception {
    Instant now = Instant.now();
    return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
        new X500Name(caCert.getSubjectX500Principal().getName()), BigInteger.TWO, Date.from(now.minusSeconds(600)),
        Date.from(now.plusSeconds(86400)), new X500Name("CN=broker.example"), subject.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withRSA").build(ca.getPrivate())));
  }
}
