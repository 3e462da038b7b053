package io.kubesgx.attestation.policy;

import io.kubesgx.attestation.ApiError;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Decides who may change policies. Secure by default: with no policy signer and no administrator
 * token configured, policy management is off.
 *
 * <ul>
 *   <li>Policy signers configured (MAA's Isolated model): every document must be signed by one of
 *       them; an administrator token is not needed.
 *   <li>Only an administrator token configured: the request needs {@code Authorization: Bearer
 *       TOKEN}; unsigned documents are accepted (MAA's AAD model, with a token instead of Azure RBAC).
 * </ul>
 */
public final class PolicyAuthorizer {
  /** The sender recorded for a request that carried the administrator token. */
  public static final String ADMIN_TOKEN = "admin-token";

  private final List<X509Certificate> signers;
  private final Optional<String> adminToken;

  /**
   * Creates an authorizer.
   *
   * @throws IllegalArgumentException when the administrator token is shorter than {@link
   *     BearerToken#MIN_ADMIN_TOKEN_BYTES} bytes or not a bearer token
   */
  public PolicyAuthorizer(List<X509Certificate> signers, Optional<String> adminToken) {
    this.signers = List.copyOf(signers);
    this.adminToken = adminToken.map(BearerToken::checkAdminToken);
  }

  /** Returns true when policies can be changed at all. */
  public boolean enabled() {
    return !signers.isEmpty() || adminToken.isPresent();
  }

  /**
   * Checks a change and returns who made it, for the audit log: the sender ({@code admin-token} when
   * the request carried the configured administrator token, else {@code anonymous}) and the signer.
   *
   * @param document the submitted document
   * @param authorization the {@code Authorization} header, if any
   */
  public PolicyChange authorize(PolicyDocument document, Optional<String> authorization) throws ApiError {
    if (!enabled()) {
      throw new ApiError(403, "PolicyManagementDisabled", null,
          "policy management is disabled; start the service with --policy-signer CERT.pem (signed policies) "
              + "or --admin-token-file FILE (bearer token)", null);
    }
    if (!signers.isEmpty()) {
      X509Certificate cert = document.signer().orElseThrow(() -> new ApiError(401, "PolicySignatureRequired", null,
          "this service accepts only policies signed by a configured policy signer (Isolated model); sign the JWS with RS256/ES256 and put the certificate in x5c",
          null));
      for (X509Certificate s : signers) {
        if (s.equals(cert)) {
          return new PolicyChange(sender(authorization), Optional.of(thumbprint(cert)), document.issuedAt());
        }
      }
      throw new ApiError(403, "UnknownPolicySigner", null,
          "the policy is signed by certificate " + thumbprint(cert) + " (" + cert.getSubjectX500Principal().getName()
              + "), which is not a configured policy signer", null);
    }
    if (!tokenMatches(authorization)) {
      throw new ApiError(401, "Unauthorized", null, "policy changes need the header Authorization: Bearer <admin token>", null);
    }
    return new PolicyChange(ADMIN_TOKEN, document.signer().map(PolicyAuthorizer::thumbprint), document.issuedAt());
  }

  private String sender(Optional<String> authorization) {
    return adminToken.isPresent() && tokenMatches(authorization) ? ADMIN_TOKEN : PolicyChange.ANONYMOUS;
  }

  private boolean tokenMatches(Optional<String> authorization) {
    return BearerToken.matches(authorization, adminToken.orElseThrow());
  }

  /** Returns the public JWKs (JSON, with {@code x5c}) of the configured policy signers. */
  public List<String> signerJwks() throws ApiError {
    List<String> out = new java.util.ArrayList<>();
    for (X509Certificate c : signers) {
      try {
        out.add(com.nimbusds.jose.jwk.JWK.parse(c).toPublicJWK().toJSONString());
      } catch (com.nimbusds.jose.JOSEException e) {
        throw new ApiError(500, "InvalidPolicySigner", "a configured policy signer cannot be published: " + e.getMessage());
      }
    }
    return out;
  }

  /** Returns the hex SHA-1 thumbprint of a certificate, as MAA names policy certificates. */
  public static String thumbprint(X509Certificate c) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(c.getEncoded()));
    } catch (CertificateEncodingException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
