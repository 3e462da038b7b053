package io.kubesgx.keybroker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.sdk.secret.KeyWrapAlgorithm;
import io.kubesgx.sdk.secret.ReleasedKey;
import io.kubesgx.sdk.secret.SecretClient;
import io.kubesgx.sdk.secret.SecretException;
import io.kubesgx.sdk.secret.SignerTrust;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK's {@link SecretClient} against the real key broker and our attestation service
 * (in-process, simulated platform, a permissive attestation policy so that the broker's release
 * policy is what decides): oct, RSA and EC keys come back equal to what the broker holds, and each
 * refusal surfaces with its reason.
 */
class SecretClientReleaseTest {
  private static final String ADMIN = "key-broker-admin-token-0123456789abcdef-xyz";

  @TempDir static Path dir;
  static Enclaves enclaves;
  static KeyBrokerServer broker;
  static SignerTrust trust;

  @BeforeAll
  static void start() throws Exception {
    enclaves = Enclaves.start(dir.resolve("enclaves"));
    broker = KeyBrokerServer.start(KeyBrokerServer.Options.local(0, dir.resolve("broker"), ADMIN, List.of(enclaves.issuer())),
        Clock.systemUTC());
    // The caller pins the broker's release-signing certificate (created at first start).
    trust = SignerTrust.pinnedPem(dir.resolve("broker").resolve("signing").resolve("release-signing.crt"));
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
    if (enclaves != null) {
      enclaves.close();
    }
  }

  private static SecretClient.Builder client(String token) {
    return SecretClient.newBuilder(URI.create(broker.baseUrl()), enclaves.attestationClient(), trust)
        .insecureAllowPlainHttp().bearerToken(token);
  }

  private static JsonObject create(String name, String body) throws Exception {
    HttpResponse<String> r = ReleaseDenialTest.send(broker, "POST", "/keys/" + name + "/create", body, ADMIN);
    assertEquals(200, r.statusCode(), r.body());
    return Json.parseObject(r.body()).object("key");
  }

