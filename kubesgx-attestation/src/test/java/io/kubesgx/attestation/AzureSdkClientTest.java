package io.kubesgx.attestation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.util.BinaryData;
import com.azure.security.attestation.AttestationClient;
import com.azure.security.attestation.AttestationClientBuilder;
import com.azure.security.attestation.models.AttestationData;
import com.azure.security.attestation.models.AttestationDataInterpretation;
import com.azure.security.attestation.models.AttestationOpenIdMetadata;
import com.azure.security.attestation.models.AttestationOptions;
import com.azure.security.attestation.models.AttestationResult;
import com.azure.security.attestation.models.AttestationSigner;
import com.azure.security.attestation.models.AttestationTokenValidationOptions;
import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.attestation.token.SigningAlgorithm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Azure SDK for Java attestation client ({@code com.azure:azure-security-attestation}) against
 * our endpoint: it attests simulated quotes and validates our tokens with its own signer logic
 * (JWKS from {@code /certs}, {@code x5c} certificates).
 */
class AzureSdkClientTest {

  @ParameterizedTest
  @EnumSource(SigningAlgorithm.class)
  void attestSgxEnclave_azureSdkClient_attestsAndValidatesOurToken(SigningAlgorithm alg) throws Exception {
    Path dir = Files.createTempDirectory("azsdk");
    SimQuotes sim = new SimQuotes(dir.resolve("platform"), Clock.systemUTC());
    try (AttestationServer server = AttestationServer.start(
        ServerOptions.defaults(0, dir.resolve("state")).withSim(dir.resolve("platform")).withSigningAlgorithm(alg),
        Clock.systemUTC())) {
      AttestationClient client = new AttestationClientBuilder()
          .endpoint(server.baseUrl())
          .httpClient(new JdkHttpClientBuilder().build())
          .tokenValidationOptions(new AttestationTokenValidationOptions().setExpectedIssuer(server.baseUrl()))
          .buildClient();

      AttestationOpenIdMetadata meta = client.getOpenIdMetadata();
      assertEquals(server.baseUrl(), meta.getIssuer());
      assertEquals(server.baseUrl() + "/certs", meta.getJsonWebKeySetUrl());

      List<AttestationSigner> signers = client.listAttestationSigners().getAttestationSigners();
      assertFalse(signers.isEmpty());
      assertFalse(signers.get(0).getCertificates().isEmpty());

      byte[] runtime = "{\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\"}}".getBytes(StandardCharsets.UTF_8);
      byte[] quote = sim.quote(runtime, false);
      AttestationResult r = client.attestSgxEnclave(new AttestationOptions(BinaryData.fromBytes(quote))
          .setRunTimeData(new AttestationData(BinaryData.fromBytes(runtime), AttestationDataInterpretation.JSON)));
      assertEquals(SimQuotes.MRENCLAVE.hex(), r.getMrEnclave());
      assertEquals(7, r.getProductId());
      assertEquals(3, r.getSvn());
      assertEquals(false, r.isDebuggable());
      assertEquals(server.baseUrl(), r.getIssuer());
      assertTrue(r.getRuntimeClaims() instanceof Map, "x-ms-runtime parsed by the SDK: " + r.getRuntimeClaims());

      byte[] binary = "binary runtime data".getBytes(StandardCharsets.UTF_8);
      AttestationResult rb = client.attestSgxEnclave(new AttestationOptions(BinaryData.fromBytes(sim.quote(binary, false)))
          .setRunTimeData(new AttestationData(BinaryData.fromBytes(binary), AttestationDataInterpretation.BINARY)));
      assertArrayEquals(binary, rb.getEnclaveHeldData().toBytes());

      // A failure reaches the SDK as an HTTP error with our message.
      HttpResponseException e = assertThrows(HttpResponseException.class, () -> client.attestSgxEnclave(
          new AttestationOptions(BinaryData.fromBytes(quote))
              .setRunTimeData(new AttestationData(BinaryData.fromBytes(binary), AttestationDataInterpretation.BINARY))));
      assertEquals(400, e.getResponse().getStatusCode());
      assertTrue(e.getMessage().contains("RuntimeDataMismatch") || String.valueOf(e.getValue()).contains("RuntimeDataMismatch"),
          e.getMessage());
    }
  }
}
