package io.kubesgx.attestation.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.collateralservice.CollateralKey;
import io.kubesgx.collateralservice.CollateralResult;
import io.kubesgx.collateralservice.FmspcHealth;
import io.kubesgx.collateralservice.UpdateType;
import io.kubesgx.pck.PckCa;
import io.kubesgx.quote.TeeType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The freshness gauges of {@link Metrics}: computed at scrape time, one series per cached set. */
class MetricsTest {
  private static final Instant NEXT = Instant.parse("2026-12-30T00:00:00Z");
  private static final Instant CREATED = Instant.parse("2026-12-01T08:00:00Z");

  private static FmspcHealth cached(String fmspc, PckCa ca, Instant nextUpdate) {
    return new FmspcHealth(CollateralKey.of(TeeType.SGX, fmspc, ca, UpdateType.STANDARD),
        Optional.of(CollateralResult.Source.NETWORK), Optional.of(nextUpdate.minusSeconds(86400)), Optional.empty(),
        Optional.empty(), Optional.of(nextUpdate), false, false);
  }

  private static FmspcHealth tried(String fmspc) {
    return new FmspcHealth(CollateralKey.of(TeeType.SGX, fmspc, PckCa.PROCESSOR, UpdateType.STANDARD),
        Optional.empty(), Optional.empty(), Optional.of(NEXT), Optional.of("PCS_UNREACHABLE: down"),
        Optional.empty(), false, true);
  }

  @Test
  void render_cachedSets_oneSeriesPerKeyWithEpochSecondsOfNextUpdate() {
    Metrics m = new Metrics();
    m.freshnessGauges(() -> List.of(cached("00906ED50000", PckCa.PROCESSOR, NEXT),
        cached("00906ED50000", PckCa.PLATFORM, NEXT.plusSeconds(3600))), () -> CREATED);
    String text = m.render();
    assertEquals(NEXT.getEpochSecond(), sample(text,
        "kubesgx_attestation_collateral_next_update_seconds{ca=\"processor\",fmspc=\"00906ED50000\",source=\"network\","
            + "tee=\"sgx\",update=\"standard\"}"), 0.0, text);
    assertEquals(NEXT.getEpochSecond() + 3600, sample(text,
        "kubesgx_attestation_collateral_next_update_seconds{ca=\"platform\",fmspc=\"00906ED50000\",source=\"network\","
            + "tee=\"sgx\",update=\"standard\"}"), 0.0, text);
    assertEquals(CREATED.getEpochSecond(), sample(text, "kubesgx_attestation_signing_key_created_seconds"), 0.0, text);
  }

  @Test
  void render_setEvictedOrNeverCached_seriesGone() {
    AtomicReference<List<FmspcHealth>> sets = new AtomicReference<>(
        List.of(cached("00906ED50000", PckCa.PROCESSOR, NEXT), cached("00A067110000", PckCa.PROCESSOR, NEXT)));
    Metrics m = new Metrics();
    m.freshnessGauges(sets::get, () -> CREATED);
    assertTrue(m.render().contains("fmspc=\"00A067110000\""));

    sets.set(List.of(cached("00906ED50000", PckCa.PROCESSOR, NEXT), tried("00A067110000")));
    String text = m.render();
    assertFalse(text.contains("fmspc=\"00A067110000\""), text);
    assertEquals(1, series(text, "kubesgx_attestation_collateral_next_update_seconds{").size(), text);
  }

  @Test
  void render_gaugeSourceThrows_otherMetricsStillRendered() {
    Metrics m = new Metrics();
    m.freshnessGauges(() -> {
      throw new IllegalStateException("collateral service closed");
    }, () -> {
      throw new IllegalStateException("key ring unreadable");
    });
    String text = m.render();
    assertTrue(text.contains("kubesgx_attestation_rejected_total 0.0"), text);
    assertEquals(List.of(), series(text, "kubesgx_attestation_collateral_next_update_seconds{"), text);
    assertEquals(List.of(), series(text, "kubesgx_attestation_signing_key_created_seconds "), text);
  }

  @Test
  void render_noSources_noFreshnessSamples() {
    String text = new Metrics().render();
    assertEquals(List.of(), series(text, "kubesgx_attestation_collateral_next_update_seconds"), text);
    assertEquals(List.of(), series(text, "kubesgx_attestation_signing_key_created_seconds"), text);
  }

  private static double sample(String exposition, String seriesWithLabels) {
    List<String> lines = series(exposition, seriesWithLabels + " ");
    assertEquals(1, lines.size(), seriesWithLabels);
    return Double.parseDouble(lines.get(0).substring(seriesWithLabels.length() + 1).trim());
  }

  private static List<String> series(String exposition, String prefix) {
    List<String> out = new ArrayList<>();
    for (String line : exposition.split("\n")) {
      if (line.startsWith(prefix)) {
        out.add(line);
      }
    }
    return out;
  }
}
