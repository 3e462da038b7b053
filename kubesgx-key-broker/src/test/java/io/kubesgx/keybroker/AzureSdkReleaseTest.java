package io.kubesgx.keybroker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.keys.models.CreateEcKeyOptions;
import com.azure.security.keyvault.keys.models.CreateRsaKeyOptions;
import com.azure.security.keyvault.keys.models.ImportKeyOptions;
import com.azure.security.keyvault.keys.models.JsonWebKey;
import com.azure.security.keyvault.keys.models.KeyCurveName;
import com.azure.security.keyvault.keys.models.KeyExportEncryptionAlgorithm;
import com.azure.security.keyvault.keys.models.KeyReleasePolicy;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import com.azure.security.keyvault.keys.models.ReleaseKeyOptions;
import com.azure.security.keyvault.keys.models.ReleaseKeyResult;
import com.nimbusds.jose.JWSObject;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.keybroker.wrap.KeyExportEncryption;
import io.kubesgx.keybroker.wrap.RsaAesKeyWrap;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * Evidence for Secure Key Release with the Azure SDK for Java ({@code
 * azure-security-keyvault-keys} 4.9.0) over HTTPS with a test CA: the SDK creates and imports
 * exportable keys with release policies, releases them with a token from our attestation service
 * (in-process, simulated platform), and the test unwraps {@code key_hsm} with the enclave's transfer
 * key to get the original key; a policy mismatch surfaces as the SDK's exception.
 */
class AzureSdkReleaseTest {
  private static final String ADMIN = "key-broker-admin-token-0123456789abcdef-xyz";
  private static final String ADMIN_A = "team-a-admin-token-0123456789abcdef-xyz-sdk";

  @TempDir static Path dir;
  static Enclaves enclaves;
  static KeyBrokerServer broker;
  static KeyClient client;
  static KeyClient teamA;
  static final java.util.List<String> teamAChallengeTenants = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    enclaves = Enclaves.start(dir.resolve("enclaves"));
    TestPki pki = TestPki.create(dir);
    testCa = pki.ca;
    io.kubesgx.keybroker.tenant.Tenants tenants = io.kubesgx.keybroker.tenant.Tenants.of(List.of(
        new io.kubesgx.keybroker.tenant.TenantConfig("team-a", List.of(io.kubesgx.keybroker.tenant.AdminToken.of("admin:a", ADMIN_A)),
            List.of(enclaves.issuer()), List.of())), false);
    broker = KeyBrokerServer.start(KeyBrokerServer.Options.local(0, dir.resolve("broker"), ADMIN, List.of(enclaves.issuer()))
        .withTls(pki.cert, pki.key).withTenants(tenants), Clock.systemUTC());
    TokenCredential admin = ctx -> Mono.just(new AccessToken(ADMIN, OffsetDateTime.now().plusHours(1)));
    client = new KeyClientBuilder()
        .vaultUrl(broker.baseUrl())
        .credential(admin)
        .httpClient(new JdkHttpClientBuilder(pki.httpClientBuilder()).build())
        // The challenge's resource is the broker's own URL; the SDK wants the vault host to end with "." + resource host.
        .disableChallengeResourceVerification()
        .buildClient();
    // Tenant team-a: the vault URL carries the tenant prefix; the SDK takes the tenant from the challenge.
    TokenCredential adminA = ctx -> {
      teamAChallengeTenants.add(String.valueOf(ctx.getTenantId()));
      return Mono.just(new AccessToken(ADMIN_A, OffsetDateTime.now().plusHours(1)));
    };
    teamA = new KeyClientBuilder()
        .vaultUrl(broker.baseUrl() + "/t/team-a")
        .credential(adminA)
        .httpClient(new JdkHttpClientBuilder(pki.httpClientBuilder()).build())
        .disableChallengeResourceVerification()
        .buildClient();
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

