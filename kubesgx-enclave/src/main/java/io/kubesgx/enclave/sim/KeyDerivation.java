package io.kubesgx.enclave.sim;

import io.kubesgx.enclave.Attributes;
import io.kubesgx.enclave.KeyRequest;
import io.kubesgx.enclave.TargetInfo;
import io.kubesgx.enclave.internal.Le;

/**
 * Derivation-data layouts of Intel's SDK simulation ({@code sdk/simulation/tinst/deriv.h}; C structs
 * with natural alignment, zero-initialised so padding is zero). The key is {@code
 * AES-128-CMAC(base_key[KEYNAME], data)}.
 *
 * <p>Report (192 bytes) and seal (280 bytes) layouts are from {@code enclave-measurement.md} §5.2 and
 * are checked byte for byte against the KAT. The provision (104 bytes) and provision-seal (200 bytes)
 * layouts are <b>our reconstruction</b>: the stored {@code deriv.h} versions we could read predate
 * KSS (96-byte provision data, no MISCSELECT); the current sizes 104 and 200 (§5.2) are exactly what
 * the seal layout's field order gives after dropping the fields provisioning keys never include
 * (OWNEREPOCH, MRENCLAVE, KEYID — and, for PROVISION, KEYPOLICY and the KSS fields). They are
 * self-consistent but not verified against Intel's bytes.
 */
final class KeyDerivation {
  static final int REPORT_SIZE = 192;
  static final int SEAL_SIZE = 280;
  static final int PROVISION_SIZE = 104;
  static final int PROVISION_SEAL_SIZE = 200;

  private KeyDerivation() {}

  /**
   * Report key data: key_name 3 @0, attributes @8, misc_select @24, owner_epoch @28, mrenclave @44,
   * cpu_svn @76, config_svn @92, config_id @94, key_id @158, padding to 192 (§5.2).
   */
  static byte[] reportKeyData(TargetInfo target, byte[] ownerEpoch, byte[] cpuSvn, byte[] keyId) {
    byte[] d = new byte[REPORT_SIZE];
    Le.put16(d, 0, KeyRequest.KEYNAME_REPORT);
    putAttributes(d, 8, target.attributes());
    Le.put32(d, 24, target.miscSelect());
    System.arraycopy(ownerEpoch, 0, d, 28, 16);
    System.arraycopy(target.mrEnclave().toByteArray(), 0, d, 44, 32);
    System.arraycopy(cpuSvn, 0, d, 76, 16);
    Le.put16(d, 92, target.configSvn());
    System.arraycopy(target.configId().toByteArray(), 0, d, 94, 64);
    System.arraycopy(keyId, 0, d, 158, 32);
    return d;
  }

  /**
   * Seal key data (§5.2, §5.3): key_name 4 @0, key_policy @2, masked attributes @8, attribute mask
   * @24, masked misc_select @40, NOT misc_mask @44, owner_epoch @48, cpu_svn @64, isv_svn @80,
   * isv_prod_id @82, config_svn @84, config_id @86, isv_family_id @150, isv_ext_prod_id @166,
   * mrenclave @182, mrsigner @214, key_id @246, padding to 280; policy-selected fields stay zero
   * unless selected.
   */
  static byte[] sealKeyData(SimEnclave secs, KeyRequest req, byte[] ownerEpoch, byte[] cpuSvn) {
    byte[] d = new byte[SEAL_SIZE];
    int policy = req.keyPolicy();
    putHead(d, KeyRequest.KEYNAME_SEAL, policy, secs, req);
    System.arraycopy(ownerEpoch, 0, d, 48, 16);
    System.arraycopy(cpuSvn, 0, d, 64, 16);
    Le.put16(d, 80, req.isvSvn());
    putPolicyIds(d, 82, secs, req);
    if ((policy & KeyRequest.POLICY_MRENCLAVE) != 0) {
      System.arraycopy(secs.mrEnclave().toByteArray(), 0, d, 182, 32);
    }
    if ((policy & KeyRequest.POLICY_MRSIGNER) != 0) {
      System.arraycopy(secs.mrSigner().toByteArray(), 0, d, 214, 32);
    }
    System.arraycopy(req.keyId().toByteArray(), 0, d, 246, 32);
    return d;
  }

