package io.kubesgx.keybroker.kbs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.keybroker.tenant.TenantsFile;
import io.kubesgx.sdk.secret.KbsClient;
import io.kubesgx.sdk.secret.SecretException;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.SimPlatform;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK's {@link KbsClient} (written from the Trustee protocol reference, independently of this
 * server) against the broker's real KBS endpoints: a simulated enclave gets its secret, a debug
 * enclave or a foreign signer is refused with the SDK's {@code DENIED}, and the same through a
 * non-default tenant ({@code /t/team-a/kbs/v0/…}) whose secrets stay apart from the default tenant's.
 */
class KbsClientEndToEndTest {
  private static final String ADMIN = "key-broker-admin-token-0123456789abcdef";
  private static final String ADMIN_A = "team-a-admin-token-0123456789abcdef-xyz";
  private static final Bytes MRSIGNER = AppEnclave.DEFAULT_MRSIGNER;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;
  private KeyBrokerServer server;
  private SimPlatform platform;

  @BeforeEach
  void start() throws Exception {
    Path platformDir = dir.resolve("platform");
    platform = SimPlatform.openOrCreate(platformDir, Clock.systemUTC());
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(conf.resolve("a.token"), ADMIN_A + "\n");
    Files.writeString(conf.resolve("tenants.json"), "{\"tenants\": {\"team-a\": {\"adminTokenFiles\": [\"a.token\"], \"trustedIssuers\": [\"http://127.0.0.1:9\"]}}}");
    server = KeyBrokerServer.start(KeyBrokerServer.Options.local(0, dir.resolve("state"), ADMIN, List.of("http://127.0.0.1:9"))
            .withTenants(TenantsFile.read(conf.resolve("tenants.json"), List.of())),
        Clock.systemUTC(), HttpClient.newHttpClient(), KbsOptions.defaults().withInsecureSimulatedPlatform(platformDir));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private KbsClient client(String prefix, KbsClient.TeeKeyType keyType) {
    return KbsClient.newBuilder(URI.create(server.baseUrl() + prefix)).insecureAllowPlainHttp().teeKeyType(keyType).build();
  }

  private SimQuoteProvider enclave(boolean debug, Bytes mrSigner) {
    return SimQuoteProvider.create(platform, AppEnclave.newBuilder()
        .mrEnclave(Bytes.of("kubesgx kbs e2e enclave".getBytes(StandardCharsets.US_ASCII)).sha256())
        .mrSigner(mrSigner).debug(debug).product(1, 2).build());
  }

  /** Puts a secret with a release policy under {@code prefix} ("" or "/t/team-a") as that tenant's admin. */
  private void putSecret(String prefix, String token, String name, String value, String kbsPath) throws Exception {
    String policy = "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"" + server.baseUrl() + "/kbs/v0\",\"allOf\":["
        + "{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":false},"
        + "{\"claim\":\"x-ms-sgx-mrsigner\",\"equals\":\"" + MRSIGNER.hex() + "\"}]}]}";
    String body = "{\"value\":\"" + value + "\",\"contentType\":\"text/plain\",\"release_policy\":{\"data\":\""
        + Base64.getUrlEncoder().withoutPadding().encodeToString(policy.getBytes(StandardCharsets.UTF_8))
        + "\"},\"x-kubesgx-kbs-resource\":\"" + kbsPath + "\"}";
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + prefix + "/secrets/" + name + "?api-version=7.5"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
  }

  @Test
  void getResource_simulatedEnclaveEcKey_returnsTheSecret() throws Exception {
    putSecret("", ADMIN, "db-password", "correct horse battery staple", "default/db/password");
    byte[] secret = client("", KbsClient.TeeKeyType.EC_P256).getResource(enclave(false, MRSIGNER), "default", "db", "password");
    assertArrayEquals("correct horse battery staple".getBytes(StandardCharsets.UTF_8), secret);
  }

