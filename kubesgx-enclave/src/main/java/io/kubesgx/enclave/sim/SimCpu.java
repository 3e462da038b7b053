package io.kubesgx.enclave.sim;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.Attributes;
import io.kubesgx.enclave.KeyRequest;
import io.kubesgx.enclave.Report;
import io.kubesgx.enclave.Sigstruct;
import io.kubesgx.enclave.SigstructCheck;
import io.kubesgx.enclave.TargetInfo;
import io.kubesgx.enclave.internal.AesCmac;
import io.kubesgx.enclave.internal.Le;
import io.kubesgx.quote.EnclaveReportBody;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A simulated SGX CPU: EINIT, EREPORT and EGETKEY with the key derivation of Intel's SDK simulation
 * mode ({@code enclave-measurement.md} §5; {@code sdk/simulation/tinst/t_instructions.cpp} and
 * {@code uinst/u_instructions.cpp}).
 *
 * <p>Two flavours:
 *
 * <ul>
 *   <li>{@link #intelSdkSimulation()} reproduces Intel's simulator exactly: its public base keys,
 *       OWNEREPOCH {@code "THISISOWNEREPOCH"}, CPUSVN {@link #DEFAULT_CPUSVN}, Intel's {@code
 *       check_cpu_svn} rules for the three simulated CPUSVN values, and a REPORT KEYID that is the
 *       REPORT base key followed by 16 zero bytes. Everyone can forge anything; use it for
 *       compatibility tests only.
 *   <li>{@link #of} is a per-platform CPU with its own base keys, owner epoch and CPUSVN. A requested
 *       CPUSVN is allowed when each of its 16 bytes is at most the platform's, and an all-zero
 *       CPUSVN is used as is (the lowest SVN, as hardware does). Unlike Intel's simulator, its
 *       REPORT KEYID does not reveal the REPORT base key: it is {@code AES-CMAC(reportBaseKey,
 *       "kubesgx sim REPORT KEYID")} followed by 16 zero bytes.
 * </ul>
 *
 * <p>Thread-safe and immutable apart from a small bounded cache of derived report keys, which keeps
 * {@link #ereport} and {@link #verifyReport} fast on the quoting hot path.
 */
public final class SimCpu {
  /** Intel's simulated CPUSVN (bytes in memory order), {@code rts_sim.h}. */
  public static final Bytes DEFAULT_CPUSVN = hex("4820f3376ae6b2f2034d3b7a4b48a778");
  /** Intel's "upgraded" simulated CPUSVN. */
  public static final Bytes UPGRADED_CPUSVN = hex("5339ae8c93ae8f3ce432db924d0f0733");
  /** Intel's "downgraded" simulated CPUSVN. */
  public static final Bytes DOWNGRADED_CPUSVN = hex("64ea4f3fa0030c36383c322d4f3a8d4f");
  /** Intel's simulated OWNEREPOCH, ASCII {@code THISISOWNEREPOCH}. */
  public static final Bytes INTEL_OWNER_EPOCH = Bytes.of("THISISOWNEREPOCH".getBytes(StandardCharsets.US_ASCII));

  /** KEYPOLICY bits EGETKEY accepts; anything else faults (§5.3). */
  private static final int POLICY_ALL = 0x3f;
  /** KEYPOLICY bits only an enclave with the KSS attribute may use (§5.3). */
  private static final int POLICY_KSS_ONLY = KeyRequest.POLICY_CONFIGID | KeyRequest.POLICY_ISVFAMILYID
      | KeyRequest.POLICY_ISVEXTPRODID | KeyRequest.POLICY_NOISVPRODID;
  private static final int REPORT_KEY_CACHE_LIMIT = 4096;

  private final BaseKeys keys;
  private final byte[] ownerEpoch;
  private final byte[] cpuSvn;
  private final boolean intelSvnRules;
  private final byte[] reportKeyId;
  private final byte[] reportBaseKey;
  private final ConcurrentHashMap<DerivationKey, byte[]> reportKeys = new ConcurrentHashMap<>();

  private SimCpu(BaseKeys keys, byte[] ownerEpoch, byte[] cpuSvn, boolean intelSvnRules) {
    this.keys = keys;
    this.ownerEpoch = ownerEpoch;
    this.cpuSvn = cpuSvn;
    this.intelSvnRules = intelSvnRules;
    this.reportBaseKey = keys.report().toByteArray();
    this.reportKeyId = new byte[32];
    if (intelSvnRules) {
      // _EREPORT: memcpy(key_id, get_base_key(REPORT), sizeof(key_id) / 2).
      System.arraycopy(reportBaseKey, 0, reportKeyId, 0, 16);
    } else {
      byte[] label = "kubesgx sim REPORT KEYID".getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(AesCmac.mac(reportBaseKey, label), 0, reportKeyId, 0, 16);
    }
  }

  /** Returns a CPU that behaves exactly like Intel's SDK simulation mode at the default CPUSVN. */
  public static SimCpu intelSdkSimulation() {
    return intelSdkSimulation(DEFAULT_CPUSVN);
  }

  /**
   * Returns an Intel SDK simulation CPU at one of the three simulated CPUSVN values (what Intel's
   * {@code sgx_config_cpusvn} tool selects).
   */
  public static SimCpu intelSdkSimulation(Bytes platformCpuSvn) {
    if (!platformCpuSvn.equals(DEFAULT_CPUSVN) && !platformCpuSvn.equals(UPGRADED_CPUSVN)
        && !platformCpuSvn.equals(DOWNGRADED_CPUSVN)) {
      throw new IllegalArgumentException("Intel's simulator knows only the DEFAULT, UPGRADED and DOWNGRADED CPUSVN, not "
          + platformCpuSvn.hex());
    }
    return new SimCpu(BaseKeys.intelSdkSimulation(), INTEL_OWNER_EPOCH.toByteArray(), platformCpuSvn.toByteArray(),
        true);
  }

  /** Returns a per-platform CPU with its own base keys, 16-byte OWNEREPOCH and 16-byte CPUSVN. */
  public static SimCpu of(BaseKeys keys, Bytes ownerEpoch16, Bytes cpuSvn16) {
    java.util.Objects.requireNonNull(keys, "keys");
    if (ownerEpoch16.length() != 16) {
      throw new IllegalArgumentException("OWNEREPOCH must be 16 bytes, got " + ownerEpoch16.length());
    }
    if (cpuSvn16.length() != 16) {
      throw new IllegalArgumentException("CPUSVN must be 16 bytes, got " + cpuSvn16.length());
    }
    return new SimCpu(keys, ownerEpoch16.toByteArray(), cpuSvn16.toByteArray(), false);
  }

  /** Returns the CPU's current CPUSVN (16 bytes). */
  public Bytes cpuSvn() {
    return Bytes.of(cpuSvn);
  }

  /**
   * Initialises an enclave from its SIGSTRUCT, like {@code _EINIT} (§5.5), but stricter: the
   * signature must verify, and a measured MRENCLAVE, when given, must equal ENCLAVEHASH.
   *
   * @param sig the enclave's SIGSTRUCT
   * @param secsAttributes the ATTRIBUTES the enclave was created with (INIT must be clear)
   * @param secsMiscSelect the MISCSELECT the enclave was created with
   * @param measuredMrEnclave the MRENCLAVE measured while loading, or null to trust ENCLAVEHASH
   * @param configId64 the 64-byte CONFIGID (all zero without KSS), or null for zeros
   * @param configSvn the CONFIGSVN (0 without KSS)
   * @return the SECS of the initialised enclave, with INIT set and MRSIGNER = SHA-256(modulus)
   * @throws SgxException INVALID_SIGNATURE, INVALID_MEASUREMENT, INVALID_ATTRIBUTE or
   *     GENERAL_PROTECTION
   */
  public SimEnclave einit(Sigstruct sig, Attributes secsAttributes, long secsMiscSelect, Bytes measuredMrEnclave,
      Bytes configId64, int configSvn) throws SgxException {
    Bytes configId = configId64 == null ? Bytes.zeros(64) : configId64;
    if (configId.length() != 64) {
      throw new SgxException(SgxException.Status.GENERAL_PROTECTION,
          "CONFIGID must be 64 bytes, got " + configId.length());
    }
    if (configSvn < 0 || configSvn > 0xffff || secsMiscSelect < 0 || secsMiscSelect > 0xffffffffL) {
      throw new SgxException(SgxException.Status.GENERAL_PROTECTION,
          "CONFIGSVN must be 0..65535 and MISCSELECT a u32; got " + configSvn + " and " + secsMiscSelect);
    }
    if (secsAttributes.has(Attributes.INIT)) {
      throw new SgxException(SgxException.Status.GENERAL_PROTECTION,
          "the SECS attributes already have INIT set: pass the attributes the enclave was created with");
    }
    boolean kss = secsAttributes.has(Attributes.KSS);
    if (!kss && (!configId.isAllZero() || configSvn != 0)) {
      // ECREATE faults on a CONFIGID or CONFIGSVN without KSS.
      throw new SgxException(SgxException.Status.GENERAL_PROTECTION,
          "CONFIGID/CONFIGSVN are set but the enclave lacks the KSS attribute: add KSS or leave them zero");
    }
    SigstructCheck check = sig.verify();
    if (!check.ok()) {
      throw new SgxException(SgxException.Status.INVALID_SIGNATURE, "SIGSTRUCT does not verify (signature "
          + (check.signatureValid() ? "valid" : "INVALID") + ", exponent " + (check.exponentIsThree() ? "3" : "NOT 3")
          + ", Q1/Q2 " + (check.q1q2Valid() ? "valid" : "INVALID") + "): re-sign the enclave with its RSA-3072 e=3 key");
    }
    if (measuredMrEnclave != null && !measuredMrEnclave.equals(sig.enclaveHash())) {
      throw new SgxException(SgxException.Status.INVALID_MEASUREMENT, "measured MRENCLAVE " + measuredMrEnclave.hex()
          + " differs from SIGSTRUCT.ENCLAVEHASH " + sig.enclaveHash().hex()
          + ": the image changed after signing, re-sign it");
    }
    Attributes mask = sig.attributeMask();
    // spec: (mask & SECS) must equal (mask & SIGSTRUCT.ATTRIBUTES), flags and XFRM separately (§5.5).
    if ((mask.xfrm() & secsAttributes.xfrm()) != (mask.xfrm() & sig.attributes().xfrm())) {
      throw new SgxException(SgxException.Status.INVALID_ATTRIBUTE, String.format(
          "SECS XFRM 0x%x does not match the SIGSTRUCT (XFRM 0x%x under mask 0x%x)", secsAttributes.xfrm(),
          sig.attributes().xfrm(), mask.xfrm()));
    }
    if ((mask.flags() & secsAttributes.flags()) != (mask.flags() & sig.attributes().flags())) {
      throw new SgxException(SgxException.Status.INVALID_ATTRIBUTE, String.format(
          "SECS attribute flags 0x%x do not match the SIGSTRUCT (flags 0x%x under mask 0x%x); create the enclave "
              + "with the signed attributes or re-sign with a different mask", secsAttributes.flags(),
          sig.attributes().flags(), mask.flags()));
    }
    if ((sig.miscMask() & secsMiscSelect) != (sig.miscMask() & sig.miscSelect())) {
      throw new SgxException(SgxException.Status.INVALID_ATTRIBUTE, String.format(
          "SECS MISCSELECT 0x%x does not match the SIGSTRUCT (MISCSELECT 0x%x under mask 0x%x)", secsMiscSelect,
          sig.miscSelect(), sig.miscMask()));
    }
    if (!kss && (!sig.isvFamilyId().isAllZero() || !sig.isvExtProdId().isAllZero())) {
      throw new SgxException(SgxException.Status.INVALID_ATTRIBUTE,
          "the SIGSTRUCT sets ISVFAMILYID/ISVEXTPRODID but the enclave lacks the KSS attribute: add KSS");
    }
    return new SimEnclave(sig.enclaveHash(), sig.mrSigner(), secsAttributes.withFlags(Attributes.INIT),
        secsMiscSelect, sig.isvProdId(), sig.isvSvn(), configId, configSvn, sig.isvFamilyId(), sig.isvExtProdId());
  }

  /**
   * EREPORT (§5.4): a REPORT of {@code caller} for {@code target}, with body CPUSVN = {@link
   * #cpuSvn()} and MAC = AES-CMAC(report key of the target, body).
   *
   * @param reportData64 the 64-byte REPORTDATA
   */
  public Report ereport(SimEnclave caller, TargetInfo target, Bytes reportData64) {
    if (reportData64.length() != 64) {
      throw new IllegalArgumentException("REPORTDATA must be 64 bytes, got " + reportData64.length());
    }
    byte[] body = new byte[EnclaveReportBody.SIZE];
    System.arraycopy(cpuSvn, 0, body, 0, 16);
    Le.put32(body, 16, caller.miscSelect());
    System.arraycopy(caller.isvExtProdId().toByteArray(), 0, body, 32, 16);
    Le.put64(body, 48, caller.attributes().flags());
    Le.put64(body, 56, caller.attributes().xfrm());
    System.arraycopy(caller.mrEnclave().toByteArray(), 0, body, 64, 32);
    System.arraycopy(caller.mrSigner().toByteArray(), 0, body, 128, 32);
    System.arraycopy(caller.configId().toByteArray(), 0, body, 192, 64);
    Le.put16(body, 256, caller.isvProdId());
    Le.put16(body, 258, caller.isvSvn());
    Le.put16(body, 260, caller.configSvn());
    System.arraycopy(caller.isvFamilyId().toByteArray(), 0, body, 304, 16);
    System.arraycopy(reportData64.toByteArray(), 0, body, 320, 64);
    byte[] mac = AesCmac.mac(reportKey(target, reportKeyId), body);
    try {
      return new Report(EnclaveReportBody.parse(Bytes.of(body)), Bytes.of(reportKeyId), Bytes.of(mac));
    } catch (MalformedInputException e) {
      throw new IllegalStateException("a 384-byte body always parses", e);
    }
  }

  /**
   * Checks a REPORT addressed to {@code self}: EGETKEY(REPORT) with the report's KEYID, then a
   * constant-time comparison of the MAC over the body.
   */
  public boolean verifyReport(SimEnclave self, Report report) {
    byte[] key = reportKey(self.targetInfo(), report.keyId().toByteArray());
    byte[] mac = AesCmac.mac(key, report.body().raw().toByteArray());
    return MessageDigest.isEqual(mac, report.mac().toByteArray());
  }

  /**
   * EGETKEY (§5.3) for KEYNAME REPORT, SEAL, PROVISION and PROVISION_SEAL; returns the 16-byte key.
   *
   * @throws SgxException GENERAL_PROTECTION (policy bits outside 0x3F, non-zero reserved bytes,
   *     KSS-only policy bits or CONFIGSVN without KSS), INVALID_ATTRIBUTE (provisioning key without
   *     PROVISIONKEY), INVALID_ISVSVN (ISVSVN or CONFIGSVN above the enclave's), INVALID_CPUSVN,
   *     INVALID_KEYNAME (unknown name; EINITTOKEN is not simulated)
   */
  public Bytes egetkey(SimEnclave caller, KeyRequest request) throws SgxException {
    int policy = request.keyPolicy();
    if ((policy & ~POLICY_ALL) != 0) {
      throw new SgxException(SgxException.Status.GENERAL_PROTECTION, String.format(
          "KEYPOLICY 0x%x has bits outside 0x3F (MRENCLAVE, MRSIGNER, NOISVPRODID, CONFIGID, ISVFAMILYID, ISVEXTPRODID)",
          policy));
    }
    if (request.hasNonZeroReserved()) {
      throw new SgxException(SgxException.Status.GENERAL_PROTECTION,
          "KEYREQUEST reserved bytes (6..7, 78..511) must be zero");
    }
    if (!caller.attributes().has(Attributes.KSS)) {
      if ((policy & POLICY_KSS_ONLY) != 0) {
        throw new SgxException(SgxException.Status.GENERAL_PROTECTION, String.format(
            "KEYPOLICY 0x%x uses CONFIGID/ISVFAMILYID/ISVEXTPRODID/NOISVPRODID, which need the KSS attribute", policy));
      }
      if (request.configSvn() != 0) {
        throw new SgxException(SgxException.Status.GENERAL_PROTECTION,
            "KEYREQUEST.CONFIGSVN must be 0 for an enclave without the KSS attribute");
      }
    }
    byte[] reqCpuSvn = request.cpuSvn().toByteArray();
    if (intelSvnRules && Le.allZero(reqCpuSvn, 0, 16)) {
      // _EGETKEY: an all-zero CPUSVN is replaced by DEFAULT_CPUSVN.
      reqCpuSvn = DEFAULT_CPUSVN.toByteArray();
    }
    return switch (request.keyName()) {
      case KeyRequest.KEYNAME_REPORT -> Bytes.of(reportKey(caller.targetInfo(), request.keyId().toByteArray()));
      case KeyRequest.KEYNAME_SEAL -> {
        checkSvns(caller, request);
        checkCpuSvn(reqCpuSvn);
        yield derive(keys.seal(), KeyDerivation.sealKeyData(caller, request, ownerEpoch, reqCpuSvn));
      }
      case KeyRequest.KEYNAME_PROVISION, KeyRequest.KEYNAME_PROVISION_SEAL -> {
        if (!caller.attributes().has(Attributes.PROVISIONKEY)) {
          throw new SgxException(SgxException.Status.INVALID_ATTRIBUTE,
              "provisioning keys need the PROVISIONKEY attribute: create the enclave with it (and sign it so)");
        }
        checkSvns(caller, request);
        checkCpuSvn(reqCpuSvn);
        yield request.keyName() == KeyRequest.KEYNAME_PROVISION
            ? derive(keys.provision(), KeyDerivation.provisionKeyData(caller, request, reqCpuSvn))
            : derive(keys.provisionSeal(), KeyDerivation.provisionSealKeyData(caller, request, reqCpuSvn));
      }
      case KeyRequest.KEYNAME_EINITTOKEN -> {
        if (!caller.attributes().has(Attributes.EINITTOKENKEY)) {
          throw new SgxException(SgxException.Status.INVALID_ATTRIBUTE,
              "the EINITTOKEN key needs the EINITTOKENKEY attribute");
        }
        throw new SgxException(SgxException.Status.INVALID_KEYNAME,
            "the EINITTOKEN key is not simulated (kubesgx uses no launch tokens)");
      }
      default -> throw new SgxException(SgxException.Status.INVALID_KEYNAME,
          "unknown KEYNAME " + request.keyName() + " (0 EINITTOKEN, 1 PROVISION, 2 PROVISION_SEAL, 3 REPORT, 4 SEAL)");
    };
  }

  private static void checkSvns(SimEnclave caller, KeyRequest request) throws SgxException {
    if (request.isvSvn() > caller.isvSvn()) {
      throw new SgxException(SgxException.Status.INVALID_ISVSVN, "requested ISVSVN " + request.isvSvn()
          + " is above the enclave's ISVSVN " + caller.isvSvn() + ": request a key for an SVN it has reached");
    }
    if (request.configSvn() > caller.configSvn()) {
      throw new SgxException(SgxException.Status.INVALID_ISVSVN, "requested CONFIGSVN " + request.configSvn()
          + " is above the enclave's CONFIGSVN " + caller.configSvn());
    }
  }

  /** Intel's {@code check_cpu_svn}, or the per-platform "each byte ≤ the platform's" rule. */
  private void checkCpuSvn(byte[] requested) throws SgxException {
    if (intelSvnRules) {
      Bytes r = Bytes.of(requested);
      if (!r.equals(UPGRADED_CPUSVN) && !r.equals(DEFAULT_CPUSVN) && !r.equals(DOWNGRADED_CPUSVN)) {
        throw new SgxException(SgxException.Status.INVALID_CPUSVN, "CPUSVN " + r.hex()
            + " is not one of Intel's simulated values (DEFAULT, UPGRADED, DOWNGRADED); use cpuSvn() or zero");
      }
      boolean platformDefault = Arrays.equals(cpuSvn, DEFAULT_CPUSVN.toByteArray());
      boolean platformDowngraded = Arrays.equals(cpuSvn, DOWNGRADED_CPUSVN.toByteArray());
      if ((platformDefault && r.equals(UPGRADED_CPUSVN)) || (platformDowngraded && !r.equals(DOWNGRADED_CPUSVN))) {
        throw new SgxException(SgxException.Status.INVALID_CPUSVN, "CPUSVN " + r.hex()
            + " is newer than the simulated platform's " + Bytes.of(cpuSvn).hex());
      }
      return;
    }
    for (int i = 0; i < 16; i++) {
      if ((requested[i] & 0xff) > (cpuSvn[i] & 0xff)) {
        throw new SgxException(SgxException.Status.INVALID_CPUSVN, "CPUSVN " + Bytes.of(requested).hex()
            + " is above the platform's " + Bytes.of(cpuSvn).hex() + " at byte " + i
            + ": request a CPUSVN the platform has reached");
      }
    }
  }

  /** The report key for a target identity and KEYID, from the bounded cache when possible. */
  private byte[] reportKey(TargetInfo target, byte[] keyId) {
    byte[] data = KeyDerivation.reportKeyData(target, ownerEpoch, cpuSvn, keyId);
    DerivationKey k = new DerivationKey(data);
    byte[] key = reportKeys.get(k);
    if (key == null) {
      key = AesCmac.mac(reportBaseKey, data);
      if (reportKeys.size() >= REPORT_KEY_CACHE_LIMIT) {
        reportKeys.clear();
      }
      reportKeys.put(k, key);
    }
    return key;
  }

  private static Bytes derive(Bytes baseKey, byte[] data) {
    return Bytes.of(AesCmac.mac(baseKey.toByteArray(), data));
  }

  /** Derivation data as a hash key; the array is never modified after construction. */
  private static final class DerivationKey {
    private final byte[] data;
    private final int hash;

    DerivationKey(byte[] data) {
      this.data = data;
      this.hash = Arrays.hashCode(data);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof DerivationKey other && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private static Bytes hex(String h) {
    try {
      return Bytes.fromHex(h);
    } catch (MalformedInputException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns the derivation data EREPORT uses for {@code target} (tests compare it with the KAT). */
  byte[] reportKeyDerivationData(TargetInfo target) {
    return KeyDerivation.reportKeyData(target, ownerEpoch, cpuSvn, reportKeyId);
  }
}
