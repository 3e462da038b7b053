package io.kubesgx.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SigstructSignerTest {
  private static final String SIG1_HASH = "c50673624a6cb17c1c6c2a4e6906f47a170c4629b8723781d1017ef376f1a75d";
  private static RSAPrivateCrtKey generated;

  @BeforeAll
  static void generateOnce() {
    generated = SigstructSigner.generateKey(new SecureRandom());
  }

  static RSAPrivateCrtKey testKey() throws Exception {
    return SigstructSigner.readPrivateKeyPem(TestVectors.text("fortanix_sig1.TEST-ONLY-key.pem"));
  }

  /** {@code sgxs-sign -x 3/0xe4 --date 20160109 --in-hash}: XFRM 3, XFRM mask ~0xe4, defaults otherwise. */
  static SigstructSigner sig1Signer() throws Exception {
    return SigstructSigner.newBuilder()
        .enclaveHash(Bytes.fromHex(SIG1_HASH))
        .date(0x20160109)
        .attributes(new Attributes(Attributes.MODE64BIT, 3), new Attributes(~Attributes.DEBUG, ~0xe4L));
  }

  @Test
  void sign_sig1Inputs_reproducesFortanixSigstructByteForByte() throws Exception {
    byte[] expected = TestVectors.read("fortanix_sig1.sigstruct.bin");
    Sigstruct s = sig1Signer().sign(testKey());
    assertEquals(Bytes.of(expected).hex(), s.toBytes().hex());
    JsonObject e = TestVectors.json("expected.json").object("fortanix_sig1.sigstruct.bin");
    assertEquals(e.string("mrsigner"), s.mrSigner().hex());
    assertEquals("83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e", s.mrSigner().hex());
    assertEquals(e.string("mrenclave"), s.enclaveHash().hex());
    assertEquals(0xffffffffffffff1bL, s.attributeMask().xfrm());
    assertEquals(0xfffffffffffffffdL, s.attributeMask().flags());
    assertEquals(0xffffffffL, s.miscMask());
    assertEquals("2016-01-09", s.dateIso());
    assertTrue(s.verify().ok());
    assertEquals(SigstructSigner.mrSigner(testKey()), s.mrSigner());
  }

  @Test
  void sign_dateFromLocalDateOrClock_sameAsBcd() throws Exception {
    Sigstruct a = sig1Signer().date(LocalDate.of(2016, 1, 9)).sign(testKey());
    Clock clock = Clock.fixed(Instant.parse("2016-01-09T23:59:59Z"), ZoneOffset.UTC);
    SigstructSigner viaClock = SigstructSigner.newBuilder().enclaveHash(Bytes.fromHex(SIG1_HASH))
        .attributes(new Attributes(Attributes.MODE64BIT, 3), new Attributes(~Attributes.DEBUG, ~0xe4L)).clock(clock);
    assertEquals(Bytes.of(TestVectors.read("fortanix_sig1.sigstruct.bin")), a.toBytes());
    assertEquals(a, viaClock.sign(testKey()));
  }

  @Test
  void sign_defaults_areFortanixSgxsSignDefaults() throws Exception {
    Sigstruct s = SigstructSigner.newBuilder().enclaveHash(Bytes.zeros(32)).date(0x20240229).sign(generated);
    assertEquals(new Attributes(Attributes.MODE64BIT, 3), s.attributes());
    assertEquals(new Attributes(0xfffffffffffffffdL, 0xfffffffffffffffcL), s.attributeMask());
    assertEquals(0, s.miscSelect());
    assertEquals(0xffffffffL, s.miscMask());
    assertEquals(0, s.vendor());
    assertEquals(0, s.swDefined());
    assertEquals(0, s.isvProdId());
    assertEquals(0, s.isvSvn());
    assertFalse(s.isDebugSigned());
    assertTrue(s.isvFamilyId().isAllZero());
    assertTrue(s.verify().ok());
  }

  @Test
  void sign_everyField_roundTripsThroughParse() throws Exception {
    Bytes family = Bytes.fromHex("0102030405060708090a0b0c0d0e0f10");
    Bytes ext = Bytes.fromHex("f0e0d0c0b0a090807060504030201000");
    Sigstruct s = SigstructSigner.newBuilder()
        .enclaveHash(Bytes.fromHex(SIG1_HASH))
        .date(LocalDate.of(2031, 12, 31))
        .vendor(Sigstruct.VENDOR_INTEL)
        .swDefined(0xdeadbeefL)
        .debugSigned(true)
        .miscSelect(0x1, 0xfffffffeL)
        .attributes(new Attributes(Attributes.MODE64BIT | Attributes.KSS | Attributes.DEBUG, 0xe7),
            new Attributes(~0L, ~0L))
        .isvProdId(65535)
        .isvSvn(7)
        .isvFamilyId(family)
        .isvExtProdId(ext)
        .sign(generated);
    Sigstruct p = Sigstruct.parse(s.toBytes());
    assertEquals(s, p);
    assertEquals(0x20311231, p.date());
    assertEquals(0x8086, p.vendor());
    assertEquals(0xdeadbeefL, p.swDefined());
    assertTrue(p.isDebugSigned());
    assertEquals(1, p.miscSelect());
    assertEquals(0xfffffffeL, p.miscMask());
    assertEquals(65535, p.isvProdId());
    assertEquals(7, p.isvSvn());
    assertEquals(family, p.isvFamilyId());
    assertEquals(ext, p.isvExtProdId());
    assertTrue(p.verify().ok());
    assertEquals(SigstructSigner.mrSigner(generated), p.mrSigner());
    // Deterministic: same inputs, same bytes.
    assertEquals(s.toBytes(), Sigstruct.parse(s.toBytes()).toBytes());
  }

  @Test
  void generateKey_isRsa3072WithExponent3_andPemRoundTrips() throws Exception {
    assertEquals(3072, generated.getModulus().bitLength());
    assertEquals(BigInteger.valueOf(3), generated.getPublicExponent());
    RSAPrivateCrtKey back = SigstructSigner.readPrivateKeyPem(SigstructSigner.toPkcs8Pem(generated));
    assertEquals(generated.getModulus(), back.getModulus());
    assertTrue(SigstructSigner.toPkcs8Pem(generated).startsWith("-----BEGIN PRIVATE KEY-----"));
    assertTrue(SigstructSigner.toPkcs1Pem(generated).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
    assertEquals(generated.getPrivateExponent(),
        SigstructSigner.readPrivateKeyPem(SigstructSigner.toPkcs1Pem(generated)).getPrivateExponent());
  }

  @Test
  void sign_wrongExponentOrSize_rejectedWithClearMessage() throws Exception {
    RSAPrivateCrtKey e65537 = io.kubesgx.enclave.internal.RsaKeys.generate(3072, 65537, new SecureRandom());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SigstructSigner.newBuilder().enclaveHash(Bytes.zeros(32)).sign(e65537));
    assertTrue(e.getMessage().contains("exponent 3"), e.getMessage());
    RSAPrivateCrtKey small = io.kubesgx.enclave.internal.RsaKeys.generate(2048, 3, new SecureRandom());
    e = assertThrows(IllegalArgumentException.class,
        () -> SigstructSigner.newBuilder().enclaveHash(Bytes.zeros(32)).sign(small));
    assertTrue(e.getMessage().contains("RSA-3072"), e.getMessage());
  }

  @Test
  void builder_invalidValues_rejected() {
    SigstructSigner b = SigstructSigner.newBuilder();
    assertThrows(IllegalArgumentException.class, () -> b.enclaveHash(Bytes.zeros(31)));
    assertThrows(IllegalArgumentException.class, () -> b.date(0x2016010a));
    assertThrows(IllegalArgumentException.class, () -> b.date(0x20160230));
    assertThrows(IllegalArgumentException.class, () -> b.isvProdId(65536));
    assertThrows(IllegalArgumentException.class, () -> b.isvSvn(-1));
    assertThrows(IllegalArgumentException.class, () -> b.vendor(1L << 32));
    assertThrows(IllegalArgumentException.class, () -> b.miscSelect(0, -1));
    assertThrows(IllegalArgumentException.class, () -> b.isvFamilyId(Bytes.zeros(15)));
    assertThrows(IllegalStateException.class, () -> b.sign(generated));
  }
}
