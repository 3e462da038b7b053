package io.kubesgx.status;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Renders a {@link StatusReport} as the table operators read or as the JSON of docs/status.md. */
public final class StatusRenderer {
  /** The {@code schemaVersion} of the JSON output. */
  public static final int SCHEMA_VERSION = 1;

  private StatusRenderer() {}

  /** The human-readable report, ending with a verdict line. */
  public static String text(StatusReport r) {
    StringBuilder sb = new StringBuilder();
    sb.append("kubesgx status (namespace ").append(r.namespace()).append(")\n\n");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"POOL", "NODES", "SGX", "EPC ALLOCATABLE", "REQUESTED", "FREE", "QUOTE HELPER READY", "PROBLEMS"});
    for (StatusReport.Pool p : r.pools()) {
      rows.add(new String[] {p.name(), Integer.toString(p.nodes()), Integer.toString(p.sgxNodes()),
          Quantities.human(p.epcAllocatableBytes()), Quantities.human(p.epcRequestedBytes()),
          Quantities.human(p.epcFreeBytes()), p.quoteHelperReady() + "/" + p.sgxNodes(), Integer.toString(p.problems())});
    }
    table(sb, rows);
    if (r.pools().isEmpty()) {
      sb.append("(no nodes)\n");
    }
    sb.append('\n');
    rows = new ArrayList<>();
    rows.add(new String[] {"COMPONENT", "KIND", "NAME", "READY"});
    for (StatusReport.Service s : r.services()) {
      rows.add(new String[] {s.component().label(), s.component().kind(),
          s.present() ? String.join(",", s.names()) : "-", s.present() ? s.ready() + "/" + s.desired() : "not installed"});
    }
    table(sb, rows);
    r.attestation().ifPresent(a -> {
      sb.append("\nattestation (").append(a.source()).append(")\n");
      if (a.error().isPresent()) {
        sb.append("  unreadable: ").append(a.error().get()).append('\n');
        return;
      }
      sb.append("  signing key ").append(a.signingKeyKid().orElse("?")).append(", age ")
          .append(a.signingKeyAge().map(StatusRenderer::duration).orElse("?")).append('\n');
      if (a.collateral().isEmpty()) {
        sb.append("  collateral: none cached yet (the service fetches it on its first attestation)\n");
      }
      a.earliestExpiry().ifPresent(t -> sb.append("  earliest collateral nextUpdate ").append(t).append('\n'));
      for (StatusReport.FmspcExpiry f : a.collateral()) {
        sb.append("  FMSPC ").append(f.fmspc()).append(" nextUpdate ")
            .append(f.nextUpdate().map(Object::toString).orElse("(none cached)"))
            .append(f.expired() ? " EXPIRED" : f.stale() ? " STALE" : "").append('\n');
      }
    });
    sb.append('\n');
    if (r.problems().isEmpty()) {
      sb.append(r.installed() ? "healthy\n" : "not installed\n");
    } else {
      sb.append(r.problems().size()).append(r.problems().size() == 1 ? " problem:\n" : " problems:\n");
      for (Problem p : r.problems()) {
        sb.append("  - ").append(p.message()).append('\n');
      }
    }
    return sb.toString();
  }

  /** The JSON document (schema version {@value #SCHEMA_VERSION}, docs/status.md). */
  public static String json(StatusReport r) {
    List<JsonValue> pools = new ArrayList<>();
    for (StatusReport.Pool p : r.pools()) {
      pools.add(JsonBuilder.object().put("name", p.name()).put("nodes", p.nodes()).put("sgxNodes", p.sgxNodes())
          .put("epcAllocatableBytes", p.epcAllocatableBytes()).put("epcRequestedBytes", p.epcRequestedBytes())
          .put("epcFreeBytes", p.epcFreeBytes()).put("quoteHelperReady", p.quoteHelperReady())
          .put("problems", p.problems()).build());
    }
    List<JsonValue> services = new ArrayList<>();
    for (StatusReport.Service s : r.services()) {
      services.add(JsonBuilder.object().put("component", s.component().label()).put("kind", s.component().kind())
          .put("present", s.present()).putStrings("names", s.names()).put("desired", s.desired())
          .put("ready", s.ready()).build());
    }
    List<JsonValue> problems = new ArrayList<>();
    for (Problem p : r.problems()) {
      problems.add(JsonBuilder.object().put("kind", p.kind().jsonName()).put("pool", p.pool())
          .put("subject", p.subject()).put("message", p.message()).build());
    }
    JsonValue attestation = r.attestation().<JsonValue>map(StatusRenderer::attestationJson)
        .orElse(new JsonValue.JsonNull());
    return Json.write(JsonBuilder.object()
        .put("schemaVersion", SCHEMA_VERSION)
        .put("namespace", r.namespace())
        .put("installed", r.installed())
        .put("healthy", r.healthy())
        .put("pools", new JsonValue.JsonArray(pools))
        .put("services", new JsonValue.JsonArray(services))
        .put("attestation", attestation)
        .put("problems", new JsonValue.JsonArray(problems))
        .build()) + "\n";
  }

  private static JsonValue attestationJson(StatusReport.Attestation a) {
    JsonBuilder b = JsonBuilder.object().put("source", a.source());
    b.put("error", a.error().<JsonValue>map(JsonValue.JsonString::new).orElse(new JsonValue.JsonNull()));
    if (a.signingKeyKid().isPresent() && a.signingKeyAge().isPresent()) {
      b.put("signingKey", JsonBuilder.object().put("kid", a.signingKeyKid().get())
          .put("ageSeconds", a.signingKeyAge().get().getSeconds()).build());
    } else {
      b.put("signingKey", new JsonValue.JsonNull());
    }
    List<JsonValue> sets = new ArrayList<>();
    for (StatusReport.FmspcExpiry f : a.collateral()) {
      sets.add(JsonBuilder.object().put("fmspc", f.fmspc())
          .put("nextUpdate", f.nextUpdate().<JsonValue>map(t -> new JsonValue.JsonString(t.toString()))
              .orElse(new JsonValue.JsonNull()))
          .put("stale", f.stale()).put("expired", f.expired()).build());
    }
    b.put("collateral", new JsonValue.JsonArray(sets));
    b.put("earliestCollateralExpiry", a.earliestExpiry().<JsonValue>map(t -> new JsonValue.JsonString(t.toString()))
        .orElse(new JsonValue.JsonNull()));
    return b.build();
  }

  /** {@code 3d 4h}, {@code 2h 5m}, {@code 42s}. */
  static String duration(Duration d) {
    long s = d.getSeconds();
    if (s >= 86400) {
      return s / 86400 + "d " + (s % 86400) / 3600 + "h";
    }
    if (s >= 3600) {
      return s / 3600 + "h " + (s % 3600) / 60 + "m";
    }
    if (s >= 60) {
      return s / 60 + "m " + s % 60 + "s";
    }
    return s + "s";
  }

  private static void table(StringBuilder sb, List<String[]> rows) {
    int[] w = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        w[i] = Math.max(w[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(row[i]);
        if (i < row.length - 1) {
          line.append(" ".repeat(w[i] - row[i].length() + 2));
        }
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
  }
}
