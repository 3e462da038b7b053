package io.kubesgx.keybroker.kbs;

import io.kubesgx.common.json.JsonBuilder;
import java.util.Objects;

/**
 * A KBS request failed; {@link #variant()} fixes the HTTP status and the error document's {@code
 * type} (Trustee's {@code ErrorInformation}: 404 for a bad path or plugin, 401 for everything else,
 * so Trustee clients re-handshake as they do against Trustee), the message is its {@code detail}.
 */
public final class KbsException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Prefix of every error document's {@code type}. */
  public static final String TYPE_PREFIX = "https://github.com/confidential-containers/kbs/errors/";

  /** Trustee's error variants (the names are the wire {@code type} suffix), plus our overload answer. */
  public enum Variant {
    /** auth or attest failed: version, tee, nonce, session missing or expired, evidence not verified. */
    AttestationError(401),
    /** A resource request without an attested session cookie or bearer token. */
    TokenNotFound(401),
    /** The bearer token is not one this broker issued to a live session. */
    TokenVerifierError(401),
    /** The secret's release policy does not hold (or the secret is disabled, expired, unprotected). */
    PolicyDeny(401),
    /** Includes "resource not found", as Trustee answers it. */
    PluginInternalError(401),
    /** The enclave's key cannot be used to build the JWE. */
    JweError(401),
    /** The request body is not the JSON the protocol defines. */
    SerdeError(401),
    /** The resource path is not {@code repo/type/tag}. */
    InvalidRequestPath(404),
    /** No such plugin under {@code /kbs/v0/}. */
    PluginNotFound(404),
    /** Our extension: too many open sessions or the store is unavailable; retry later (503, Retry-After). */
    ServiceUnavailable(503);

    private final int httpStatus;

    Variant(int httpStatus) {
      this.httpStatus = httpStatus;
    }

    /** Returns the HTTP status. */
    public int httpStatus() {
      return httpStatus;
    }
  }

  private final Variant variant;

  /** Creates an exception whose message is the error document's {@code detail}. */
  public KbsException(Variant variant, String detail) {
    super(detail);
    this.variant = Objects.requireNonNull(variant, "variant");
  }

  /** Returns the variant. */
  public Variant variant() {
    return variant;
  }

  /** Returns the error document {@code {"type":"…/errors/<Variant>","detail":"…"}}. */
  public String document() {
    return JsonBuilder.object().put("type", TYPE_PREFIX + variant.name()).put("detail", getMessage()).toString();
  }
}