  @Test
  void getResource_simulatedEnclaveRsaKey_returnsTheSecret() throws Exception {
    putSecret("", ADMIN, "db-password", "rsa secret", "default/db/password");
    KbsClient.KbsSession session = client("", KbsClient.TeeKeyType.RSA_2048).attest(enclave(false, MRSIGNER));
    assertEquals(3, session.token().split("\\.").length);
    assertArrayEquals("rsa secret".getBytes(StandardCharsets.UTF_8), session.resource("default", "db", "password"));
  }

  @Test
  void getResource_debugEnclave_deniedBySdk() throws Exception {
    putSecret("", ADMIN, "db-password", "v", "default/db/password");
    SecretException e = assertThrows(SecretException.class,
        () -> client("", KbsClient.TeeKeyType.EC_P256).getResource(enclave(true, MRSIGNER), "default", "db", "password"));
    assertEquals(SecretException.Reason.DENIED, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("PolicyDeny") && e.getMessage().contains("x-ms-sgx-is-debuggable"), e.getMessage());
  }

  @Test
  void getResource_wrongMrSigner_deniedBySdk() throws Exception {
    putSecret("", ADMIN, "db-password", "v", "default/db/password");
    Bytes other = Bytes.of("another signer".getBytes(StandardCharsets.US_ASCII)).sha256();
    SecretException e = assertThrows(SecretException.class,
        () -> client("", KbsClient.TeeKeyType.EC_P256).getResource(enclave(false, other), "default", "db", "password"));
    assertEquals(SecretException.Reason.DENIED, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("x-ms-sgx-mrsigner"), e.getMessage());
  }

  @Test
  void getResource_unknownResource_notFoundBySdk() throws Exception {
    SecretException e = assertThrows(SecretException.class,
        () -> client("", KbsClient.TeeKeyType.EC_P256).getResource(enclave(false, MRSIGNER), "default", "db", "missing"));
    assertEquals(SecretException.Reason.NOT_FOUND, e.reason(), e.getMessage());
  }

  @Test
  void getResource_nonDefaultTenant_returnsThatTenantsSecretOnly() throws Exception {
    putSecret("", ADMIN, "db-password", "default tenant value", "default/db/password");
    putSecret("/t/team-a", ADMIN_A, "db-password", "team-a value", "default/db/password");
    putSecret("/t/team-a", ADMIN_A, "api-key", "team-a only", "default/api/key");
    KbsClient teamA = client("/t/team-a", KbsClient.TeeKeyType.EC_P256);
    assertArrayEquals("team-a value".getBytes(StandardCharsets.UTF_8),
        teamA.getResource(enclave(false, MRSIGNER), "default", "db", "password"));
    assertArrayEquals("default tenant value".getBytes(StandardCharsets.UTF_8),
        client("", KbsClient.TeeKeyType.EC_P256).getResource(enclave(false, MRSIGNER), "default", "db", "password"));
    SecretException e = assertThrows(SecretException.class,
        () -> client("", KbsClient.TeeKeyType.EC_P256).getResource(enclave(false, MRSIGNER), "default", "api", "key"));
    assertEquals(SecretException.Reason.NOT_FOUND, e.reason(), "team-a's resource is not served by the default tenant");
  }

  @Test
  void getResource_nonDefaultTenantDebugEnclave_deniedBySdk() throws Exception {
    putSecret("/t/team-a", ADMIN_A, "db-password", "v", "default/db/password");
    SecretException e = assertThrows(SecretException.class, () -> client("/t/team-a", KbsClient.TeeKeyType.EC_P256)
        .getResource(enclave(true, MRSIGNER), "default", "db", "password"));
    assertEquals(SecretException.Reason.DENIED, e.reason(), e.getMessage());
  }

  @Test
  void attest_unknownTenant_notFoundBySdk() {
    SecretException e = assertThrows(SecretException.class,
        () -> client("/t/team-z", KbsClient.TeeKeyType.EC_P256).attest(enclave(false, MRSIGNER)));
    assertEquals(SecretException.Reason.NOT_FOUND, e.reason(), e.getMessage());
  }
}
