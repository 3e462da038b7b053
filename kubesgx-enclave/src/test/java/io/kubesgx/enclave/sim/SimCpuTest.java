package io.kubesgx.enclave.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.enclave.Attributes;
import io.kubesgx.enclave.KeyRequest;
import io.kubesgx.enclave.Report;
import io.kubesgx.enclave.Sigstruct;
import io.kubesgx.enclave.SigstructSigner;
import io.kubesgx.enclave.TargetInfo;
import io.kubesgx.enclave.TestVectors;
import io.kubesgx.enclave.internal.AesCmac;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SimCpuTest {
  private static final SimCpu INTEL = SimCpu.intelSdkSimulation();
  private static RSAPrivateCrtKey key;

  @BeforeAll
  static void key() {
    key = SigstructSigner.generateKey(new SecureRandom());
  }

  private static Bytes seq(int n, int start) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (start + i);
    }
    return Bytes.of(b);
  }

  /** The KAT enclave: MRENCLAVE 00..1f, MRSIGNER 80..9f, flags 0x7, XFRM 3, ISVPRODID 1, ISVSVN 2. */
  static SimEnclave katEnclave() {
    return new SimEnclave(seq(32, 0), seq(32, 0x80), new Attributes(0x7, 0x3), 0, 1, 2, Bytes.zeros(64), 0,
        Bytes.zeros(16), Bytes.zeros(16));
  }

  static SimEnclave enclave(long flags, int isvSvn, int configSvn) {
    return new SimEnclave(seq(32, 0), seq(32, 0x80), new Attributes(flags, 0x3), 0, 1, isvSvn, Bytes.zeros(64),
        configSvn, Bytes.zeros(16), Bytes.zeros(16));
  }

  static KeyRequest sealRequest(int policy, int isvSvn, Bytes cpuSvn) {
    return new KeyRequest(KeyRequest.KEYNAME_SEAL, policy, isvSvn, cpuSvn, new Attributes(0xff0000000000000bL, 0),
        Bytes.zeros(32), 0xf0000000L, 0);
  }

  @Test
  void kat_ereport_derivationDataThenKeyThenReportAndMac() throws Exception {
    JsonObject kat = TestVectors.json("sgx_sim_ereport_egetkey_kat.json");
    JsonObject c = kat.object("constants");
    assertEquals(c.string("BASE_REPORT_KEY"), BaseKeys.intelSdkSimulation().report().hex());
    assertEquals(c.string("BASE_SEAL_KEY"), BaseKeys.intelSdkSimulation().seal().hex());
    assertEquals(c.string("OWNER_EPOCH"), SimCpu.INTEL_OWNER_EPOCH.hex());
    assertEquals(c.string("DEFAULT_CPUSVN"), SimCpu.DEFAULT_CPUSVN.hex());
    assertEquals(SimCpu.DEFAULT_CPUSVN, INTEL.cpuSvn());

    JsonObject e = kat.object("ereport");
    SimEnclave enclave = katEnclave();
    TargetInfo self = enclave.targetInfo();
    // 1. Derivation data (pinpoints layout bugs).
    byte[] dd = INTEL.reportKeyDerivationData(self);
    assertEquals(KeyDerivation.REPORT_SIZE, dd.length);
    assertEquals(e.string("report_key_derivation_data_192B"), Bytes.of(dd).hex());
    // 2. The report key.
    byte[] reportKey = AesCmac.mac(BaseKeys.intelSdkSimulation().report().toByteArray(), dd);
    assertEquals(e.string("report_key"), Bytes.of(reportKey).hex());
    // 3. The full REPORT and its MAC.
    Report r = INTEL.ereport(enclave, self, Bytes.fromHex(e.string("report_data")));
    assertEquals(e.string("report_432B"), r.toBytes().hex());
    assertEquals(e.string("mac"), r.mac().hex());
    assertEquals("ff00ff00ff00ff00ff00ff00ff00ff00" + "00".repeat(16), r.keyId().hex());
    // EGETKEY(REPORT) with the report's KEYID gives the same key.
    KeyRequest req = new KeyRequest(KeyRequest.KEYNAME_REPORT, 0, 0, Bytes.zeros(16), new Attributes(0, 0),
        r.keyId(), 0, 0);
    assertEquals(e.string("report_key"), INTEL.egetkey(enclave, req).hex());
    assertTrue(INTEL.verifyReport(enclave, r));
  }

  @Test
  void kat_egetkeySeal_derivationDataThenKey() throws Exception {
    JsonObject e = TestVectors.json("sgx_sim_ereport_egetkey_kat.json").object("egetkey_seal");
    KeyRequest req = KeyRequest.parse(Bytes.fromHex(e.string("keyrequest_512B")));
    assertEquals(KeyRequest.KEYNAME_SEAL, req.keyName());
    assertEquals(KeyRequest.POLICY_MRENCLAVE, req.keyPolicy());
    assertEquals(2, req.isvSvn());
    assertEquals(0xff0000000000000bL, req.attributeMask().flags());
    assertEquals(0xf0000000L, req.miscMask());
    assertEquals(e.string("key_id"), req.keyId().hex());
    byte[] dd = KeyDerivation.sealKeyData(katEnclave(), req, SimCpu.INTEL_OWNER_EPOCH.toByteArray(),
        req.cpuSvn().toByteArray());
    assertEquals(KeyDerivation.SEAL_SIZE, dd.length);
    assertEquals(e.string("seal_key_derivation_data_280B"), Bytes.of(dd).hex());
    assertEquals(e.string("seal_key"), INTEL.egetkey(katEnclave(), req).hex());
    assertEquals(Bytes.fromHex(e.string("keyrequest_512B")), req.toBytes());
  }

  @Test
  void egetkeySeal_zeroCpuSvnInIntelMode_sameAsDefault() throws Exception {
    assertEquals(INTEL.egetkey(katEnclave(), sealRequest(1, 2, SimCpu.DEFAULT_CPUSVN)),
        INTEL.egetkey(katEnclave(), sealRequest(1, 2, Bytes.zeros(16))));
  }

  @Test
  void egetkey_faults_generalProtection() {
    SimEnclave e = katEnclave();
    expect(SgxException.Status.GENERAL_PROTECTION, () -> INTEL.egetkey(e, sealRequest(0x40, 2, Bytes.zeros(16))));
    expect(SgxException.Status.GENERAL_PROTECTION, () -> INTEL.egetkey(e, sealRequest(0x101, 2, Bytes.zeros(16))));
    byte[] raw = sealRequest(1, 2, Bytes.zeros(16)).toBytes().toByteArray();
    raw[300] = 1;
    expect(SgxException.Status.GENERAL_PROTECTION, () -> INTEL.egetkey(e, KeyRequest.parse(Bytes.of(raw))));
    byte[] raw6 = sealRequest(1, 2, Bytes.zeros(16)).toBytes().toByteArray();
    raw6[6] = 1;
    expect(SgxException.Status.GENERAL_PROTECTION, () -> INTEL.egetkey(e, KeyRequest.parse(Bytes.of(raw6))));
    for (int kssOnly : new int[] {KeyRequest.POLICY_CONFIGID, KeyRequest.POLICY_ISVFAMILYID,
        KeyRequest.POLICY_ISVEXTPRODID, KeyRequest.POLICY_NOISVPRODID}) {
      expect(SgxException.Status.GENERAL_PROTECTION,
          () -> INTEL.egetkey(e, sealRequest(KeyRequest.POLICY_MRSIGNER | kssOnly, 2, Bytes.zeros(16))));
    }
    KeyRequest configSvn = new KeyRequest(KeyRequest.KEYNAME_SEAL, 1, 0, Bytes.zeros(16), new Attributes(0, 0),
        Bytes.zeros(32), 0, 1);
    expect(SgxException.Status.GENERAL_PROTECTION, () -> INTEL.egetkey(e, configSvn));
  }

  @Test
  void egetkey_kssEnclave_kssPolicyAllowedAndSelectsFields() throws Exception {
    SimEnclave kss = new SimEnclave(seq(32, 0), seq(32, 0x80), new Attributes(0x87, 3), 0, 1, 2, seq(64, 0x10), 3,
        seq(16, 0x60), seq(16, 0x70));
    KeyRequest r = new KeyRequest(KeyRequest.KEYNAME_SEAL,
        KeyRequest.POLICY_MRSIGNER | KeyRequest.POLICY_CONFIGID | KeyRequest.POLICY_ISVFAMILYID
            | KeyRequest.POLICY_ISVEXTPRODID | KeyRequest.POLICY_NOISVPRODID,
        2, Bytes.zeros(16), new Attributes(~0L, ~0L), Bytes.zeros(32), ~0L >>> 32, 3);
    byte[] dd = KeyDerivation.sealKeyData(kss, r, new byte[16], SimCpu.DEFAULT_CPUSVN.toByteArray());
    Bytes d = Bytes.of(dd);
    assertEquals("0000", d.slice(82, 84).hex(), "NOISVPRODID zeroes ISVPRODID");
    assertEquals("0300", d.slice(84, 86).hex());
    assertEquals(seq(64, 0x10), d.slice(86, 150));
    assertEquals(seq(16, 0x60), d.slice(150, 166));
    assertEquals(seq(16, 0x70), d.slice(166, 182));
    assertTrue(d.slice(182, 214).isAllZero(), "MRENCLAVE not selected");
    assertEquals(seq(32, 0x80), d.slice(214, 246));
    assertEquals(16, INTEL.egetkey(kss, r).length());
    // CONFIGSVN above the enclave's is refused like ISVSVN.
    KeyRequest tooHigh = new KeyRequest(KeyRequest.KEYNAME_SEAL, KeyRequest.POLICY_CONFIGID, 2, Bytes.zeros(16),
        new Attributes(0, 0), Bytes.zeros(32), 0, 4);
    expect(SgxException.Status.INVALID_ISVSVN, () -> INTEL.egetkey(kss, tooHigh));
  }

  @Test
  void egetkey_svnAndCpuSvnRules() throws Exception {
    SimEnclave e = katEnclave();
    expect(SgxException.Status.INVALID_ISVSVN, () -> INTEL.egetkey(e, sealRequest(1, 3, Bytes.zeros(16))));
    INTEL.egetkey(e, sealRequest(1, 1, Bytes.zeros(16)));
    // Intel: only the three simulated values; UPGRADED is refused on a DEFAULT platform.
    expect(SgxException.Status.INVALID_CPUSVN, () -> INTEL.egetkey(e, sealRequest(1, 2, seq(16, 1))));
    expect(SgxException.Status.INVALID_CPUSVN,
        () -> INTEL.egetkey(e, sealRequest(1, 2, SimCpu.UPGRADED_CPUSVN)));
    Bytes down = INTEL.egetkey(e, sealRequest(1, 2, SimCpu.DOWNGRADED_CPUSVN));
    assertNotEquals(down, INTEL.egetkey(e, sealRequest(1, 2, SimCpu.DEFAULT_CPUSVN)));
    SimCpu downgraded = SimCpu.intelSdkSimulation(SimCpu.DOWNGRADED_CPUSVN);
    expect(SgxException.Status.INVALID_CPUSVN,
        () -> downgraded.egetkey(e, sealRequest(1, 2, SimCpu.DEFAULT_CPUSVN)));
    assertEquals(down, downgraded.egetkey(e, sealRequest(1, 2, SimCpu.DOWNGRADED_CPUSVN)));
    SimCpu upgraded = SimCpu.intelSdkSimulation(SimCpu.UPGRADED_CPUSVN);
    upgraded.egetkey(e, sealRequest(1, 2, SimCpu.UPGRADED_CPUSVN));
    upgraded.egetkey(e, sealRequest(1, 2, SimCpu.DEFAULT_CPUSVN));
    assertThrows(IllegalArgumentException.class, () -> SimCpu.intelSdkSimulation(seq(16, 0)));

    // Per-platform: each byte at most the platform's.
    Bytes platform = Bytes.fromHex("05050505050505050505050505050505");
    SimCpu cpu = SimCpu.of(BaseKeys.random(new SecureRandom()), seq(16, 0x33), platform);
    assertEquals(platform, cpu.cpuSvn());
    cpu.egetkey(e, sealRequest(1, 2, platform));
    cpu.egetkey(e, sealRequest(1, 2, Bytes.fromHex("05040505050505050505050505050500")));
    Bytes zero = cpu.egetkey(e, sealRequest(1, 2, Bytes.zeros(16)));
    assertNotEquals(zero, cpu.egetkey(e, sealRequest(1, 2, platform)), "zero CPUSVN is the lowest SVN, not the current");
    expect(SgxException.Status.INVALID_CPUSVN,
        () -> cpu.egetkey(e, sealRequest(1, 2, Bytes.fromHex("05050505050505050505050505050506"))));
  }

  @Test
  void egetkey_keyNames_provisionNeedsProvisionKeyAndUnknownRejected() throws Exception {
    SimEnclave plain = katEnclave();
    SimEnclave pce = enclave(0x7 | Attributes.PROVISIONKEY, 2, 0);
    for (int name : new int[] {KeyRequest.KEYNAME_PROVISION, KeyRequest.KEYNAME_PROVISION_SEAL}) {
      KeyRequest r = new KeyRequest(name, KeyRequest.POLICY_MRSIGNER, 2, SimCpu.DEFAULT_CPUSVN,
          new Attributes(~0L, ~0L), Bytes.zeros(32), 0, 0);
      expect(SgxException.Status.INVALID_ATTRIBUTE, () -> INTEL.egetkey(plain, r));
      assertEquals(16, INTEL.egetkey(pce, r).length());
    }
    KeyRequest prov = new KeyRequest(KeyRequest.KEYNAME_PROVISION, 0, 2, SimCpu.DEFAULT_CPUSVN,
        new Attributes(~0L, ~0L), Bytes.zeros(32), 0, 0);
    KeyRequest provSeal = new KeyRequest(KeyRequest.KEYNAME_PROVISION_SEAL, 0, 2, SimCpu.DEFAULT_CPUSVN,
        new Attributes(~0L, ~0L), Bytes.zeros(32), 0, 0);
    assertNotEquals(INTEL.egetkey(pce, prov), INTEL.egetkey(pce, provSeal));
    assertEquals(KeyDerivation.PROVISION_SIZE, KeyDerivation.provisionKeyData(pce, prov, new byte[16]).length);
    assertEquals(KeyDerivation.PROVISION_SEAL_SIZE,
        KeyDerivation.provisionSealKeyData(pce, provSeal, new byte[16]).length);
    // The provisioning key does not depend on MRENCLAVE but does on MRSIGNER.
    SimEnclave otherMrEnclave = new SimEnclave(seq(32, 0x40), pce.mrSigner(), pce.attributes(), 0, 1, 2,
        Bytes.zeros(64), 0, Bytes.zeros(16), Bytes.zeros(16));
    assertEquals(INTEL.egetkey(pce, prov), INTEL.egetkey(otherMrEnclave, prov));
    expect(SgxException.Status.INVALID_ISVSVN, () -> INTEL.egetkey(pce, new KeyRequest(KeyRequest.KEYNAME_PROVISION,
        0, 3, SimCpu.DEFAULT_CPUSVN, new Attributes(0, 0), Bytes.zeros(32), 0, 0)));

    KeyRequest unknown = new KeyRequest(9, 0, 0, Bytes.zeros(16), new Attributes(0, 0), Bytes.zeros(32), 0, 0);
    expect(SgxException.Status.INVALID_KEYNAME, () -> INTEL.egetkey(plain, unknown));
    KeyRequest einit = new KeyRequest(KeyRequest.KEYNAME_EINITTOKEN, 0, 0, Bytes.zeros(16), new Attributes(0, 0),
        Bytes.zeros(32), 0, 0);
    expect(SgxException.Status.INVALID_ATTRIBUTE, () -> INTEL.egetkey(plain, einit));
    expect(SgxException.Status.INVALID_KEYNAME, () -> INTEL.egetkey(enclave(0x27, 2, 0), einit));
  }

  @Test
  void verifyReport_tamperedOrWrongTarget_false() throws Exception {
    SimEnclave app = enclave(0x7, 1, 0);
    SimEnclave qe = new SimEnclave(seq(32, 0x20), seq(32, 0x90), new Attributes(0x15, 3), 0, 1, 1, Bytes.zeros(64),
        0, Bytes.zeros(16), Bytes.zeros(16));
    Report r = INTEL.ereport(app, qe.targetInfo(), seq(64, 0));
    assertTrue(INTEL.verifyReport(qe, r));
    assertFalse(INTEL.verifyReport(app, r), "a report for the QE does not verify for another enclave");
    for (int off : new int[] {0, 64, 128, 320, 383}) {
      byte[] b = r.toBytes().toByteArray();
      b[off] ^= 1;
      assertFalse(INTEL.verifyReport(qe, Report.parse(Bytes.of(b))), "tampered body byte " + off);
    }
    byte[] mac = r.toBytes().toByteArray();
    mac[431] ^= 1;
    assertFalse(INTEL.verifyReport(qe, Report.parse(Bytes.of(mac))));
    byte[] keyId = r.toBytes().toByteArray();
    keyId[400] ^= 1;
    assertFalse(INTEL.verifyReport(qe, Report.parse(Bytes.of(keyId))));
    // Another platform cannot verify it either.
    SimCpu other = SimCpu.of(BaseKeys.random(new SecureRandom()), SimCpu.INTEL_OWNER_EPOCH, SimCpu.DEFAULT_CPUSVN);
    assertFalse(other.verifyReport(qe, r));
    Report fromOther = other.ereport(app, qe.targetInfo(), seq(64, 0));
    assertTrue(other.verifyReport(qe, fromOther));
    assertTrue(fromOther.keyId().slice(16, 32).isAllZero());
    assertThrows(IllegalArgumentException.class, () -> INTEL.ereport(app, qe.targetInfo(), Bytes.zeros(63)));
  }

  @Test
  void perPlatformKeyId_doesNotRevealReportBaseKey() {
    BaseKeys keys = BaseKeys.random(new SecureRandom());
    Report r = SimCpu.of(keys, SimCpu.INTEL_OWNER_EPOCH, SimCpu.DEFAULT_CPUSVN)
        .ereport(katEnclave(), katEnclave().targetInfo(), Bytes.zeros(64));
    assertNotEquals(keys.report(), r.keyId().slice(0, 16));
  }

  @Test
  void einit_validSigstruct_fillsSecsWithInit() throws Exception {
    Bytes mr = seq(32, 0x11);
    Sigstruct sig = SigstructSigner.newBuilder().enclaveHash(mr).date(0x20250101).isvProdId(5).isvSvn(9)
        .attributes(new Attributes(Attributes.MODE64BIT | Attributes.PROVISIONKEY, 3),
            new Attributes(~Attributes.DEBUG, ~3L))
        .sign(key);
    SimEnclave e = INTEL.einit(sig, new Attributes(Attributes.MODE64BIT | Attributes.PROVISIONKEY | Attributes.DEBUG, 3),
        0, mr, null, 0);
    assertEquals(mr, e.mrEnclave());
    assertEquals(sig.mrSigner(), e.mrSigner());
    assertEquals(SigstructSigner.mrSigner(key), e.mrSigner());
    assertTrue(e.attributes().has(Attributes.INIT | Attributes.PROVISIONKEY | Attributes.DEBUG));
    assertEquals(5, e.isvProdId());
    assertEquals(9, e.isvSvn());
    assertTrue(e.configId().isAllZero());
    // The loaded enclave can report to itself.
    assertTrue(INTEL.verifyReport(e, INTEL.ereport(e, e.targetInfo(), Bytes.zeros(64))));
    // A null measured MRENCLAVE trusts ENCLAVEHASH, as Intel's simulator does.
    assertEquals(mr, INTEL.einit(sig, new Attributes(Attributes.MODE64BIT | Attributes.PROVISIONKEY, 3), 0, null,
        null, 0).mrEnclave());
  }

  @Test
  void einit_rejections() throws Exception {
    Bytes mr = seq(32, 0x11);
    Sigstruct sig = SigstructSigner.newBuilder().enclaveHash(mr).date(0x20250101).sign(key);
    Attributes ok = new Attributes(Attributes.MODE64BIT, 3);
    // Measured MRENCLAVE differs from ENCLAVEHASH.
    expect(SgxException.Status.INVALID_MEASUREMENT, () -> INTEL.einit(sig, ok, 0, seq(32, 0x12), null, 0));
    // Attribute mask mismatch: 32-bit enclave, KSS not signed, XFRM with AVX not allowed by the mask.
    expect(SgxException.Status.INVALID_ATTRIBUTE, () -> INTEL.einit(sig, new Attributes(0, 3), 0, mr, null, 0));
    expect(SgxException.Status.INVALID_ATTRIBUTE,
        () -> INTEL.einit(sig, new Attributes(Attributes.MODE64BIT | Attributes.KSS, 3), 0, mr, null, 0));
    expect(SgxException.Status.INVALID_ATTRIBUTE,
        () -> INTEL.einit(sig, new Attributes(Attributes.MODE64BIT, 7), 0, mr, null, 0));
    expect(SgxException.Status.INVALID_ATTRIBUTE, () -> INTEL.einit(sig, ok, 1, mr, null, 0));
    // INIT already set, CONFIGID without KSS.
    expect(SgxException.Status.GENERAL_PROTECTION,
        () -> INTEL.einit(sig, ok.withFlags(Attributes.INIT), 0, mr, null, 0));
    expect(SgxException.Status.GENERAL_PROTECTION, () -> INTEL.einit(sig, ok, 0, mr, seq(64, 1), 0));
    expect(SgxException.Status.GENERAL_PROTECTION, () -> INTEL.einit(sig, ok, 0, mr, null, 1));
    // Tampered signature.
    byte[] bad = sig.toBytes().toByteArray();
    bad[Sigstruct.SIZE - 1000] ^= 1;
    Sigstruct tampered = Sigstruct.parse(Bytes.of(bad));
    expect(SgxException.Status.INVALID_SIGNATURE, () -> INTEL.einit(tampered, ok, 0, mr, null, 0));
    // KSS IDs in the SIGSTRUCT need KSS in the SECS.
    Sigstruct withFamily = SigstructSigner.newBuilder().enclaveHash(mr).date(0x20250101).isvFamilyId(seq(16, 1))
        .attributes(new Attributes(Attributes.MODE64BIT, 3), new Attributes(~(Attributes.DEBUG | Attributes.KSS), ~3L))
        .sign(key);
    expect(SgxException.Status.INVALID_ATTRIBUTE, () -> INTEL.einit(withFamily, ok, 0, mr, null, 0));
    SimEnclave kss = INTEL.einit(withFamily, ok.withFlags(Attributes.KSS), 0, mr, seq(64, 1), 4);
    assertEquals(seq(16, 1), kss.isvFamilyId());
    assertEquals(4, kss.configSvn());
  }

  @Test
  void baseKeys_roundTripAndRedactedToString() throws Exception {
    BaseKeys k = BaseKeys.random(new SecureRandom());
    assertEquals(80, k.toBytes().length());
    assertEquals(k, BaseKeys.parse(k.toBytes()));
    assertFalse(k.toString().contains(k.seal().hex()));
    assertThrows(io.kubesgx.common.MalformedInputException.class, () -> BaseKeys.parse(Bytes.zeros(79)));
    assertEquals("50524f564953494f4e5345414c4b4559", BaseKeys.intelSdkSimulation().provisionSeal().hex());
    assertEquals("bbaabbeeff0000ddbbaabbeeff0000dd", BaseKeys.intelSdkSimulation().provision().hex());
    assertEquals("aa55aa55aa55aa55aa55aa55aa55aa55", BaseKeys.intelSdkSimulation().einitToken().hex());
  }

  /** A loose throughput guard for the quoting hot path (one EREPORT plus one verification per quote). */
  @Test
  void ereportAndVerify_hotPath_isFast() {
    SimEnclave app = enclave(0x7, 1, 0);
    SimEnclave qe = enclave(0x15, 1, 0);
    TargetInfo t = qe.targetInfo();
    Bytes rd = seq(64, 0);
    for (int i = 0; i < 2000; i++) {
      assertTrue(INTEL.verifyReport(qe, INTEL.ereport(app, t, rd)));
    }
    int n = 20000;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      if (!INTEL.verifyReport(qe, INTEL.ereport(app, t, rd))) {
        throw new AssertionError("verification failed");
      }
    }
    double perSecond = n / ((System.nanoTime() - start) / 1e9);
    assertTrue(perSecond > 5000, "ereport+verifyReport pairs per second: " + perSecond);
  }

  interface Call {
    void run() throws Exception;
  }

  private static void expect(SgxException.Status status, Call c) {
    SgxException e = assertThrows(SgxException.class, c::run);
    assertEquals(status, e.status(), e.getMessage());
  }
}
