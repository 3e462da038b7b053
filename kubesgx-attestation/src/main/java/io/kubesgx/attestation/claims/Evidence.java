package io.kubesgx.attestation.claims;

import io.kubesgx.attestation.ApiError;
import io.kubesgx.attestation.request.AttestRequest;
import io.kubesgx.attestation.request.RuntimeData;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.policy.Claim;
import io.kubesgx.policy.ClaimValue;
import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.verifier.VerifiedQuote;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The claims of one attestation: built only from a {@link VerifiedQuote} whose runtime and
 * init-time data bindings were checked here, so holding an {@code Evidence} means the bindings hold.
 */
public final class Evidence {
  private final VerifiedQuote verified;
  private final List<Claim> policyClaims;
  private final Map<String, Object> tokenClaims;

  private Evidence(VerifiedQuote verified, List<Claim> policyClaims, Map<String, Object> tokenClaims) {
    this.verified = verified;
    this.policyClaims = List.copyOf(policyClaims);
    this.tokenClaims = Collections.unmodifiableMap(tokenClaims);
  }

  /**
   * Checks the request's bindings against the verified quote and derives the claims.
   *
   * @param verified the verified quote (SGX)
   * @param request the request it came with
   * @param collateralStale whether stale collateral was served
   * @param collateralWarning why, when stale
   * @throws ApiError 400 when the runtime or init-time data does not match the quote
   */
  public static Evidence of(
      VerifiedQuote verified,
      AttestRequest request,
      boolean collateralStale,
      Optional<String> collateralWarning)
      throws ApiError {
    EnclaveReportBody report = verified.enclaveReport().orElseThrow(() -> ApiError.badRequest("InvalidQuote",
        "the quote is a " + verified.teeType() + " quote; /attest/SgxEnclave takes SGX enclave quotes"));
    Bytes reportData = verified.reportData();
    if (request.runtimeData().isPresent()) {
      Bytes h = request.runtimeData().get().data().sha256();
      if (!h.constantTimeEquals(reportData.slice(0, 32))) {
        throw new ApiError(400, "RuntimeDataMismatch", null,
            "SHA-256 of runtimeData.data is " + h.hex() + " but the quote's REPORTDATA[0..32) is "
                + reportData.slice(0, 32).hex() + "; the enclave must put SHA-256(runtime data) in the first 32 bytes of REPORTDATA",
            null);
      }
    }
    if (request.initTimeData().isPresent()) {
      Bytes h = request.initTimeData().get().data().sha256();
      if (!h.constantTimeEquals(report.configId().slice(0, 32))) {
        throw new ApiError(400, "InitTimeDataMismatch", null,
            "SHA-256 of initTimeData.data is " + h.hex() + " but the enclave's CONFIGID[0..32) is "
                + report.configId().slice(0, 32).hex() + "; launch the enclave with CONFIGID = SHA-256(init-time data) (KSS)",
            null);
      }
    }

    Map<String, Object> t = new LinkedHashMap<>();
    List<Claim> p = new ArrayList<>();
    put(t, p, ClaimNames.ATTESTATION_TYPE, "sgx");
    put(t, p, ClaimNames.IS_DEBUGGABLE, report.isDebug());
    put(t, p, ClaimNames.MRENCLAVE, report.mrEnclave().hex());
    put(t, p, ClaimNames.MRSIGNER, report.mrSigner().hex());
    put(t, p, ClaimNames.PRODUCT_ID, (long) report.isvProdId());
    put(t, p, ClaimNames.SVN, (long) report.isvSvn());
    put(t, p, ClaimNames.REPORT_DATA, reportData.hex());
    put(t, p, ClaimNames.CONFIG_ID, report.configId().hex());
    put(t, p, ClaimNames.CONFIG_SVN, (long) report.configSvn());
    put(t, p, ClaimNames.ISV_EXTENDED_PRODUCT_ID, report.isvExtProdId().hex());
    put(t, p, ClaimNames.ISV_FAMILY_ID, report.isvFamilyId().hex());
    if (request.runtimeData().isPresent()) {
      RuntimeData rd = request.runtimeData().get();
      if (rd.dataType() == RuntimeData.DataType.JSON) {
        JsonValue json = rd.json().orElseThrow();
        t.put(ClaimNames.RUNTIME, json); // written verbatim: numbers exactly as the enclave bound them
        p.add(Claim.of(ClaimNames.RUNTIME, ClaimValue.json(json)));
      } else {
        put(t, p, ClaimNames.EHD, Base64.getUrlEncoder().withoutPadding().encodeToString(rd.data().toByteArray()));
      }
    }
    if (request.initTimeData().isPresent()) {
      RuntimeData id = request.initTimeData().get();
      if (id.dataType() == RuntimeData.DataType.JSON) {
        JsonValue json = id.json().orElseThrow();
        t.put(ClaimNames.INITTIME, json);
        p.add(Claim.of(ClaimNames.INITTIME, ClaimValue.json(json)));
      } else {
        put(t, p, "x-kubesgx-init-data", Base64.getUrlEncoder().withoutPadding().encodeToString(id.data().toByteArray()));
      }
    }
    t.put(ClaimNames.COLLATERAL, maaCollateral(verified));
    put(t, p, ClaimNames.VERSION, "1.0");

    put(t, p, ClaimNames.TCB_STATUS, verified.status().jsonName());
    List<String> advisories = verified.advisoryIds();
    t.put(ClaimNames.ADVISORY_IDS, advisories);
    for (String a : advisories) {
      p.add(Claim.of(ClaimNames.ADVISORY_ID, ClaimValue.of(a)));
    }
    put(t, p, ClaimNames.QE_STATUS, verified.qeStatus().jsonName());
    put(t, p, ClaimNames.TCB_DATE, verified.tcbDate().getEpochSecond());
    put(t, p, ClaimNames.TCB_EVALUATION_DATA_NUMBER, verified.tcbEvaluationDataNumber());
    put(t, p, ClaimNames.COLLATERAL_EXPIRY, verified.earliestExpiry().getEpochSecond());
    put(t, p, ClaimNames.COLLATERAL_STALE, collateralStale);
    collateralWarning.ifPresent(w -> put(t, p, ClaimNames.COLLATERAL_WARNING, w));
    put(t, p, ClaimNames.SIMULATED, verified.isSimulated());
    put(t, p, ClaimNames.FMSPC, verified.fmspc().hex());
    put(t, p, ClaimNames.PCK_CA, verified.pckCa().name().toLowerCase(Locale.ROOT));
    put(t, p, ClaimNames.TRUST_ANCHOR, verified.trustAnchor().name());
    return new Evidence(verified, p, t);
  }

