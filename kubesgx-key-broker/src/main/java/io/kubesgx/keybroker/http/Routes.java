package io.kubesgx.keybroker.http;

import io.kubesgx.keybroker.kbs.KbsOptions;
import io.kubesgx.keybroker.kbs.KbsService;
import io.kubesgx.keybroker.kbs.KbsSessions;
import io.kubesgx.keybroker.kbs.SgxEvidenceVerifier;
import io.kubesgx.keybroker.secrets.SecretsService;
import io.kubesgx.keybroker.store.KeyStore;
import io.kubesgx.keybroker.store.SecretStore;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;

/**
 * The routes beyond Key Vault keys: the secrets API ({@code /secrets/…}, admin token) and the Trustee
 * KBS protocol ({@code /kbs/v0/…}, attestation), each handler taking the tenant it serves.
 */
final class Routes implements AutoCloseable {
  /** The tenant of the unprefixed routes. */
  static final String DEFAULT_TENANT = "default";
  /** Path prefix of the KBS protocol. */
  static final String KBS_PREFIX = "/kbs/v0/";

  /** What the KBS handler needs of the request head (read on the event loop). */
  record KbsHead(String method, String path, String cookie, String authorization) {}

  private final SecretsService secrets;
  private final KbsService kbs;
  private final SgxEvidenceVerifier evidence;
  private final boolean tls;

  private Routes(SecretsService secrets, KbsService kbs, SgxEvidenceVerifier evidence, boolean tls) {
    this.secrets = secrets;
    this.kbs = kbs;
    this.evidence = evidence;
    this.tls = tls;
  }

  /**
   * Builds the secrets and KBS services over {@code store}; the evidence verifier is also left in
   * {@code opened[0]} so a failed start can close it.
   */
  static Routes create(KeyStore store, ReleaseSigner signer, String baseUrl, boolean tls, KbsOptions o, Clock clock,
      SecureRandom random, SgxEvidenceVerifier[] opened) throws IOException {
    SecretStore secretStore = SecretStore.over(store);
    SecretsService secrets = new SecretsService(secretStore, baseUrl, clock, random);
    SgxEvidenceVerifier evidence;
    try {
      evidence = o.simPlatform().isPresent()
          ? SgxEvidenceVerifier.insecureSimulatedPlatform(o.simPlatform().get(), clock)
          : SgxEvidenceVerifier.intel(o.pcsUrl(), o.collateralCache(), clock);
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot set up quote verification for the KBS endpoints: " + e.getMessage(), e);
    }
    opened[0] = evidence;
    String authority = o.authority().orElse(baseUrl + "/kbs/v0");
    KbsService kbs = new KbsService(secretStore, store, evidence, new KbsSessions(o.maxSessions(), o.sessionLifetime(), clock,
        random), signer::sign, authority, clock, random);
    return new Routes(secrets, kbs, evidence, tls);
  }

  /** Returns the quote verifier of the KBS path (its trust anchors and collateral source). */
  SgxEvidenceVerifier evidence() {
    return evidence;
  }

  /** Returns the authority the claims of quotes verified by this broker carry. */
  String kbsAuthority() {
    return kbs.authority();
  }

  /** Returns the metrics route label of a KBS path. */
  static String kbsRoute(String path) {
    String rest = path.substring(KBS_PREFIX.length());
    if (rest.equals("auth")) {
      return "kbs-auth";
    }
    if (rest.equals("attest")) {
      return "kbs-attest";
    }
    return rest.startsWith("resource/") ? "kbs-resource" : "other";
  }

  ApiResponse secrets(String tenant, String method, String path, String apiVersion, byte[] body, String actor, boolean admin) {
    SecretsService.Reply r = secrets.handle(tenant, method, path, apiVersion, body, actor, admin);
    return ApiResponse.json(r.status(), r.json());
  }

  ApiResponse kbs(String tenant, KbsHead head, byte[] body) {
    String sub = head.path().substring(KBS_PREFIX.length() - 1);
    KbsService.Response r = kbs.handle(tenant, new KbsService.Request(head.method(), sub, head.cookie(), head.authorization(), body,
        tls));
    return new ApiResponse(r.status(), r.body(), Map.copyOf(r.headers()));
  }

  @Override
  public void close() {
    evidence.close();
  }
}
