package io.kubesgx.attestation.server;

import io.kubesgx.attestation.token.SigningKey;
import io.kubesgx.collateralservice.FmspcHealth;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The body of {@code GET /status}: what an operator (and {@code kubesgx status}) needs to know about
 * the service's freshness — the signing key in use and its age, and each cached collateral set's
 * {@code nextUpdate}. It names no secret: key IDs and dates only, no key material, no error text.
 *
 * <p>Schema (version 1), documented in {@code docs/attestation.md}:
 * <pre>{@code
 * {"schemaVersion":1,"now":"2026-12-06T12:00:00Z",
 *  "signingKey":{"kid":"…","algorithm":"ES256","createdAt":"…","activatesAt":"…","ageSeconds":86400},
 *  "collateral":[{"key":"sgx/00906ED50000/processor/standard","tee":"sgx","fmspc":"00906ED50000",
 *    "source":"network","nextUpdate":"…","stale":false,"expired":false}]}
 * }</pre>
 */
public final class ServiceStatus {
  /** The schema version written in {@code schemaVersion}. */
  public static final int SCHEMA_VERSION = 1;

  private ServiceStatus() {}

  /**
   * Renders the status document.
   *
   * @param now the service's clock
   * @param key the key that signs tokens now
   * @param collateral the collateral service's per-key health
   */
  public static String json(Instant now, SigningKey key, List<FmspcHealth> collateral) {
    List<JsonValue> sets = new ArrayList<>();
    for (FmspcHealth h : collateral) {
      JsonBuilder b = JsonBuilder.object()
          .put("key", h.key().toString())
          .put("tee", h.key().tee().name().toLowerCase(Locale.ROOT))
          .put("fmspc", h.key().fmspcHex());
      h.source().ifPresent(s -> b.put("source", s.name().toLowerCase(Locale.ROOT)));
      h.nextUpdate().ifPresent(t -> b.put("nextUpdate", t.toString()));
      sets.add(b.put("stale", h.stale()).put("expired", h.expired()).build());
    }
    long age = Math.max(0, Duration.between(key.createdAt(), now).getSeconds());
    JsonBuilder signing = JsonBuilder.object()
        .put("kid", key.kid())
        .put("algorithm", key.algorithm().name())
        .put("createdAt", key.createdAt().toString())
        .put("activatesAt", key.activatesAt().toString())
        .put("ageSeconds", age);
    return Json.write(JsonBuilder.object()
        .put("schemaVersion", SCHEMA_VERSION)
        .put("now", now.toString())
        .put("signingKey", signing.build())
        .put("collateral", new JsonValue.JsonArray(sets))
        .build());
  }
}
