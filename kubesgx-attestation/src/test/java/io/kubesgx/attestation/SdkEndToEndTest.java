package io.kubesgx.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.attestation.AttestationClient;
import io.kubesgx.sdk.attestation.AttestationToken;
import io.kubesgx.sdk.attestation.RuntimeData;
import io.kubesgx.sdk.attestation.TokenVerificationException;
import io.kubesgx.sdk.attestation.TokenVerifier;
import io.kubesgx.sdk.attestation.VerifiedToken;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SDK end to end: a simulated enclave's quote provider, the attestation client, the token verifier. */
class SdkEndToEndTest {
  @Test
  void sdk_attestWithSimProviderAndVerifyFromDiscovery_claimsMatch(@TempDir Path dir) throws Exception {
    try (AttestationServer server = AttestationServer.start(
            ServerOptions.defaults(0, dir.resolve("state")).withSim(dir.resolve("platform")), Clock.systemUTC());
        QuoteProvider provider = SimQuoteProvider.open(dir.resolve("platform"), Clock.systemUTC())) {
      AttestationClient client = AttestationClient.newBuilder(URI.create(server.baseUrl())).insecureAllowPlainHttp().build();
      byte[] runtime = "{\"pub\":\"enclave key\"}".getBytes(StandardCharsets.UTF_8);
      AttestationToken token = client.attest(provider, runtime, RuntimeData.DataType.JSON);
      TokenVerifier verifier = TokenVerifier.newBuilder(server.baseUrl()).insecureAllowPlainHttp().build();
      VerifiedToken v = verifier.verify(token.raw());
      assertEquals(server.baseUrl(), v.claims().getIssuer());
      assertEquals("enclave key", ((Map<?, ?>) v.claims().getClaim("x-ms-runtime")).get("pub"));
      assertEquals(true, v.claims().getBooleanClaim("x-kubesgx-simulated"));
      assertTrue(v.claims().getStringClaim("x-ms-sgx-report-data").startsWith(io.kubesgx.common.Bytes.of(runtime).sha256().hex()));

      String draft = "version=1.0; authorizationrules { => permit(); }; issuancerules { };";
      AttestationToken unsigned = client.attestSgxEnclave(provider.quote(io.kubesgx.common.Bytes.of(runtime).sha256()
              .concat(io.kubesgx.common.Bytes.zeros(32)).toByteArray()),
          RuntimeData.json(new String(runtime, StandardCharsets.UTF_8)), java.util.Optional.empty(), java.util.Optional.empty(),
          java.util.Optional.of(draft));
      assertTrue(unsigned.isUnsigned());
      assertEquals(TokenVerificationException.Reason.UNSIGNED,
          assertThrows(TokenVerificationException.class, () -> verifier.verify(unsigned.raw())).reason());
    }
  }
}