  private static String policy() {
    String p = "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"" + enclaves.issuer() + "\",\"allOf\":["
        + "{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":false},"
        + "{\"claim\":\"x-ms-sgx-mrsigner\",\"equals\":\"" + Enclaves.MRSIGNER.hex() + "\"},"
        + "{\"claim\":\"x-ms-sgx-svn\",\"greaterOrEquals\":3}]}]}";
    return Base64.getUrlEncoder().withoutPadding().encodeToString(p.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static String exportable(String kty, String size) {
    return "{\"kty\":\"" + kty + "\"," + size + ",\"attributes\":{\"exportable\":true},\"release_policy\":{\"data\":\""
        + policy() + "\"}}";
  }

  @Test
  void release_rsaKey_privateKeyMatchesTheBrokersPublicKey() throws Exception {
    JsonObject k = create("sdk-rsa", exportable("RSA-HSM", "\"key_size\":2048"));
    ReleasedKey r = client(ADMIN).build().release(enclaves.provider(false, Enclaves.MRSIGNER, 3), "sdk-rsa", Optional.empty());
    assertEquals(ReleasedKey.Family.RSA, r.family());
    assertEquals(k.string("kid"), r.kid());
    BigInteger n = new BigInteger(1, Base64.getUrlDecoder().decode(k.string("n")));
    assertEquals(n, ((RSAPrivateCrtKey) r.privateKey().orElseThrow()).getModulus());
  }

  @Test
  void release_ecKeyByVersionWithSha1Wrap_returnsTheEcKey() throws Exception {
    JsonObject k = create("sdk-ec", exportable("EC-HSM", "\"crv\":\"P-256\""));
    String version = k.string("kid").substring(k.string("kid").lastIndexOf('/') + 1);
    ReleasedKey r = client(ADMIN).keyWrap(KeyWrapAlgorithm.CKM_RSA_AES_KEY_WRAP).build()
        .release(enclaves.provider(false, Enclaves.MRSIGNER, 3), "sdk-ec", Optional.of(version));
    assertEquals(256, ((ECPrivateKey) r.privateKey().orElseThrow()).getParams().getCurve().getField().getFieldSize());
  }

  @Test
  void release_importedOctKey_returnsTheImportedBytes() throws Exception {
    byte[] secret = new byte[32];
    new java.security.SecureRandom().nextBytes(secret);
    HttpResponse<String> put = ReleaseDenialTest.send(broker, "PUT", "/keys/sdk-oct", "{\"key\":{\"kty\":\"oct-HSM\",\"k\":\""
        + Base64.getUrlEncoder().withoutPadding().encodeToString(secret) + "\"},\"hsm\":true,\"attributes\":{\"exportable\":true},"
        + "\"release_policy\":{\"data\":\"" + policy() + "\"}}", ADMIN);
    assertEquals(200, put.statusCode(), put.body());
    ReleasedKey r = client(ADMIN).keyWrap(KeyWrapAlgorithm.RSA_AES_KEY_WRAP_384).build()
        .release(enclaves.provider(false, Enclaves.MRSIGNER, 4), "sdk-oct", Optional.empty());
    assertArrayEquals(secret, r.octBytes().orElseThrow());
  }

  @Test
  void release_debugEnclave_deniedNamingIsDebuggable() throws Exception {
    create("sdk-debug", exportable("oct-HSM", "\"key_size\":256"));
    SecretException e = assertThrows(SecretException.class, () -> client(ADMIN).build()
        .release(enclaves.provider(true, Enclaves.MRSIGNER, 3), "sdk-debug", Optional.empty()));
    assertEquals(SecretException.Reason.DENIED, e.reason(), e.getMessage());
    assertEquals(List.of("x-ms-sgx-is-debuggable"), e.failedClaims());
  }

  @Test
  void release_otherSigner_deniedNamingMrSigner() throws Exception {
    create("sdk-signer", exportable("oct-HSM", "\"key_size\":256"));
    SecretException e = assertThrows(SecretException.class, () -> client(ADMIN).build()
        .release(enclaves.provider(false, Bytes.of(new byte[32]), 3), "sdk-signer", Optional.empty()));
    assertEquals(SecretException.Reason.DENIED, e.reason(), e.getMessage());
    assertEquals(List.of("x-ms-sgx-mrsigner"), e.failedClaims());
  }

  @Test
  void release_unknownKey_notFound_wrongToken_unauthorized() {
    SecretException nf = assertThrows(SecretException.class, () -> client(ADMIN).build()
        .release(enclaves.provider(false, Enclaves.MRSIGNER, 3), "no-such-key", Optional.empty()));
    assertEquals(SecretException.Reason.NOT_FOUND, nf.reason(), nf.getMessage());
    SecretException un = assertThrows(SecretException.class, () -> client("not-the-admin-token").build()
        .release(enclaves.provider(false, Enclaves.MRSIGNER, 3), "no-such-key", Optional.empty()));
    assertEquals(SecretException.Reason.UNAUTHORIZED, un.reason(), un.getMessage());
  }

  @Test
  void release_nonExportableKey_forbidden() throws Exception {
    create("sdk-fixed", "{\"kty\":\"oct-HSM\",\"key_size\":256}");
    SecretException e = assertThrows(SecretException.class, () -> client(ADMIN).build()
        .release(enclaves.provider(false, Enclaves.MRSIGNER, 3), "sdk-fixed", Optional.empty()));
    assertEquals(SecretException.Reason.FORBIDDEN, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("not exportable"), e.getMessage());
  }

  @Test
  void release_brokerSigningCertNotPinned_badResponse() throws Exception {
    create("sdk-pin", exportable("oct-HSM", "\"key_size\":256"));
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    TestPki other = TestPki.create(java.nio.file.Files.createDirectories(dir.resolve("other-pki")));
    SecretClient c = SecretClient.newBuilder(URI.create(broker.baseUrl()), enclaves.attestationClient(),
        SignerTrust.pinned(List.of(other.ca))).insecureAllowPlainHttp().bearerToken(ADMIN).build();
    SecretException e = assertThrows(SecretException.class,
        () -> c.release(enclaves.provider(false, Enclaves.MRSIGNER, 3), "sdk-pin", Optional.empty()));
    assertEquals(SecretException.Reason.BAD_RESPONSE, e.reason(), e.getMessage());
  }
}
