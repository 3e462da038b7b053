package io.kubesgx.testing;

import io.kubesgx.sim.pki.DcapPki;
import io.kubesgx.sim.collateral.CollateralBuilder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.CollateralLoader;
import io.kubesgx.collateral.TcbStatus;
import io.kubesgx.common.crypto.Ecdsa;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CollateralBuilderTest {
  private static final DcapPki PKI = TestPki.standard();

  private static CollateralBuilder tdxBuilder() {
    return TestCollateral.newBuilder(PKI)
        .tcbInfo(TestCollateral.tdxTcbInfo().fmspc("50806F000000")
            .level(TestCollateral.sgxLevel(new int[] {5, 5}, 11, "UpToDate", "TEST-SA-1").withTdx(0, 0, 2))
            .moduleIdentity("TDX_01", List.of(TestCollateral.qeLevel(3, "UpToDate"), TestCollateral.qeLevel(1, "OutOfDate"))))
        .qeIdentity(TestCollateral.tdQeIdentity().level(TestCollateral.qeLevel(8, "UpToDate")));
  }

  @Test
  void build_tdx_parsesAndSignsExactText() throws Exception {
    CollateralBuilder b = tdxBuilder();
    Collateral c = b.build();
    assertEquals(b.tcbInfoJson(), c.tcbInfo().signedJson());
    assertTrue(Ecdsa.verifyP1363(PKI.tcbSigning().key().publicKey(),
        c.tcbInfo().signedJson().getBytes(StandardCharsets.UTF_8), c.tcbInfo().signature()));
    assertTrue(Ecdsa.verifyP1363(PKI.tcbSigning().key().publicKey(),
        c.qeIdentity().signedJson().getBytes(StandardCharsets.UTF_8), c.qeIdentity().signature()));
    assertEquals("TDX", c.tcbInfo().tcbInfo().id().orElseThrow());
    assertEquals(1, c.tcbInfo().tcbInfo().tdxModuleIdentities().size());
    assertEquals(TcbStatus.UP_TO_DATE, c.tcbInfo().tcbInfo().tcbLevels().get(0).status());
    assertEquals(List.of("TEST-SA-1"), c.tcbInfo().tcbInfo().tcbLevels().get(0).advisoryIds());
    assertEquals("TD_QE", c.qeIdentity().identity().id());
    assertEquals(2, c.tcbInfoIssuerChain().size());
  }

  @Test
  void toDcapQvlJson_roundTrip_equalsBuild() throws Exception {
    CollateralBuilder b = tdxBuilder().pckCertificate(PKI.issuePck(TestPki.pckSpec().build()));
    Collateral viaJson = CollateralLoader.fromDcapQvlJson(b.toDcapQvlJson());
    assertEquals(b.build(), viaJson);
    assertEquals(3, viaJson.pckCertificateChain().size());
  }

  @Test
  void writeDirectory_readByFromDirectory_equalsBuild(@TempDir Path dir) throws Exception {
    CollateralBuilder b = tdxBuilder().pckCertificate(PKI.issuePck(TestPki.pckSpec().build()));
    List<String> names = b.writeDirectory(dir);
    assertEquals(List.of("intermediateCaCrl.der", "pckCert.pem", "pckSignChain.pem", "qeIdentity.json", "rootCaCrl.der",
        "tcbInfo.json", "tcbSignChain.pem", "trustedRootCaCert.pem"), names);
    Collateral fromDir = CollateralLoader.fromDirectory(dir);
    Collateral built = b.build();
    assertEquals(built.tcbInfo(), fromDir.tcbInfo());
    assertEquals(built.qeIdentity(), fromDir.qeIdentity());
    assertEquals(built.rootCaCrl(), fromDir.rootCaCrl());
    assertEquals(built.pckCrl(), fromDir.pckCrl());
    assertEquals(built.pckCertificateChain(), fromDir.pckCertificateChain());
  }

  @Test
  void tcbInfoV2_writesFlatComponents() throws Exception {
    String json = TestCollateral.sgxV2TcbInfo().level(TestCollateral.sgxLevel(new int[] {1, 2, 3}, 4, "UpToDate")).toJson();
    assertTrue(json.contains("\"sgxtcbcomp03svn\":3"), json);
    assertTrue(!json.contains("\"id\""), json);
    Collateral c = TestCollateral.newBuilder(PKI).tcbInfoJson(json)
        .qeIdentity(TestCollateral.qeIdentity().level(TestCollateral.qeLevel(1, "UpToDate"))).build();
    assertEquals(2, c.tcbInfo().tcbInfo().version());
  }

  @Test
  void tcbInfoBody_isPcsShape() {
    CollateralBuilder b = tdxBuilder();
    String body = b.tcbInfoBody();
    assertTrue(body.startsWith("{\"tcbInfo\":" + b.tcbInfoJson() + ",\"signature\":\""), body);
    assertTrue(body.endsWith("\"}"));
  }
}
