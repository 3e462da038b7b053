package io.kubesgx.keybroker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.quotehelper.QuoteHelperServer;
import io.kubesgx.quotehelper.SimBackend;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviders;
import io.kubesgx.sdk.attestation.AttestationClient;
import io.kubesgx.sdk.attestation.RuntimeData;
import io.kubesgx.sdk.attestation.TokenVerifier;
import io.kubesgx.sdk.attestation.VerifiedToken;
import io.kubesgx.sdk.secret.ReleasedKey;
import io.kubesgx.sdk.secret.SecretClient;
import io.kubesgx.sdk.secret.SecretException;
import io.kubesgx.sdk.secret.SignerTrust;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.SimPlatform;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What an enclave pod does on a kubesgx node, end to end on the simulated platform: the app starts
 * with {@code SGX_AESM_ADDR} set before the node's quote helper is up, the SDK picks the AESM
 * provider, waits for the socket, gets a quote out of process, attests to the service and checks
 * the token from the issuer URL alone — and then gets its key from the key broker with the SDK's
 * {@link SecretClient} (release policy: the enclave's MRSIGNER, not debuggable; target token from
 * our attestation service), while a debug enclave gets nothing.
 *
 * <p>Lives in the key-broker module because the broker's tests already depend on the attestation
 * service (the reverse dependency would be a cycle).
 */
class PodFlowTest {
  private static final String BROKER_ADMIN = "pod-flow-broker-admin-token-0123456789abcdef";

  @Test
  void pod_appStartedBeforeQuoteHelper_attestsVerifiesTokenAndGetsItsKey() throws Exception {
    // Under /tmp with a short name: UNIX socket paths are limited to 107 bytes.
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "pod");
    Path platformDir = dir.resolve("platform");
    SimPlatform platform = SimPlatform.openOrCreate(platformDir, Clock.systemUTC());
    Path socket = dir.resolve("aesmd").resolve("aesm.socket");
    Map<String, String> env = Map.of(
        "SGX_AESM_ADDR", "1",
        "KUBESGX_AESM_SOCKET", socket.toString(),
        "KUBESGX_SIMULATION", "1",
        "KUBESGX_SIM_PLATFORM", platformDir.toString());
    AtomicReference<QuoteHelperServer> helper = new AtomicReference<>();
    try (AttestationServer service = AttestationServer.start(
            ServerOptions.defaults(0, dir.resolve("state")).withSim(platformDir), Clock.systemUTC());
        QuoteProvider provider = QuoteProviders.auto(env, dir.resolve("no-gramine"))) {
      assertEquals("aesm", provider.name().substring(0, 4), provider.name());
      Thread helperStarter = new Thread(() -> {
        try {
          Thread.sleep(1000);
          helper.set(QuoteHelperServer.newBuilder(socket, SimBackend.create(platform, 3)).build().start());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      helperStarter.start();
      byte[] runtime = "{\"pod\":\"enclave-app-7d9f\"}".getBytes(StandardCharsets.UTF_8);
      AttestationClient client = AttestationClient.newBuilder(URI.create(service.baseUrl())).insecureAllowPlainHttp().build();
      String jwt;
      try {
        jwt = client.attest(provider, runtime, RuntimeData.DataType.JSON).raw();
      } finally {
        helperStarter.join();
      }
      VerifiedToken t = TokenVerifier.newBuilder(service.baseUrl()).insecureAllowPlainHttp().build().verify(jwt);
      assertEquals("enclave-app-7d9f", ((Map<?, ?>) t.claims().getClaim("x-ms-runtime")).get("pod"));
      assertEquals(true, t.claims().getBooleanClaim("x-kubesgx-simulated"));
      assertTrue(t.claims().getStringClaim("x-kubesgx-tcb-status").equals("UpToDate"));

      // The last step: the app gets its key from the key broker, which trusts our attestation service.
      try (KeyBrokerServer broker = KeyBrokerServer.start(KeyBrokerServer.Options.local(0, dir.resolve("broker"), BROKER_ADMIN,
          List.of(service.baseUrl())), Clock.systemUTC())) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String policy = "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"" + service.baseUrl() + "\",\"allOf\":["
            + "{\"claim\":\"x-ms-sgx-mrsigner\",\"equals\":\"" + AppEnclave.DEFAULT_MRSIGNER.hex() + "\"},"
            + "{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":false}]}]}";
        HttpResponse<String> put = ReleaseDenialTest.send(broker, "PUT", "/keys/app-db-key", "{\"key\":{\"kty\":\"oct-HSM\",\"k\":\""
            + b64(secret) + "\"},\"hsm\":true,\"attributes\":{\"exportable\":true},\"release_policy\":{\"data\":\""
            + b64(policy.getBytes(StandardCharsets.UTF_8)) + "\"}}", BROKER_ADMIN);
        assertEquals(200, put.statusCode(), put.body());
        SecretClient secrets = SecretClient.newBuilder(URI.create(broker.baseUrl()), client,
                SignerTrust.pinnedPem(dir.resolve("broker").resolve("signing").resolve("release-signing.crt")))
            .insecureAllowPlainHttp().bearerToken(BROKER_ADMIN).build();
        ReleasedKey key = secrets.release(provider, "app-db-key", Optional.empty());
        assertArrayEquals(secret, key.octBytes().orElseThrow());

        // A debug build of the enclave on the same node gets nothing (our attestation service's
        // default policy already refuses it; the release policy would too).
        SimQuoteProvider debug = SimQuoteProvider.create(platform, AppEnclave.newBuilder().debug(true).build());
        SecretException e = org.junit.jupiter.api.Assertions.assertThrows(SecretException.class,
            () -> secrets.release(debug, "app-db-key", Optional.empty()));
        assertEquals(SecretException.Reason.ATTESTATION_FAILED, e.reason(), e.getMessage());
      }
    } finally {
      if (helper.get() != null) {
        helper.get().close();
      }
      try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