  /**
   * Writes the head shared by seal, provision and provision-seal data: key_name @0, key_policy @2
   * (when not zero), masked attributes @8, attribute mask @24, masked misc_select @40, NOT misc_mask
   * @44.
   */
  private static void putHead(byte[] d, int keyName, int policy, SimEnclave secs, KeyRequest req) {
    Le.put16(d, 0, keyName);
    Le.put16(d, 2, policy);
    putAttributes(d, 8, maskedAttributes(secs, req));
    putAttributes(d, 24, req.attributeMask());
    Le.put32(d, 40, secs.miscSelect() & req.miscMask());
    Le.put32(d, 44, ~req.miscMask());
  }

  /**
   * Writes the policy-selected identity block that starts at {@code off}: isv_prod_id (zero with
   * NOISVPRODID), config_svn and config_id (with CONFIGID), isv_family_id (with ISVFAMILYID),
   * isv_ext_prod_id (with ISVEXTPRODID) — 100 bytes in both the seal and provision-seal layouts.
   */
  private static void putPolicyIds(byte[] d, int off, SimEnclave secs, KeyRequest req) {
    int policy = req.keyPolicy();
    Le.put16(d, off, (policy & KeyRequest.POLICY_NOISVPRODID) != 0 ? 0 : secs.isvProdId());
    if ((policy & KeyRequest.POLICY_CONFIGID) != 0) {
      Le.put16(d, off + 2, req.configSvn());
      System.arraycopy(secs.configId().toByteArray(), 0, d, off + 4, 64);
    }
    if ((policy & KeyRequest.POLICY_ISVFAMILYID) != 0) {
      System.arraycopy(secs.isvFamilyId().toByteArray(), 0, d, off + 68, 16);
    }
    if ((policy & KeyRequest.POLICY_ISVEXTPRODID) != 0) {
      System.arraycopy(secs.isvExtProdId().toByteArray(), 0, d, off + 84, 16);
    }
  }

  /**
   * Provision key data (our reconstruction, see the class comment): key_name 1 @0, masked attributes
   * @8, attribute mask @24, masked misc_select @40, NOT misc_mask @44, cpu_svn @48, isv_svn @64,
   * isv_prod_id (from SECS) @66, mrsigner @68, padding to 104. The key policy is ignored: a
   * provisioning key is always bound to MRSIGNER and never to MRENCLAVE.
   */
  static byte[] provisionKeyData(SimEnclave secs, KeyRequest req, byte[] cpuSvn) {
    byte[] d = new byte[PROVISION_SIZE];
    putHead(d, KeyRequest.KEYNAME_PROVISION, 0, secs, req);
    System.arraycopy(cpuSvn, 0, d, 48, 16);
    Le.put16(d, 64, req.isvSvn());
    Le.put16(d, 66, secs.isvProdId());
    System.arraycopy(secs.mrSigner().toByteArray(), 0, d, 68, 32);
    return d;
  }

  /**
   * Provision-seal key data (our reconstruction): key_name 2 @0, key_policy @2, masked attributes @8,
   * attribute mask @24, masked misc_select @40, NOT misc_mask @44, cpu_svn @48, isv_svn @64,
   * isv_prod_id @66 (zero with NOISVPRODID), config_svn @68 and config_id @70 (with CONFIGID),
   * isv_family_id @134 (with ISVFAMILYID), isv_ext_prod_id @150 (with ISVEXTPRODID), mrsigner @166
   * (always), padding to 200.
   */
  static byte[] provisionSealKeyData(SimEnclave secs, KeyRequest req, byte[] cpuSvn) {
    byte[] d = new byte[PROVISION_SEAL_SIZE];
    putHead(d, KeyRequest.KEYNAME_PROVISION_SEAL, req.keyPolicy(), secs, req);
    System.arraycopy(cpuSvn, 0, d, 48, 16);
    Le.put16(d, 64, req.isvSvn());
    putPolicyIds(d, 66, secs, req);
    System.arraycopy(secs.mrSigner().toByteArray(), 0, d, 166, 32);
    return d;
  }

  /** §5.3: flags = (mask.flags | INIT | DEBUG) & secs.flags; xfrm = mask.xfrm & secs.xfrm. */
  static Attributes maskedAttributes(SimEnclave secs, KeyRequest req) {
    Attributes mask = req.attributeMask();
    return new Attributes(
        (mask.flags() | Attributes.INIT | Attributes.DEBUG) & secs.attributes().flags(),
        mask.xfrm() & secs.attributes().xfrm());
  }

  private static void putAttributes(byte[] d, int off, Attributes a) {
    Le.put64(d, off, a.flags());
    Le.put64(d, off + 8, a.xfrm());
  }
}