  private static String policy() {
    return "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"" + enclaves.issuer() + "/\",\"allOf\":["
        + "{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":false},"
        + "{\"claim\":\"x-ms-sgx-mrsigner\",\"equals\":\"" + Enclaves.MRSIGNER.hex() + "\"},"
        + "{\"claim\":\"x-ms-sgx-svn\",\"greaterOrEquals\":3}]}]}";
  }

  private static X509Certificate testCa;

  /**
   * Verifies the JWS with its x5c leaf (the broker's TLS certificate: the signer defaults to the TLS
   * key), checks that x5c chains up to the test CA and that x5t#S256 names the leaf, and returns the
   * unwrapped key material.
   */
  private static byte[] unwrapRelease(ReleaseKeyResult r, KeyPair transfer, KeyExportEncryption enc, String kid) throws Exception {
    JWSObject jws = JWSObject.parse(r.getValue());
    assertEquals("ES256", jws.getHeader().getAlgorithm().getName(), "the TLS key of the test PKI is EC P-256");
    List<X509Certificate> chain = new java.util.ArrayList<>();
    for (com.nimbusds.jose.util.Base64 c : jws.getHeader().getX509CertChain()) {
      chain.add((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(c.decode())));
    }
    X509Certificate leaf = chain.get(0);
    assertTrue(jws.verify(new com.nimbusds.jose.crypto.ECDSAVerifier((java.security.interfaces.ECPublicKey) leaf.getPublicKey())),
        "JWS signed by the x5c leaf");
    assertEquals(com.nimbusds.jose.util.Base64URL.encode(java.security.MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded())),
        jws.getHeader().getX509CertSHA256Thumbprint());
    java.security.cert.PKIXParameters params = new java.security.cert.PKIXParameters(
        java.util.Set.of(new java.security.cert.TrustAnchor(testCa, null)));
    params.setRevocationEnabled(false);
    java.security.cert.CertPathValidator.getInstance("PKIX").validate(
        CertificateFactory.getInstance("X.509").generateCertPath(chain.subList(0, chain.size() - 1)), params); // throws unless it chains to the CA
    JsonObject payload = Json.parseObject(jws.getPayload().toString());
    assertEquals(enc.name(), payload.object("request").string("enc"));
    assertEquals(kid, payload.object("request").string("kid"));
    JsonObject key = payload.object("response").object("key");
    assertTrue(key.object("attributes").has("exportable"));
    assertTrue(key.object("release_policy").string("data").length() > 10);
    JsonObject keyHsm = Json.parseObject(new String(Base64.getUrlDecoder().decode(key.object("key").string("key_hsm")),
        StandardCharsets.UTF_8));
    byte[] blob = Base64.getUrlDecoder().decode(keyHsm.string("ciphertext"));
    return RsaAesKeyWrap.unwrap((RSAPrivateKey) transfer.getPrivate(), enc, blob);
  }

  @Test
  void releaseKey_rsaKeyCreatedBySdk_unwrapsToTheSameRsaKey() throws Exception {
    KeyVaultKey k = client.createRsaKey(new CreateRsaKeyOptions("sdk-rsa").setHardwareProtected(true).setKeySize(2048)
        .setExportable(true).setReleasePolicy(new KeyReleasePolicy(BinaryData.fromString(policy()))));
    assertTrue(k.getProperties().isExportable());
    KeyPair transfer = Enclaves.transferKey();
    String token = enclaves.token(transfer, false, Enclaves.MRSIGNER, 3);
    ReleaseKeyResult r = client.releaseKeyWithResponse("sdk-rsa", null, token,
        new ReleaseKeyOptions().setAlgorithm(KeyExportEncryptionAlgorithm.RSA_AES_KEY_WRAP_256).setNonce("n-1"), Context.NONE).getValue();
    byte[] pkcs8 = unwrapRelease(r, transfer, KeyExportEncryption.RSA_AES_KEY_WRAP_256, k.getId());
    RSAPrivateCrtKey released = (RSAPrivateCrtKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    assertEquals(new BigInteger(1, k.getKey().getN()), released.getModulus());
  }

  @Test
  void releaseKey_ecKeyWithDefaultEnc_unwrapsWithOaepSha1ToPkcs8() throws Exception {
    KeyVaultKey k = client.createEcKey(new CreateEcKeyOptions("sdk-ec").setCurveName(KeyCurveName.P_384)
        .setExportable(true).setReleasePolicy(new KeyReleasePolicy(BinaryData.fromString(policy()))));
    KeyPair transfer = Enclaves.transferKey();
    // No enc: the broker uses and echoes CKM_RSA_AES_KEY_WRAP (OAEP-SHA-1).
    ReleaseKeyResult r = client.releaseKey("sdk-ec", k.getProperties().getVersion(), enclaves.token(transfer, false, Enclaves.MRSIGNER, 4));
    byte[] pkcs8 = unwrapRelease(r, transfer, KeyExportEncryption.CKM_RSA_AES_KEY_WRAP, k.getId());
    ECPrivateKey ec = (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    assertEquals(384, ec.getParams().getCurve().getField().getFieldSize());
  }

  @Test
  void releaseKey_octKeyImportedBySdk_unwrapsToTheImportedBytes() throws Exception {
    byte[] secret = new byte[32];
    new java.security.SecureRandom().nextBytes(secret);
    JsonWebKey jwk = JsonWebKey.fromAes(new SecretKeySpec(secret, "AES"), List.of());
    ImportKeyOptions options = new ImportKeyOptions("sdk-oct", jwk).setHardwareProtected(true);
    options.setExportable(true);
    options.setReleasePolicy(new KeyReleasePolicy(BinaryData.fromString(policy())));
    KeyVaultKey k = client.importKey(options);
    assertEquals("oct-HSM", k.getKeyType().toString());
    KeyPair transfer = Enclaves.transferKey();
    ReleaseKeyResult r = client.releaseKeyWithResponse("sdk-oct", k.getProperties().getVersion(),
        enclaves.token(transfer, false, Enclaves.MRSIGNER, 3),
        new ReleaseKeyOptions().setAlgorithm(KeyExportEncryptionAlgorithm.RSA_AES_KEY_WRAP_384), Context.NONE).getValue();
    assertArrayEquals(secret, unwrapRelease(r, transfer, KeyExportEncryption.RSA_AES_KEY_WRAP_384, k.getId()));
  }

  @Test
  void releaseKey_debugEnclave_sdkThrowsForbiddenNamingTheClaim() throws Exception {
    client.createRsaKey(new CreateRsaKeyOptions("sdk-denied").setKeySize(2048).setExportable(true)
        .setReleasePolicy(new KeyReleasePolicy(BinaryData.fromString(policy()))));
    String debugToken = enclaves.token(Enclaves.transferKey(), true, Enclaves.MRSIGNER, 3);
    HttpResponseException e = assertThrows(HttpResponseException.class, () -> client.releaseKey("sdk-denied", debugToken));
    assertEquals(403, e.getResponse().getStatusCode());
    assertTrue(e.getMessage().contains("x-ms-sgx-is-debuggable"), e.getMessage());
  }

  @Test
  void releaseKey_nonDefaultTenant_sdkCreatesAndReleasesThroughTenantPrefix() throws Exception {
    // The SDK caches one challenge per host:port for the whole JVM; start cold so this client sees team-a's.
    com.azure.security.keyvault.keys.implementation.KeyVaultCredentialPolicy.clearCache();
    KeyVaultKey k = teamA.createRsaKey(new CreateRsaKeyOptions("tenant-rsa").setKeySize(2048)
        .setExportable(true).setReleasePolicy(new KeyReleasePolicy(BinaryData.fromString(policy()))));
    assertTrue(k.getId().startsWith(broker.baseUrl() + "/t/team-a/keys/tenant-rsa/"), k.getId());
    assertTrue(teamAChallengeTenants.contains("team-a"), "the challenge named the tenant: " + teamAChallengeTenants);
    // The SDK parses name and version from the kid by position (it expects /keys/NAME/VERSION at the root),
    // so with a tenant prefix KeyProperties.getVersion() is wrong: take the version from the kid's last segment.
    String version = k.getId().substring(k.getId().lastIndexOf('/') + 1);
    KeyPair transfer = Enclaves.transferKey();
    ReleaseKeyResult r = teamA.releaseKeyWithResponse("tenant-rsa", version,
        enclaves.token(transfer, false, Enclaves.MRSIGNER, 3),
        new ReleaseKeyOptions().setAlgorithm(KeyExportEncryptionAlgorithm.RSA_AES_KEY_WRAP_256), Context.NONE).getValue();
    byte[] pkcs8 = unwrapRelease(r, transfer, KeyExportEncryption.RSA_AES_KEY_WRAP_256, k.getId());
    RSAPrivateCrtKey released = (RSAPrivateCrtKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    assertEquals(new BigInteger(1, k.getKey().getN()), released.getModulus());
    // The default tenant's client does not see team-a's key.
    HttpResponseException e = assertThrows(HttpResponseException.class, () -> client.getKey("tenant-rsa"));
    assertEquals(404, e.getResponse().getStatusCode());
  }
}
