package io.kubesgx.testing;

import io.kubesgx.sim.pki.CrlSpec;
import io.kubesgx.common.Bytes;
import io.kubesgx.pck.PckCa;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The synthetic vector scenarios: the TCB states, revocations and failures that the third-party
 * vectors never exercise (dcap-verification.md §10.4), plus one happy path per quote format.
 *
 * <p>The standard SGX platform has PCK components 5,5,2,2,3,1,0,5, PCESVN 11, FMSPC {@code
 * 00a0670f0000} and a QE with ISVSVN 8; its TCB info has an UpToDate level above it, the matching
 * level (whose status each scenario chooses) and an OutOfDate level below. See {@link
 * VectorGenerator} for the exact collateral.
 */
public final class Scenarios {
  private Scenarios() {}

  /** Returns every scenario, in index order. */
  public static List<Scenario> all() {
    List<Scenario> l = new ArrayList<>();
    // --- platform TCB statuses (SGX v3, Processor CA)
    l.add(sgx("sgx-v3-uptodate", "SGX v3 quote, platform and QE UpToDate")
        .expectStatus("UpToDate"));
    l.add(sgx("sgx-v3-swhardening-needed", "platform level SWHardeningNeeded with advisories")
        .platform("SWHardeningNeeded", "TEST-SA-00101")
        .expectStatus("SWHardeningNeeded", "TEST-SA-00101"));
    l.add(sgx("sgx-v3-configuration-needed", "platform level ConfigurationNeeded")
        .platform("ConfigurationNeeded", "TEST-SA-00102")
        .expectStatus("ConfigurationNeeded", "TEST-SA-00102"));
    l.add(sgx("sgx-v3-configuration-and-swhardening-needed", "platform level ConfigurationAndSWHardeningNeeded")
        .platform("ConfigurationAndSWHardeningNeeded", "TEST-SA-00101", "TEST-SA-00102")
        .expectStatus("ConfigurationAndSWHardeningNeeded", "TEST-SA-00101", "TEST-SA-00102"));
    l.add(sgx("sgx-v3-outofdate", "platform level OutOfDate with advisories")
        .platform("OutOfDate", "TEST-SA-00103", "TEST-SA-00104")
        .expectStatus("OutOfDate", "TEST-SA-00103", "TEST-SA-00104"));
    l.add(sgx("sgx-v3-outofdate-configuration-needed", "platform level OutOfDateConfigurationNeeded")
        .platform("OutOfDateConfigurationNeeded", "TEST-SA-00102", "TEST-SA-00103")
        .expectStatus("OutOfDateConfigurationNeeded", "TEST-SA-00102", "TEST-SA-00103"));
    l.add(sgx("sgx-v3-platform-revoked", "platform level Revoked is a hard failure")
        .platform("Revoked", "TEST-SA-00105")
        .expectReason("TCB_REVOKED"));
    Scenario noMatch = sgx("sgx-v3-no-matching-tcb-level", "PCK SVNs below every TCB level")
        .expectReason("TCB_NOT_SUPPORTED");
    noMatch.pck = b -> b.components(3, 3, 2, 2, 3, 1, 0, 5).pceSvn(9);
    l.add(noMatch);
    Scenario v2 = sgx("sgx-v3-tcb-info-v2-uptodate", "TCB info version 2 (flat components), UpToDate")
        .expectStatus("UpToDate");
    v2.tcbInfoV2 = true;
    l.add(v2);

    // --- revocation
    Scenario pckRevoked = sgx("sgx-v3-pck-revoked", "PCK leaf serial listed in the PCK CRL")
        .expectReason("PCK_REVOKED");
    pckRevoked.revokeLeaf = true;
    l.add(pckRevoked);
    Scenario intermediateRevoked = sgx("sgx-v3-intermediate-revoked", "PCK Processor CA listed in the root CA CRL")
        .expectReason("INTERMEDIATE_REVOKED");
    intermediateRevoked.revokeIntermediate = true;
    l.add(intermediateRevoked);
    Scenario signerRevoked = sgx("sgx-v3-tcb-signing-revoked", "TCB signing certificate listed in the root CA CRL")
        .expectReason("SIGNING_CERT_REVOKED");
    signerRevoked.revokeTcbSigning = true;
    l.add(signerRevoked);

    // --- QE identity
    l.add(sgx("sgx-v3-qe-outofdate", "QE level OutOfDate, platform UpToDate: converges to OutOfDate")
        .qe("OutOfDate", "TEST-SA-00201")
        .expectStatus("OutOfDate", "TEST-SA-00201"));
    l.add(sgx("sgx-v3-qe-outofdate-platform-configuration-needed",
            "QE OutOfDate with platform ConfigurationNeeded: Intel convergence gives OutOfDateConfigurationNeeded")
        .platform("ConfigurationNeeded", "TEST-SA-00102")
        .qe("OutOfDate", "TEST-SA-00201")
        .expectStatus("OutOfDateConfigurationNeeded", "TEST-SA-00102", "TEST-SA-00201"));
    l.add(sgx("sgx-v3-qe-outofdate-platform-swhardening-needed",
            "QE OutOfDate with platform SWHardeningNeeded converges to OutOfDate")
        .platform("SWHardeningNeeded", "TEST-SA-00101")
        .qe("OutOfDate", "TEST-SA-00201")
        .expectStatus("OutOfDate", "TEST-SA-00101", "TEST-SA-00201"));
    l.add(sgx("sgx-v3-qe-configuration-needed-counts-as-outofdate",
            "QE level ConfigurationNeeded is the OutOfDate class for Intel")
        .qe("ConfigurationNeeded", "TEST-SA-00202")
        .expectStatus("OutOfDate", "TEST-SA-00202"));
    l.add(sgx("sgx-v3-qe-revoked", "QE level Revoked is a hard failure")
        .qe("Revoked", "TEST-SA-00203")
        .expectReason("TCB_REVOKED"));
    Scenario qeLow = sgx("sgx-v3-qe-isvsvn-unsupported", "QE ISVSVN below every QE identity level")
        .expectReason("QE_TCB_NOT_SUPPORTED");
    qeLow.quote = q -> q.qeIsvSvn(5);
    l.add(qeLow);
    Scenario qeSigner = sgx("sgx-v3-qe-mrsigner-mismatch", "QE MRSIGNER differs from the QE identity")
        .expectReason("QE_IDENTITY_MISMATCH");
    qeSigner.quote = q -> q.qeMrSigner(Bytes.zeros(32));
    l.add(qeSigner);

    // --- collateral mismatch, expiry and signatures
    Scenario fmspc = sgx("sgx-v3-fmspc-mismatch", "TCB info for another FMSPC")
        .expectReason("TCB_INFO_MISMATCH");
    fmspc.tcbInfo = t -> t.fmspc("00a0670f0001");
    l.add(fmspc);
    Scenario expired = sgx("sgx-v3-tcb-info-expired", "TCB info nextUpdate before the evaluation time")
        .expectReason("TCB_INFO_EXPIRED");
    expired.tcbInfoIssue = Instant.parse("2025-05-10T00:00:00Z");
    expired.tcbInfoNextUpdate = Instant.parse("2025-06-10T00:00:00Z");
    l.add(expired);
    Scenario crlExpired = sgx("sgx-v3-pck-crl-expired", "PCK CRL nextUpdate before the evaluation time")
        .expectReason("CRL_EXPIRED");
    crlExpired.pckCrl = CrlSpec.of(Instant.parse("2025-05-10T00:00:00Z"), Instant.parse("2025-06-10T00:00:00Z"));
    l.add(crlExpired);
    Scenario badTcbSig = sgx("sgx-v3-tcb-info-signature-invalid", "TCB info signed by a key other than the TCB signing key")
        .expectReason("TCB_INFO_SIGNATURE_INVALID");
    badTcbSig.wrongTcbInfoSigner = true;
    l.add(badTcbSig);
    Scenario dup = sgx("sgx-v3-duplicate-tcb-levels", "TCB info with two equal TCB levels is rejected when loaded")
        .expectReason("INVALID_TCB_INFO");
    dup.duplicateLevel = true;
    dup.failsAtLoad = true;
    l.add(dup);

    // --- quote construction
    Scenario debug = sgx("sgx-v3-debug-enclave", "debug enclave: verifies, VerifiedQuote.isDebug() is true")
        .expectStatus("UpToDate");
    debug.expectedDebug = true;
    debug.quote = q -> q.debug(true);
    l.add(debug);
    l.add(sgx("sgx-v3-platform-ca", "PCK leaf issued by the PCK Platform CA (7-entry SGX extension)")
        .pckCa(PckCa.PLATFORM)
        .expectStatus("UpToDate"));
    Scenario type3 = sgx("sgx-v3-cert-type3-pck-in-collateral",
            "certification data type 3 (encrypted PPID); the PCK chain comes from pckCert.pem")
        .expectStatus("UpToDate");
    type3.quote = q -> q.certificationData(3, Bytes.zeros(404));
    l.add(type3);
    Scenario badQeData = sgx("sgx-v3-bad-qe-report-data", "QE REPORTDATA does not bind the attestation key")
        .expectReason("INVALID_QE_REPORT_DATA");
    badQeData.quote = QuoteBuilder::corruptQeReportData;
    l.add(badQeData);
    Scenario badQeSig = sgx("sgx-v3-bad-qe-report-signature", "QE report signature corrupted")
        .expectReason("INVALID_QE_REPORT_SIGNATURE");
    badQeSig.quote = QuoteBuilder::corruptQeReportSignature;
    l.add(badQeSig);
    Scenario badSig = sgx("sgx-v3-bad-quote-signature", "quote signature corrupted")
        .expectReason("INVALID_QUOTE_SIGNATURE");
    badSig.quote = QuoteBuilder::corruptQuoteSignature;
    l.add(badSig);
    l.add(new Scenario("sgx-v4-uptodate", QuoteBuilder.Format.SGX_V4, "SGX quote v4 (TEE type 0, type-6 certification data)")
        .expectStatus("UpToDate"));
    l.add(new Scenario("sgx-v5-uptodate", QuoteBuilder.Format.SGX_V5, "SGX quote v5 (body type 1)")
        .expectStatus("UpToDate"));

    // --- TDX
    l.add(tdx("tdx-v4-uptodate", QuoteBuilder.Format.TDX_V4, "TDX v4 quote (TD 1.0), module TDX_01 UpToDate")
        .expectStatus("UpToDate"));
    Scenario moduleOld = tdx("tdx-v4-module-outofdate", QuoteBuilder.Format.TDX_V4,
            "TDX module identity level OutOfDate (module SVN 2), platform UpToDate")
        .expectStatus("OutOfDate", "TEST-SA-01002");
    moduleOld.quote = q -> q.teeTcbSvn(2, 1, 2);
    l.add(moduleOld);
    Scenario moduleOldConf = tdx("tdx-v4-module-outofdate-configuration-needed", QuoteBuilder.Format.TDX_V4,
            "TDX module OutOfDate with platform ConfigurationNeeded converges to OutOfDateConfigurationNeeded")
        .platform("ConfigurationNeeded", "TEST-SA-00102")
        .expectStatus("OutOfDateConfigurationNeeded", "TEST-SA-00102", "TEST-SA-01002");
    moduleOldConf.quote = q -> q.teeTcbSvn(2, 1, 2);
    l.add(moduleOldConf);
    Scenario moduleRevoked = tdx("tdx-v4-module-revoked", QuoteBuilder.Format.TDX_V4, "TDX module identity level Revoked")
        .expectReason("TCB_REVOKED");
    moduleRevoked.quote = q -> q.teeTcbSvn(1, 1, 2);
    l.add(moduleRevoked);
    Scenario moduleMissing = tdx("tdx-v4-module-identity-missing", QuoteBuilder.Format.TDX_V4,
            "TDX module major version 3 without a TDX_03 module identity")
        .expectReason("TDX_MODULE_MISMATCH");
    moduleMissing.quote = q -> q.teeTcbSvn(3, 3, 2);
    l.add(moduleMissing);
    Scenario version0 = tdx("tdx-v4-module-version0-uptodate", QuoteBuilder.Format.TDX_V4,
            "TDX module major version 0: no module identity, all 16 TDX components compared")
        .expectStatus("UpToDate");
    version0.quote = q -> q.teeTcbSvn(3, 0, 2);
    l.add(version0);
    Scenario tdxOld = tdx("tdx-v4-tdx-components-outofdate", QuoteBuilder.Format.TDX_V4,
            "TEE_TCB_SVN[2] matches only the OutOfDate level")
        .expectStatus("OutOfDate", "TEST-SA-00103");
    tdxOld.quote = q -> q.teeTcbSvn(3, 1, 1);
    l.add(tdxOld);
    l.add(tdx("tdx-v5-td10-uptodate", QuoteBuilder.Format.TDX_V5_TD10, "TDX v5 quote with a TD 1.0 body (type 2)")
        .expectStatus("UpToDate"));
    l.add(tdx("tdx-v5-td15-uptodate", QuoteBuilder.Format.TDX_V5_TD15, "TDX v5 quote with a TD 1.5 body (type 3)")
        .expectStatus("UpToDate"));
    Scenario tdDebug = tdx("tdx-v4-debug-td", QuoteBuilder.Format.TDX_V4, "debug TD: verifies, isDebug() is true")
        .expectStatus("UpToDate");
    tdDebug.expectedDebug = true;
    tdDebug.quote = q -> q.debug(true);
    l.add(tdDebug);
    return List.copyOf(l);
  }

  private static Scenario sgx(String name, String description) {
    return new Scenario(name, QuoteBuilder.Format.SGX_V3, description);
  }

  private static Scenario tdx(String name, QuoteBuilder.Format format, String description) {
    return new Scenario(name, format, description);
  }
}
