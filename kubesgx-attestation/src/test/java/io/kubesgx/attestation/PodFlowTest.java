package io.kubesgx.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.quotehelper.QuoteHelperServer;
import io.kubesgx.quotehelper.SimBackend;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviders;
import io.kubesgx.sdk.attestation.AttestationClient;
import io.kubesgx.sdk.attestation.RuntimeData;
import io.kubesgx.sdk.attestation.TokenVerifier;
import io.kubesgx.sdk.attestation.VerifiedToken;
import io.kubesgx.sim.SimPlatform;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What an enclave pod does on a kubesgx node, end to end on the simulated platform: the app starts
 * with {@code SGX_AESM_ADDR} set before the node's quote helper is up, the SDK picks the AESM
 * provider, waits for the socket, gets a quote out of process, attests to the service and checks
 * the token from the issuer URL alone.
 */
class PodFlowTest {
  @Test
  void pod_appStartedBeforeQuoteHelper_getsQuoteOutOfProcessAttestsAndVerifiesToken() throws Exception {
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
    try (AttestationServer service = AttestationServer.start(
            ServerOptions.defaults(0, dir.resolve("state")).withSim(platformDir), Clock.systemUTC());
        QuoteProvider provider = QuoteProviders.auto(env, dir.resolve("no-gramine"))) {
      assertEquals("aesm", provider.name().substring(0, 4), provider.name());
      java.util.concurrent.atomic.AtomicReference<QuoteHelperServer> helper = new java.util.concurrent.atomic.AtomicReference<>();
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
        if (helper.get() != null) {
          helper.get().close();
        }
      }
      VerifiedToken t = TokenVerifier.newBuilder(service.baseUrl()).insecureAllowPlainHttp().build().verify(jwt);
      assertEquals("enclave-app-7d9f", ((Map<?, ?>) t.claims().getClaim("x-ms-runtime")).get("pod"));
      assertEquals(true, t.claims().getBooleanClaim("x-kubesgx-simulated"));
      assertTrue(t.claims().getStringClaim("x-kubesgx-tcb-status").equals("UpToDate"));
    } finally {
      try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
