package io.kubesgx.cli;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonArray;
import io.kubesgx.common.json.JsonValue.JsonString;
import io.kubesgx.pck.SgxExtensions;
import io.kubesgx.quote.CertificationData;
import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.QuoteBody;
import io.kubesgx.quote.QuoteHeader;
import io.kubesgx.quote.TdReportBody;
import io.kubesgx.verifier.AttestationException;
import io.kubesgx.verifier.VerifiedQuote;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Renders parsed and verified quotes as JSON (hex for bytes). */
final class QuoteJson {
  private QuoteJson() {}

  static JsonValue header(QuoteHeader h) {
    return JsonBuilder.object()
        .put("version", h.version())
        .put("attestationKeyType", h.attestationKeyType())
        .put("teeType", "0x" + Long.toHexString(h.teeTypeRaw()))
        .put("qeSvn", h.qeSvn())
        .put("pceSvn", h.pceSvn())
        .put("qeVendorId", h.qeVendorId().hex())
        .put("userData", h.userData().hex())
        .build();
  }

  static void enclaveFields(EnclaveReportBody b, JsonBuilder o) {
    o.put("cpuSvn", b.cpuSvn().hex())
        .put("miscSelect", String.format("%08x", b.miscSelect()))
        .put("isvExtProdId", b.isvExtProdId().hex())
        .put("attributes", b.attributes().hex())
        .put("attributeFlags", String.format("%016x", b.attributeFlags()))
        .put("xfrm", String.format("%016x", b.xfrm()))
        .put("debug", b.isDebug())
        .put("mrEnclave", b.mrEnclave().hex())
        .put("mrSigner", b.mrSigner().hex())
        .put("configId", b.configId().hex())
        .put("isvProdId", b.isvProdId())
        .put("isvSvn", b.isvSvn())
        .put("configSvn", b.configSvn())
        .put("isvFamilyId", b.isvFamilyId().hex())
        .put("reportData", b.reportData().hex());
  }

  static void tdFields(TdReportBody b, JsonBuilder o) {
    o.put("teeTcbSvn", b.teeTcbSvn().hex())
        .put("mrSeam", b.mrSeam().hex())
        .put("mrSignerSeam", b.mrSignerSeam().hex())
        .put("seamAttributes", b.seamAttributes().hex())
        .put("tdAttributes", b.tdAttributes().hex())
        .put("debug", b.isDebug())
        .put("xfam", b.xfam().hex())
        .put("mrTd", b.mrTd().hex())
        .put("mrConfigId", b.mrConfigId().hex())
        .put("mrOwner", b.mrOwner().hex())
        .put("mrOwnerConfig", b.mrOwnerConfig().hex())
        .put("rtmr0", b.rtmrs().get(0).hex())
        .put("rtmr1", b.rtmrs().get(1).hex())
        .put("rtmr2", b.rtmrs().get(2).hex())
        .put("rtmr3", b.rtmrs().get(3).hex())
        .put("reportData", b.reportData().hex());
    b.teeTcbSvn2().ifPresent(v -> o.put("teeTcbSvn2", v.hex()));
    b.mrServiceTd().ifPresent(v -> o.put("mrServiceTd", v.hex()));
  }

  static JsonValue body(QuoteBody body) {
    JsonBuilder o = JsonBuilder.object();
    if (body instanceof EnclaveReportBody) {
      o.put("type", "SGX_REPORT");
      enclaveFields((EnclaveReportBody) body, o);
    } else {
      TdReportBody td = (TdReportBody) body;
      o.put("type", td.isTd15() ? "TD_REPORT_1_5" : "TD_REPORT_1_0");
      tdFields(td, o);
    }
    return o.build();
  }

