package io.kubesgx.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SigstructTest {

  static Sigstruct fortanixTestEnclaveSig() throws Exception {
    return Sigstruct.parse(Bytes.of(TestVectors.read("fortanix_test_enclave.sig")));
  }

  @Test
  void parse_fortanixTestEnclaveSig_everyExpectedField() throws Exception {
    Sigstruct s = fortanixTestEnclaveSig();
    JsonObject e = TestVectors.json("expected.json").object("fortanix_test_enclave.sig");
    List<String> failures = new ArrayList<>();
    check(failures, "mrenclave", e.string("mrenclave"), s.enclaveHash().hex());
    check(failures, "mrsigner", e.string("mrsigner"), s.mrSigner().hex());
    check(failures, "date", TestVectors.number(e.string("date")), Integer.toUnsignedLong(s.date()));
    check(failures, "vendor", e.integer("vendor"), s.vendor());
    check(failures, "swdefined", e.integer("swdefined"), s.swDefined());
    check(failures, "miscselect", TestVectors.number(e.string("miscselect")), s.miscSelect());
    check(failures, "miscmask", TestVectors.number(e.string("miscmask")), s.miscMask());
    check(failures, "attributes.flags", TestVectors.number(e.object("attributes").string("flags")), s.attributes().flags());
    check(failures, "attributes.xfrm", TestVectors.number(e.object("attributes").string("xfrm")), s.attributes().xfrm());
    check(failures, "attributemask.flags", TestVectors.number(e.object("attributemask").string("flags")),
        s.attributeMask().flags());
    check(failures, "attributemask.xfrm", TestVectors.number(e.object("attributemask").string("xfrm")),
        s.attributeMask().xfrm());
    check(failures, "isvprodid", e.integer("isvprodid"), (long) s.isvProdId());
    check(failures, "isvsvn", e.integer("isvsvn"), (long) s.isvSvn());
    SigstructCheck c = s.verify();
    check(failures, "signature", e.string("rsa_pkcs1v15_sha256_over_header128_body128"),
        c.signatureValid() ? "valid" : "invalid");
    check(failures, "q1_q2", e.string("q1_q2"), c.q1q2Valid() ? "valid" : "invalid");
    assertEquals(List.of(), failures);

    assertTrue(c.ok());
    assertTrue(c.exponentIsThree());
    assertEquals("fb4bab3d6036ac1d730fa83d7366df1dd2dfeac194ef335d6854d8a6c6475542", s.mrSigner().hex());
    assertEquals("2016-12-14", s.dateIso());
    assertEquals(0x20161214, s.date());
    assertFalse(s.isDebugSigned());
    assertFalse(s.isKnownTestSigner());
    assertEquals(3, s.exponent());
    assertEquals(Bytes.of(TestVectors.read("fortanix_test_enclave.sig")), s.toBytes());
    assertEquals(256, s.signedMessage().length());
  }

  @Test
  void enclaveHash_equalsMrEnclaveOfTheSgxsImage() throws Exception {
    SgxsImage img = SgxsImage.read(TestVectors.path("fortanix_test_enclave.sgxs"));
    assertEquals(img.mrEnclave(), fortanixTestEnclaveSig().enclaveHash());
  }

  @Test
  void parse_sig1_knownTestSigner() throws Exception {
    Sigstruct s = Sigstruct.parse(Bytes.of(TestVectors.read("fortanix_sig1.sigstruct.bin")));
    assertEquals(Sigstruct.KNOWN_TEST_SIGNER_MRSIGNER_HEX, s.mrSigner().hex());
    assertTrue(s.isKnownTestSigner());
    assertTrue(s.verify().ok());
  }

  /** One flipped byte in each signed or checked region breaks the right check. */
  @Test
  void verify_flippedBytes_fail() throws Exception {
    byte[] good = TestVectors.read("fortanix_test_enclave.sig");
    // Signature byte: signature and Q1/Q2 both fail.
    SigstructCheck c = flip(good, Sigstruct.OFF_SIGNATURE + 100);
    assertFalse(c.signatureValid());
    assertFalse(c.q1q2Valid());
    // Modulus byte: the signature no longer verifies.
    c = flip(good, Sigstruct.OFF_MODULUS + 7);
    assertFalse(c.signatureValid());
    assertFalse(c.ok());
    // Signed fields: ISVSVN, ATTRIBUTES, ENCLAVEHASH, DATE, VENDOR.
    for (int off : new int[] {Sigstruct.OFF_ISVSVN, Sigstruct.OFF_ATTRIBUTES, Sigstruct.OFF_ENCLAVE_HASH + 31,
        Sigstruct.OFF_DATE, Sigstruct.OFF_VENDOR, Sigstruct.OFF_MISCMASK}) {
      c = flip(good, off);
      assertFalse(c.signatureValid(), "offset " + off);
      assertTrue(c.q1q2Valid(), "offset " + off);
    }
    // Q1 and Q2 are not signed.
    c = flip(good, Sigstruct.OFF_Q1 + 3);
    assertTrue(c.signatureValid());
    assertFalse(c.q1q2Valid());
    c = flip(good, Sigstruct.OFF_Q2 + 383);
    assertFalse(c.q1q2Valid());
    // Exponent 5: structurally fine, but not a valid SGX signature.
    byte[] b = good.clone();
    b[Sigstruct.OFF_EXPONENT] = 5;
    c = Sigstruct.parse(Bytes.of(b)).verify();
    assertFalse(c.exponentIsThree());
    assertFalse(c.ok());
  }

  @Test
  void verify_zeroModulusOrHugeSignature_invalidNotThrown() throws Exception {
    byte[] b = TestVectors.read("fortanix_test_enclave.sig");
    Arrays.fill(b, Sigstruct.OFF_MODULUS, Sigstruct.OFF_MODULUS + 384, (byte) 0);
    assertFalse(Sigstruct.parse(Bytes.of(b)).verify().ok());
    b = TestVectors.read("fortanix_test_enclave.sig");
    Arrays.fill(b, Sigstruct.OFF_SIGNATURE, Sigstruct.OFF_SIGNATURE + 384, (byte) 0xff);
    assertFalse(Sigstruct.parse(Bytes.of(b)).verify().signatureValid());
  }

  @Test
  void parse_malformed_rejectedWithClearMessages() throws Exception {
    byte[] good = TestVectors.read("fortanix_test_enclave.sig");
    expectMalformed(Arrays.copyOf(good, 1807), "exactly 1808");
    expectMalformed(Arrays.copyOf(good, 1809), "exactly 1808");
    expectMalformed(new byte[0], "exactly 1808");
    byte[] b = good.clone();
    b[0] = 7;
    expectMalformed(b, "HEADER");
    b = good.clone();
    b[28] = 0;
    expectMalformed(b, "HEADER2");
    b = good.clone();
    b[Sigstruct.OFF_TYPE] = 1;
    expectMalformed(b, "TYPE");
    for (int off : new int[] {44, 127, 910, 911, 992, 1007, 1028, 1039}) {
      b = good.clone();
      b[off] = 1;
      expectMalformed(b, "reserved");
    }
    byte[] garbage = new byte[1808];
    new java.util.Random(7).nextBytes(garbage);
    expectMalformed(garbage, "HEADER");
  }

  @Test
  void constructor_rawNotMatchingFields_rejected() throws Exception {
    Sigstruct s = fortanixTestEnclaveSig();
    assertThrows(IllegalArgumentException.class, () -> new Sigstruct(s.type(), s.vendor(), s.date(), s.swDefined(),
        s.modulus(), s.exponent(), s.signature(), s.miscSelect(), s.miscMask(), s.cetAttributes(),
        s.cetAttributesMask(), s.isvFamilyId(), s.attributes(), s.attributeMask(), s.enclaveHash(), s.isvExtProdId(),
        s.isvProdId(), s.isvSvn() + 1, s.q1(), s.q2(), s.raw()));
  }

  @Test
  void debugSignedType_parsedAndReported() throws Exception {
    byte[] b = TestVectors.read("fortanix_test_enclave.sig");
    b[Sigstruct.OFF_TYPE + 3] = (byte) 0x80;
    Sigstruct s = Sigstruct.parse(Bytes.of(b));
    assertTrue(s.isDebugSigned());
    assertFalse(s.verify().signatureValid(), "TYPE is signed");
  }

  private static SigstructCheck flip(byte[] good, int offset) throws MalformedInputException {
    byte[] b = good.clone();
    b[offset] ^= 0x01;
    return Sigstruct.parse(Bytes.of(b)).verify();
  }

  private static void expectMalformed(byte[] data, String part) {
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> Sigstruct.parse(Bytes.of(data)));
    assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should mention " + part);
  }

  private static void check(List<String> failures, String field, Object want, Object got) {
    if (!want.equals(got)) {
      failures.add(field + ": want " + want + " got " + got);
    }
  }
}