  /** Returns the verified quote. */
  public VerifiedQuote verified() {
    return verified;
  }

  /** Returns the claims given to the policy, in a fixed order. */
  public List<Claim> policyClaims() {
    return policyClaims;
  }

  /** Returns the claims that go into the token, in a fixed order (values are JSON-ready Java objects). */
  public Map<String, Object> tokenClaims() {
    return tokenClaims;
  }

  private static void put(Map<String, Object> t, List<Claim> p, String name, Object value) {
    t.put(name, value);
    ClaimValue v;
    if (value instanceof String s) {
      v = ClaimValue.of(s);
    } else if (value instanceof Boolean b) {
      v = ClaimValue.of(b);
    } else {
      v = ClaimValue.of(((Number) value).longValue());
    }
    p.add(Claim.of(name, v));
  }

  /** MAA's collateral hashes, from the digests the verifier computed (cached per collateral instance). */
  private static Map<String, Object> maaCollateral(VerifiedQuote v) {
    Map<String, Bytes> d = v.collateralDigests();
    Map<String, Object> m = new LinkedHashMap<>();
    putHex(m, "qeidcertshash", d.get("qeIdentityIssuerChain"));
    putHex(m, "qeidcrlhash", d.get("rootCaCrl"));
    putHex(m, "qeidhash", d.get("qeIdentity"));
    putHex(m, "quotehash", d.get("quote"));
    putHex(m, "tcbinfocertshash", d.get("tcbInfoIssuerChain"));
    putHex(m, "tcbinfocrlhash", d.get("rootCaCrl"));
    putHex(m, "tcbinfohash", d.get("tcbInfo"));
    putHex(m, "pckcrlhash", d.get("pckCrl"));
    putHex(m, "pckcrlcertshash", d.get("pckCrlIssuerChain"));
    return m;
  }

  private static void putHex(Map<String, Object> m, String key, Bytes b) {
    if (b != null) {
      m.put(key, b.hex());
    }
  }
}
