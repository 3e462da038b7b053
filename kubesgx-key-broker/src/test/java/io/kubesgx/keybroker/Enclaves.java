package io.kubesgx.keybroker;

import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.RSAKey;
import io.kubesgx.attestation.AttestationType;
import io.kubesgx.attestation.policy.PolicyDocument;
import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.common.Bytes;
import io.kubesgx.sdk.attestation.AttestationClient;
import io.kubesgx.sdk.attestation.RuntimeData;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.SimPlatform;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;

/**
 * Test fixture: our attestation service running in-process on a simulated platform (with a policy
 * that admits debug enclaves, so the broker's own policy is what refuses them), and simulated
 * enclaves that attest with a transfer key bound in their runtime data.
 */
public final class Enclaves implements AutoCloseable {
  public static final Bytes MRSIGNER = AppEnclave.DEFAULT_MRSIGNER;
  public static final String ADMIN = "attestation-admin-token-0123456789abcdef";

  private final AttestationServer service;
  private final SimPlatform platform;
  private final AttestationClient client;

  private Enclaves(AttestationServer service, SimPlatform platform) {
    this.service = service;
    this.platform = platform;
    this.client = AttestationClient.newBuilder(URI.create(service.baseUrl())).insecureAllowPlainHttp().build();
  }

  /** Starts the attestation service with its state and the simulated platform under {@code dir}. */
  public static Enclaves start(Path dir) throws Exception {
    Path platformDir = dir.resolve("platform");
    SimPlatform platform = SimPlatform.openOrCreate(platformDir, Clock.systemUTC());
    AttestationServer s = AttestationServer.start(
        ServerOptions.defaults(0, dir.resolve("attestation")).withSim(platformDir).withAdminToken(ADMIN), Clock.systemUTC());
    try {
      String policy = "version=1.0; authorizationrules { => permit(); }; issuancerules { };";
      s.service().setPolicy(AttestationType.SGX_ENCLAVE, PolicyDocument.unsignedJws(policy), Optional.of("Bearer " + ADMIN));
    } catch (Exception e) {
      s.close();
      throw e;
    }
    return new Enclaves(s, platform);
  }

  /** Returns the issuer URL ({@code iss}). */
  public String issuer() {
    return service.baseUrl();
  }

  /** A new RSA-2048 transfer key, as an enclave generates it. */
  public static KeyPair transferKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  /**
   * Attests a simulated enclave with the given identity whose runtime data is {@code {"keys":[the
   * transfer key's public JWK, key_ops encrypt]}} and returns the token.
   */
  public String token(KeyPair transferKey, boolean debug, Bytes mrSigner, int isvSvn) throws Exception {
    RSAKey jwk = new RSAKey.Builder((RSAPublicKey) transferKey.getPublic())
        .keyOperations(Set.of(KeyOperation.ENCRYPT)).keyID("transfer").build();
    String runtime = "{\"keys\":[" + jwk.toJSONString() + "]}";
    SimQuoteProvider p = SimQuoteProvider.create(platform, AppEnclave.newBuilder()
        .mrEnclave(Bytes.of("kubesgx key broker test enclave".getBytes(StandardCharsets.US_ASCII)).sha256())
        .mrSigner(mrSigner).debug(debug).product(1, isvSvn).build());
    return client.attest(p, runtime.getBytes(StandardCharsets.UTF_8), RuntimeData.DataType.JSON).raw();
  }

  /** Returns a quote provider for a simulated enclave with the given identity (as {@link #token} uses). */
  public SimQuoteProvider provider(boolean debug, Bytes mrSigner, int isvSvn) {
    return SimQuoteProvider.create(platform, AppEnclave.newBuilder()
        .mrEnclave(Bytes.of("kubesgx key broker test enclave".getBytes(StandardCharsets.US_ASCII)).sha256())
        .mrSigner(mrSigner).debug(debug).product(1, isvSvn).build());
  }

  /** Returns the client of this attestation service (plain HTTP on loopback). */
  public AttestationClient attestationClient() {
    return client;
  }

  @Override
  public void close() {
    service.close();
  }
}
