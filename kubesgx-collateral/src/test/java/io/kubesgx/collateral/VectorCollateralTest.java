package io.kubesgx.collateral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Loads every collateral item of the shared third-party vectors and checks them against expected.json. */
class VectorCollateralTest {

  private static Path vectors() {
    Path v = Samples.vectors();
    Assumptions.assumeTrue(Files.isDirectory(v), "shared vectors absent: " + v.toAbsolutePath());
    return v;
  }

  private static String read(Path p) throws Exception {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  /** Verifies an ECDSA P-256 r||s signature with the public key of a DER certificate (JDK only). */
  static boolean verifies(Bytes signed, Bytes rs, Bytes certDer) throws Exception {
    X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(certDer.toByteArray()));
    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
    s.initVerify(cert.getPublicKey());
    s.update(signed.toByteArray());
    return s.verify(rs.toByteArray());
  }

  private static void assertSignaturesVerify(Collateral c) throws Exception {
    assertTrue(verifies(c.tcbInfo().signedBytes(), c.tcbInfo().signature(), c.tcbInfoIssuerChain().get(0)),
        "TCB info signature over the sliced bytes");
    assertTrue(verifies(c.qeIdentity().signedBytes(), c.qeIdentity().signature(), c.qeIdentityIssuerChain().get(0)),
        "QE identity signature over the sliced bytes");
    // A one-byte change must break the signature, proving the check is meaningful.
    String tampered = c.tcbInfo().signedJson().replaceFirst("\"version\"", "\"versioN\"");
    assertFalse(verifies(Bytes.of(tampered.getBytes(StandardCharsets.UTF_8)), c.tcbInfo().signature(),
        c.tcbInfoIssuerChain().get(0)));
  }

  private static Collateral loadCase(Path v, JsonObject collateral) throws Exception {
    if (collateral.has("file")) {
      return CollateralLoader.load(v.resolve(collateral.string("file")));
    }
    String tcb = collateral.string("tcb_info");
    if (tcb.startsWith("intel-qvl-sampledata/tcbInfo.json")) {
      return CollateralLoader.fromDirectory(v.resolve("intel-qvl-sampledata"));
    }
    return CollateralLoader.fromPcsResponses(
        read(v.resolve(tcb)), read(v.resolve(collateral.string("tcb_info_issuer_chain"))),
        read(v.resolve(collateral.string("qe_identity"))), read(v.resolve(collateral.string("qe_identity_issuer_chain"))),
        null, null, null, null);
  }