  /** All parsed fields of a quote. */
  static JsonValue inspect(Quote q) {
    JsonBuilder o = JsonBuilder.object();
    o.put("header", header(q.header()));
    q.v5BodyType().ifPresent(t -> o.put("v5BodyType", t));
    o.put("teeType", q.teeType().name());
    o.put("body", body(q.body()));
    JsonBuilder sig = JsonBuilder.object()
        .put("quoteSignature", q.signatureData().quoteSignature().hex())
        .put("attestationKey", q.signatureData().attestationKey().hex());
    q.signatureData().outerCertificationType().ifPresent(t -> sig.put("outerCertificationDataType", t));
    JsonBuilder qe = JsonBuilder.object();
    enclaveFields(q.signatureData().qeReport(), qe);
    sig.put("qeReport", qe.build())
        .put("qeReportSignature", q.signatureData().qeReportSignature().hex())
        .put("qeAuthData", q.signatureData().qeAuthData().hex());
    CertificationData cd = q.signatureData().certificationData();
    JsonBuilder c = JsonBuilder.object().put("type", cd.type()).put("typeName", cd.typeName()).put("size", cd.data().length());
    cd.ppidInfo().ifPresent(p -> {
      c.put(p.encrypted() ? "encryptedPpid" : "ppid", p.ppid().hex()).put("cpuSvn", p.cpuSvn().hex()).put("pceSvn", p.pceSvn());
      p.pceId().ifPresent(id -> c.put("pceId", String.format("%04x", id)));
    });
    if (cd.type() == CertificationData.PCK_CHAIN || cd.type() == CertificationData.PCK_LEAF) {
      c.put("encoding", cd.data().length() > 0 && cd.data().get(0) == 0x30 ? "DER" : "PEM");
    }
    sig.put("certificationData", c.build());
    o.put("signatureData", sig.build());
    o.put("signedLength", q.signedRegion().length());
    o.put("quoteLength", q.quoteLength());
    o.put("trailingBytes", q.trailingLength());
    return o.build();
  }

  private static JsonValue strings(List<String> l) {
    List<JsonValue> out = new ArrayList<>();
    for (String s : l) {
      out.add(new JsonString(s));
    }
    return new JsonArray(out);
  }

  /** The verdict for a verified quote. */
  static JsonValue verified(VerifiedQuote v) {
    return verifiedFields(v).build();
  }

  /** The verdict fields for a verified quote, open for a caller to add its own. */
  static JsonBuilder verifiedFields(VerifiedQuote v) {
    JsonBuilder o = JsonBuilder.object()
        .put("verified", true)
        .put("status", v.status().jsonName())
        .put("summary", v.summary().name())
        .put("advisoryIds", strings(v.advisoryIds()))
        .put("platformStatus", v.platformStatus().jsonName())
        .put("platformAdvisoryIds", strings(v.platformAdvisoryIds()))
        .put("qeStatus", v.qeStatus().jsonName())
        .put("qeAdvisoryIds", strings(v.qeAdvisoryIds()));
    v.moduleStatus().ifPresent(m -> o.put("moduleStatus", m.jsonName()).put("moduleAdvisoryIds", strings(v.moduleAdvisoryIds())));
    o.put("teeType", v.teeType().name()).put("quoteVersion", v.quote().header().version());
    if (v.enclaveReport().isPresent()) {
      enclaveFields(v.enclaveReport().get(), o);
    } else {
      tdFields(v.tdReport().get(), o);
    }
    SgxExtensions pck = v.pck();
    o.put("fmspc", pck.fmspc().hex())
        .put("pceId", pck.pceId().hex())
        .put("pckCa", v.pckCa().name())
        .put("sgxType", pck.sgxType().name())
        .put("ppid", pck.ppid().hex())
        .put("pckCpuSvn", pck.cpuSvn().hex())
        .put("pckPceSvn", pck.pceSvn())
        .put("tcbDate", v.tcbDate().toString())
        .put("qeTcbDate", v.qeTcbDate().toString())
        .put("tcbEvaluationDataNumber", v.tcbEvaluationDataNumber())
        .put("qeTcbEvaluationDataNumber", v.qeTcbEvaluationDataNumber())
        .put("latestIssue", v.latestIssue().toString())
        .put("earliestExpiry", v.earliestExpiry().toString())
        .put("verifiedAt", v.verifiedAt().toString())
        .put("trustAnchor", v.trustAnchor().name())
        .put("intelRoot", v.trustAnchor().isIntelProduction())
        .put("simulated", v.isSimulated())
        .put("revocationChecked", v.isRevocationChecked())
        .put("tdRelaunchCheckPerformed", v.isTdRelaunchCheckPerformed());
    JsonBuilder d = JsonBuilder.object();
    for (Map.Entry<String, Bytes> e : v.collateralDigests().entrySet()) {
      d.put(e.getKey(), e.getValue().hex());
    }
    o.put("sha256", d.build());
    return o;
  }

  /** The verdict for a rejected quote. */
  static JsonValue rejected(AttestationException e) {
    return JsonBuilder.object()
        .put("verified", false)
        .put("reason", e.reason().name())
        .put("message", e.detail())
        .put("hint", e.reason().hint())
        .build();
  }

  /** The verdict for an input the tool could not read. */
  static JsonValue error(String reason, String message) {
    return JsonBuilder.object().put("verified", false).put("reason", reason).put("message", message).build();
  }
}
