package io.kubesgx.keybroker.store;

import io.kubesgx.common.json.JsonBuilder;
import java.time.Instant;
import java.util.Objects;

/**
 * One audit record: who did what to which key version, and for releases the target token's
 * {@code jti} and issuer and the policy result. Never holds key material or bearer tokens.
 *
 * @param actor who asked ({@code admin} for the admin token)
 * @param action {@code create}, {@code import}, {@code update}, {@code delete}, {@code release}
 * @param keyName the key name
 * @param keyVersion the version, or empty
 * @param jti the target token's {@code jti}, or empty
 * @param issuer the target token's issuer, or empty
 * @param result {@code ok} or {@code denied}
 * @param detail what happened (for denials: which condition failed)
 */
public record AuditEntry(
    String actor, String action, String keyName, String keyVersion, String jti, String issuer, String result,
    String detail) {
  /** Replaces nulls by empty strings and bounds the detail. */
  public AuditEntry {
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(action, "action");
    keyName = keyName == null ? "" : keyName;
    keyVersion = keyVersion == null ? "" : keyVersion;
    jti = jti == null ? "" : bound(jti, 256);
    issuer = issuer == null ? "" : bound(issuer, 512);
    Objects.requireNonNull(result, "result");
    detail = detail == null ? "" : bound(detail, 2048);
  }

  private static String bound(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…";
  }

  /** The exact text hashed for entry {@code seq} at {@code at} (compact JSON, fixed member order). */
  String hashedText(long seq, Instant at, String prevHash) {
    return JsonBuilder.object()
        .put("seq", seq)
        .put("at", at.toEpochMilli())
        .put("actor", actor)
        .put("action", action)
        .put("key", keyName)
        .put("version", keyVersion)
        .put("jti", jti)
        .put("issuer", issuer)
        .put("result", result)
        .put("detail", detail)
        .put("prev", prevHash)
        .toString();
  }
}