  @TestFactory
  Stream<DynamicTest> expectedCases_collateralLoads_matchesDerivedCrosscheck() throws Exception {
    Path v = vectors();
    JsonObject expected = Json.parseObject(read(v.resolve("expected.json")));
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonValue cv : expected.array("cases")) {
      JsonObject c = (JsonObject) cv;
      JsonValue coll = c.get("collateral");
      JsonValue cross = c.get("derived_crosscheck");
      if (!(coll instanceof JsonObject) || !(cross instanceof JsonObject)
          || !(((JsonObject) cross).get("tcb_info") instanceof JsonObject)) {
        continue;
      }
      tests.add(dynamicTest(c.string("id"), () -> {
        Collateral col = loadCase(v, (JsonObject) coll);
        JsonObject t = ((JsonObject) cross).object("tcb_info");
        TcbInfo info = col.tcbInfo().tcbInfo();
        String id = t.string("id");
        if (id.startsWith("SGX(v2")) {
          assertEquals(Optional.empty(), info.id());
        } else {
          assertEquals(Optional.of(id), info.id());
        }
        assertEquals(t.integer("version"), info.version());
        assertEquals(t.string("fmspc").toLowerCase(Locale.ROOT), info.fmspc().hex());
        assertEquals(t.string("pceId").toLowerCase(Locale.ROOT), info.pceId().hex());
        assertEquals(Instant.parse(t.string("issueDate")), info.issueDate());
        assertEquals(Instant.parse(t.string("nextUpdate")), info.nextUpdate());
        assertEquals(t.integer("tcbEvaluationDataNumber"), info.tcbEvaluationDataNumber());
        JsonObject q = ((JsonObject) cross).object("qe_identity");
        EnclaveIdentity qe = col.qeIdentity().identity();
        assertEquals(q.string("id"), qe.id());
        assertEquals(q.integer("version"), qe.version());
        assertEquals(Instant.parse(q.string("issueDate")), qe.issueDate());
        assertEquals(Instant.parse(q.string("nextUpdate")), qe.nextUpdate());
        assertEquals(q.integer("tcbEvaluationDataNumber"), qe.tcbEvaluationDataNumber());
        assertSignaturesVerify(col);
        assertLevelsStrictlySorted(info);
        assertEquals(col, CollateralLoader.fromDcapQvlJson(CollateralLoader.toDcapQvlJson(col)));
      }));
    }
    assertEquals(7, tests.size(), "cases with collateral in expected.json");
    return tests.stream();
  }

  private static void assertLevelsStrictlySorted(TcbInfo info) {
    for (int i = 1; i < info.tcbLevels().size(); i++) {
      assertTrue(TcbLevel.INTEL_ORDER.compare(info.tcbLevels().get(i - 1), info.tcbLevels().get(i)) < 0);
    }
  }

  @Test
  void dcapQvlFiles_signedTextEqualsFileField_andCrlsPresent() throws Exception {
    Path v = vectors();
    for (String f : List.of("phala-dcap-qvl/sgx_quote_collateral.json", "phala-dcap-qvl/tdx_quote_collateral.json",
        "phala-dcap-qvl/tdx_quote_outdated_collateral.json", "phala-dcap-qvl/near-gas-test/quote_collateral.json")) {
      JsonObject raw = Json.parseObject(read(v.resolve(f)));
      Collateral c = CollateralLoader.load(v.resolve(f));
      assertEquals(raw.string("tcb_info"), c.tcbInfo().signedJson(), f);
      assertEquals(raw.string("qe_identity"), c.qeIdentity().signedJson(), f);
      assertEquals(raw.string("root_ca_crl").toLowerCase(Locale.ROOT), c.rootCaCrl().orElseThrow().hex(), f);
      assertEquals(raw.string("pck_crl").toLowerCase(Locale.ROOT), c.pckCrl().orElseThrow().hex(), f);
      assertEquals(2, c.pckCrlIssuerChain().size(), f);
      assertEquals(2, c.tcbInfoIssuerChain().size(), f);
      assertTrue(c.pckCertificateChain().isEmpty(), f);
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      assertEquals(Bytes.of(md.digest(raw.string("tcb_info").getBytes(StandardCharsets.UTF_8))), c.sha256Digests().get("tcbInfo"));
    }
  }

  @Test
  void pcsBodies_everyTcbInfoAndIdentity_slicesExactlyAndSignatureVerifies() throws Exception {
    Path v = vectors();
    Bytes oasisSigner = CertChain.first(v.resolve("oasis-core/tcb_info_v3_fmspc_00606A000000_certs.pem"));
    Bytes fortanixSigner = CertChain.first(v.resolve("fortanix-rust-sgx/cert-chain/cert-chain-1.cert"));
    Bytes intelSigner = CertChain.first(v.resolve("intel-qvl-sampledata/tcbSignChain.pem"));
    record Body(String file, Bytes signer) {}
    List<Body> tcbs = List.of(
        new Body("oasis-core/tcb_info_v3_fmspc_00606A000000.json", oasisSigner),
        new Body("oasis-core/tcb_info_v3_tdx_fmspc_C0806F000000.json", oasisSigner),
        new Body("fortanix-rust-sgx/tcb-json/tcb-sgx.json", fortanixSigner),
        new Body("fortanix-rust-sgx/tcb-json/tcb-tdx.json", fortanixSigner),
        new Body("fortanix-rust-sgx/tcb-json/tcb-tdx-2.json", fortanixSigner),
        new Body("intel-qvl-sampledata/tcbInfo.json", intelSigner));
    for (Body b : tcbs) {
      String body = read(v.resolve(b.file()));
      SignedTcbInfo s = SignedBodies.parsePcsTcbInfoBody(body);
      assertTrue(s.signedJson().startsWith("{\"id\":") || s.signedJson().startsWith("{\"version\""), b.file());
      assertTrue(body.startsWith("{\"tcbInfo\":" + s.signedJson() + ",\"signature\":\""), b.file());
      assertTrue(verifies(s.signedBytes(), s.signature(), b.signer()), b.file());
      assertLevelsStrictlySorted(s.tcbInfo());
    }
    List<Body> ids = List.of(
        new Body("oasis-core/qe_identity_v2.json", oasisSigner),
        new Body("oasis-core/qe_identity_v2_tdx2.json", oasisSigner),
        new Body("fortanix-rust-sgx/qe-identity/qeid-sgx.json", fortanixSigner),
        new Body("fortanix-rust-sgx/qe-identity/qeid-tdx.json", fortanixSigner),
        new Body("intel-qvl-sampledata/qeIdentity.json", intelSigner),
        new Body("intel-qvl-sampledata/qveIdentity.json", intelSigner),
        new Body("intel-qvl-sampledata/tdx/qeIdentity.json",
            CertChain.nonRoot(v.resolve("intel-qvl-sampledata/tdx/tcbSignChain.pem"))));
    for (Body b : ids) {
      String body = read(v.resolve(b.file()));
      SignedEnclaveIdentity s = SignedBodies.parsePcsEnclaveIdentityBody(body);
      assertTrue(body.startsWith("{\"enclaveIdentity\":" + s.signedJson() + ",\"signature\":\""), b.file());
      assertTrue(verifies(s.signedBytes(), s.signature(), b.signer()), b.file());
    }
  }

  @Test
  void fortanixTdxInfos_withModuleIdentities_parse() throws Exception {
    Path v = vectors();
    for (String f : List.of("tcb-tdx.json", "tcb-tdx-2.json")) {
      TcbInfo t = SignedBodies.parsePcsTcbInfoBody(read(v.resolve("fortanix-rust-sgx/tcb-json/" + f))).tcbInfo();
      assertTrue(t.isTdx(), f);
      assertEquals(List.of("TDX_03", "TDX_01"), t.tdxModuleIdentities().stream().map(TdxModuleIdentity::id).toList(), f);
      TdxModuleIdentity m01 = t.tdxModuleIdentities().get(1);
      assertEquals(List.of(6, 4, 2), m01.tcbLevels().stream().map(EnclaveTcbLevel::isvSvn).toList(), f);
      assertEquals(TcbStatus.OUT_OF_DATE, m01.tcbLevels().get(1).status());
      assertEquals(List.of("INTEL-SA-01036", "INTEL-SA-01099"), m01.tcbLevels().get(1).advisoryIds());
      assertEquals(Bytes.zeros(48), t.tdxModule().orElseThrow().mrSigner());
      for (TcbLevel l : t.tcbLevels()) {
        assertEquals(16, l.tdxComponents().orElseThrow().size());
      }
    }
  }

  @Test
  void fortanixCacheFiles_parse_andDerSignatureConvertsExactly() throws Exception {
    Path v = vectors();
    for (String f : List.of("00906ed50000-19.tcb", "90806f000000-19.tcb")) {
      String json = read(v.resolve("fortanix-rust-sgx/" + f));
      FortanixTcbFile t = CollateralLoader.fromFortanixTcbFile(json);
      assertEquals(f.substring(0, 12), t.tcbInfo().tcbInfo().fmspc().hex());
      assertEquals(2, t.chain().size());
      assertEquals(Json.parseObject(json).string("raw_tcb_info"), t.tcbInfo().signedJson());
      assertTrue(verifies(t.tcbInfo().signedBytes(), t.tcbInfo().signature(), t.chain().get(0)), f);
    }
    FortanixTcbFile t19 = CollateralLoader.fromFortanixTcbFile(read(v.resolve("fortanix-rust-sgx/00906ed50000-19.tcb")));
    assertEquals(19, t19.tcbInfo().tcbInfo().tcbEvaluationDataNumber());
    FortanixIdentityFile id = CollateralLoader.fromFortanixIdentityFile(read(v.resolve("fortanix-rust-sgx/qe3_identity.id")));
    assertEquals("QE", id.identity().identity().id());
    assertTrue(verifies(id.identity().signedBytes(), id.identity().signature(), id.chain().get(0)));
  }

  @Test
  void intelSampleDirectory_loadsAllFiles() throws Exception {
    Path dir = vectors().resolve("intel-qvl-sampledata");
    Collateral c = CollateralLoader.fromDirectory(dir);
    assertEquals(2, c.tcbInfo().tcbInfo().version());
    assertEquals(6, c.tcbInfo().tcbInfo().tcbLevels().size());
    assertEquals(Bytes.of(Files.readAllBytes(dir.resolve("rootCaCrl.der"))), c.rootCaCrl().orElseThrow());
    assertEquals(Bytes.of(Files.readAllBytes(dir.resolve("intermediateCaCrl.der"))), c.pckCrl().orElseThrow());
    assertEquals(2, c.pckCrlIssuerChain().size());
    assertEquals(3, c.pckCertificateChain().size());
    assertEquals(c.tcbInfoIssuerChain(), c.qeIdentityIssuerChain());
    assertEquals(Bytes.fromHex("D182B18C"), c.qeIdentity().identity().miscselect());
  }

  @Test
  void intelTdxSample_svnsAbove255_rejected() throws Exception {
    // The synthetic Intel TDX sample uses random 16-bit SVNs (e.g. 65473); component SVNs are bytes.
    Path dir = vectors().resolve("intel-qvl-sampledata/tdx");
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> CollateralLoader.fromDirectory(dir));
    assertTrue(e.getMessage().startsWith("tcbInfo.json: tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[1].svn: must be an integer in 0..255"),
        e.getMessage());
  }

  @Test
  void fortanixCrlFilesAndRootCrl_loadThroughPcsEntryPoint() throws Exception {
    Path v = vectors();
    String processor = Json.parseObject(read(v.resolve("fortanix-rust-sgx/processor.crl"))).string("crl");
    String chain = read(v.resolve("oasis-core/tcb_info_v3_fmspc_00606A000000_certs.pem"));
    byte[] rootDer = Files.readAllBytes(v.resolve("fortanix-rust-sgx/IntelSGXRootCA.der"));
    Collateral c = CollateralLoader.fromPcsResponses(
        read(v.resolve("oasis-core/tcb_info_v3_fmspc_00606A000000.json")), chain,
        read(v.resolve("oasis-core/qe_identity_v2.json")), chain,
        processor.getBytes(StandardCharsets.US_ASCII), chain, rootDer, null);
    assertEquals(Bytes.of(rootDer), c.rootCaCrl().orElseThrow());
    Collateral pemRoot = CollateralLoader.fromPcsResponses(
        read(v.resolve("oasis-core/tcb_info_v3_fmspc_00606A000000.json")), chain,
        read(v.resolve("oasis-core/qe_identity_v2.json")), chain,
        c.pckCrl().orElseThrow().hex().getBytes(StandardCharsets.US_ASCII), null,
        Files.readAllBytes(v.resolve("fortanix-rust-sgx/IntelSGXRootCA.crl")), null);
    assertEquals(c.rootCaCrl(), pemRoot.rootCaCrl());
    assertEquals(c.pckCrl(), pemRoot.pckCrl());
  }
}
