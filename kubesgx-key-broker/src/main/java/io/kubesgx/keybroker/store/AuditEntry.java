package io.kubesgx.keybroker.store;

import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.keybroker.tenant.TenantPath;
import java.time.Instant;
import java.util.Objects;

/**
 * One audit record: in which tenant who did what to which key version, and for releases the target
 * token's {@code jti} and issuer and the policy result. Never holds key material or bearer tokens.
 *
 * @param tenant the tenant the operation addressed
 * @param actor who asked ({@code admin} for the admin token, {@code admin:FILE} for a tenants-file
 *     token, {@code system:serviceaccount:NS:NAME} for a service account)
 * @param action {@code create}, {@code import}, {@code update}, {@code delete}, {@code release}, {@code dry-run}
 * @param keyName the key name
 * @param keyVersion the version, or empty
 * @param jti the target token's {@code jti}, or empty
 * @param issuer the target token's issuer, or empty
 * @param result {@code ok} or {@code denied} ({@code allowed} or {@code denied} for a dry-run)
 * @param detail what happened (for denials: which condition failed)
 */
public record AuditEntry(
    String tenant, String actor, String action, String keyName, String keyVersion, String jti, String issuer, String result,
    String detail) {
  /** Replaces nulls by empty strings and bounds the detail. */
  public AuditEntry {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(action, "action");
    keyName = keyName == null ? "" : keyName;
    keyVersion = keyVersion == null ? "" : keyVersion;
    jti = jti == null ? "" : bound(jti, 256);
    issuer = issuer == null ? "" : bound(issuer, 512);
    Objects.requireNonNull(result, "result");
    detail = detail == null ? "" : bound(detail, 2048);
  }

  /** An entry of the default tenant. */
  public AuditEntry(String actor, String action, String keyName, String keyVersion, String jti, String issuer, String result,
      String detail) {
    this(TenantPath.DEFAULT, actor, action, keyName, keyVersion, jti, issuer, result, detail);
  }

  private static String bound(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…";
  }

  /**
   * The exact text hashed for entry {@code seq} at {@code at} (compact JSON, fixed member order). The
   * tenant is a member only when it is not the default one, so entries written before tenants existed
   * keep their hashes; moving an entry to another tenant changes its hash either way.
   */
  String hashedText(long seq, Instant at, String prevHash) {
    JsonBuilder b = JsonBuilder.object().put("seq", seq);
    if (!TenantPath.DEFAULT.equals(tenant)) {
      b.put("tenant", tenant);
    }
    return b
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

  /** The exported JSON line: every field, the tenant always named, and the entry's hash. */
  String exportText(long seq, Instant at, String prevHash, String hash) {
    return JsonBuilder.object()
        .put("seq", seq)
        .put("tenant", tenant)
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
        .put("hash", hash)
        .toString();
  }
}
