package io.kubesgx.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.enclave.Sigstruct;
import io.kubesgx.enclave.SigstructSigner;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnclaveCommandTest {
  private static final Path M =
      Path.of(System.getProperty("kubesgx.shared", "../shared"), "vectors", "measurement");
  private static final String SIG1_HASH = "c50673624a6cb17c1c6c2a4e6906f47a170c4629b8723781d1017ef376f1a75d";

  @TempDir Path tmp;

  static CliTest.Result run(String... args) {
    return CliTest.run(args);
  }

  static String v(String name) {
    Assumptions.assumeTrue(Files.isDirectory(M),
        "shared measurement vectors absent at " + M.toAbsolutePath() + " — enclave CLI vector tests skipped");
    return M.resolve(name).toString();
  }

  @Test
  void measure_fortanixTestEnclave_printsMrEnclaveAndCounts() {
    CliTest.Result r = run("enclave", "measure", v("fortanix_test_enclave.sgxs"));
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("MRENCLAVE: 784acfd7d5096a8f0fbd3265760bff21b120f62407a9a9e5ba31aa3c8ed198fc"), r.out());
    assertTrue(r.out().contains("size 262144 bytes (0x40000), SSA frame size 1 page(s)"), r.out());
    assertTrue(r.out().contains("1 ECREATE, 9 EADD, 144 EEXTEND, 0 UNMEASRD"), r.out());
  }

  @Test
  void measure_json_contractFields() throws Exception {
    CliTest.Result r = run("enclave", "measure", v("fortanix_report_test.sgxs"), "--json");
    assertEquals(0, r.exit(), r.err());
    JsonObject o = Json.parseObject(r.out().trim());
    assertEquals("a06a560b26f5e397b2d7872fac66fe4b43bf4f507296ee048f110be6fb1a2290", o.string("mrEnclave"));
    assertEquals(16384, o.integer("enclaveSize"));
    assertEquals(1, o.integer("ssaFrameSizePages"));
    assertEquals(3, o.object("records").integer("EADD"));
    assertEquals(48, o.object("records").integer("EEXTEND"));
  }

  @Test
  void measure_malformedOrMissing_exitTwoWithMessage() throws Exception {
    Path bad = tmp.resolve("bad.sgxs");
    Files.write(bad, new byte[100]);
    CliTest.Result r = run("enclave", "measure", bad.toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("malformed SGXS image"), r.err());
    r = run("enclave", "measure", tmp.resolve("missing.sgxs").toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("cannot read"), r.err());
  }

  @Test
  void sign_sig1Options_reproducesFortanixSigstruct() throws Exception {
    Path out = tmp.resolve("sig1.bin");
    CliTest.Result r = run("enclave", "sign", "--key", v("fortanix_sig1.TEST-ONLY-key.pem"), "--enclave-hash", SIG1_HASH,
        "--xfrm", "3/0xe4", "--date", "20160109", "--out", out.toString());
    assertEquals(0, r.exit(), r.err());
    assertArrayEquals(Files.readAllBytes(Path.of(v("fortanix_sig1.sigstruct.bin"))), Files.readAllBytes(out));
    assertTrue(r.out().contains("MRSIGNER:    83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e"), r.out());
    assertTrue(r.out().contains("known test signer"), r.out());
  }

  @Test
  void sign_fromImageWithOptions_fieldsAsRequested() throws Exception {
    Path key = tmp.resolve("k.pem");
    assertEquals(0, run("enclave", "keygen", "--out", key.toString()).exit());
    Path out = tmp.resolve("sig.bin");
    CliTest.Result r = run("enclave", "sign", "--key", key.toString(), "--image", v("fortanix_test_enclave.sgxs"),
        "--out", out.toString(), "--isvprodid", "0x10", "--isvsvn", "3", "--debug", "--vendor", "0x8086",
        "--swdefined", "7", "--miscselect", "1/0xfffffffe", "--date", "20240229");
    assertEquals(0, r.exit(), r.err());
    assertFalse(r.out().contains("known test signer"), r.out());
    Sigstruct s = Sigstruct.parse(Bytes.of(Files.readAllBytes(out)));
    assertEquals("784acfd7d5096a8f0fbd3265760bff21b120f62407a9a9e5ba31aa3c8ed198fc", s.enclaveHash().hex());
    assertEquals(16, s.isvProdId());
    assertEquals(3, s.isvSvn());
    assertEquals(0x8086, s.vendor());
    assertEquals(7, s.swDefined());
    assertEquals(1, s.miscSelect());
    assertEquals(1, s.miscMask());
    assertEquals(0x6, s.attributes().flags(), "MODE64BIT | DEBUG");
    assertEquals(~0x2L, s.attributeMask().flags(), "--debug keeps DEBUG out of the mask");
    assertEquals(3, s.attributes().xfrm());
    assertEquals(~0x3L, s.attributeMask().xfrm());
    assertEquals("2024-02-29", s.dateIso());
    assertFalse(s.isDebugSigned(), "--debug sets the DEBUG attribute, as sgxs-sign -d; TYPE stays production");
    assertTrue(s.verify().ok());
    assertEquals(SigstructSigner.mrSigner(SigstructSigner.readPrivateKeyPem(Files.readString(key))), s.mrSigner());
  }

  @Test
  void sign_usageErrors_exitTwo() throws Exception {
    String key = v("fortanix_sig1.TEST-ONLY-key.pem");
    String out = tmp.resolve("x").toString();
    assertEquals(2, run("enclave", "sign", "--key", key, "--out", out).exit(), "neither --image nor --enclave-hash");
    CliTest.Result r = run("enclave", "sign", "--key", key, "--out", out, "--enclave-hash", "abcd");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("64 hex digits"), r.err());
    r = run("enclave", "sign", "--key", key, "--out", out, "--enclave-hash", SIG1_HASH, "--date", "2016-01-09");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("YYYYMMDD"), r.err());
    r = run("enclave", "sign", "--key", key, "--out", out, "--enclave-hash", SIG1_HASH, "--isvsvn", "70000");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("--isvsvn"), r.err());
    r = run("enclave", "sign", "--key", key, "--out", out, "--enclave-hash", SIG1_HASH, "--xfrm", "three");
    assertEquals(2, r.exit());
    Path notKey = tmp.resolve("nokey.pem");
    Files.writeString(notKey, "hello");
    r = run("enclave", "sign", "--key", notKey.toString(), "--out", out, "--enclave-hash", SIG1_HASH);
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("key file"), r.err());
  }

  @Test
  void show_validSigstruct_fieldsAndExitZero() {
    CliTest.Result r = run("enclave", "show", v("fortanix_test_enclave.sig"));
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("VALID SIGSTRUCT"), r.out());
    assertTrue(r.out().contains("fb4bab3d6036ac1d730fa83d7366df1dd2dfeac194ef335d6854d8a6c6475542"), r.out());
    assertTrue(r.out().contains("ISVPRODID:     65535"), r.out());
    assertTrue(r.out().contains("2016-12-14"), r.out());
    assertFalse(r.out().contains("known test signer"), r.out());
  }

  @Test
  void show_knownTestSignerJson_warns() throws Exception {
    CliTest.Result r = run("enclave", "show", v("fortanix_sig1.sigstruct.bin"), "--json");
    assertEquals(0, r.exit(), r.err());
    JsonObject o = Json.parseObject(r.out().trim());
    assertEquals(true, ((JsonValue.JsonBool) o.require("knownTestSigner")).value());
    assertEquals(true, ((JsonValue.JsonBool) o.require("valid")).value());
    assertEquals("83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e", o.string("mrSigner"));
    assertEquals("0xffffffffffffff1b", o.object("attributeMask").string("xfrm"));
    assertEquals(1, o.array("warnings").size());
    CliTest.Result human = run("enclave", "show", v("fortanix_sig1.sigstruct.bin"));
    assertTrue(human.out().contains("WARNING: MRSIGNER is the known test signer"), human.out());
  }

  @Test
  void show_invalidSignature_exitOne_malformed_exitTwo() throws Exception {
    byte[] b = Files.readAllBytes(Path.of(v("fortanix_test_enclave.sig")));
    b[1026] ^= 1; // ISVSVN is signed
    Path bad = tmp.resolve("bad.sig");
    Files.write(bad, b);
    CliTest.Result r = run("enclave", "show", bad.toString());
    assertEquals(1, r.exit(), r.out());
    assertTrue(r.out().startsWith("INVALID SIGSTRUCT"), r.out());
    Path shortFile = tmp.resolve("short.sig");
    Files.write(shortFile, new byte[1000]);
    r = run("enclave", "show", shortFile.toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("exactly 1808"), r.err());
    assertEquals(2, run("enclave", "show", tmp.resolve("none").toString()).exit());
  }

  @Test
  void keygen_writesPkcs8Rsa3072Exponent3WithMode0600() throws Exception {
    Path key = tmp.resolve("signing.pem");
    CliTest.Result r = run("enclave", "keygen", "--out", key.toString());
    assertEquals(0, r.exit(), r.err());
    String pem = Files.readString(key);
    assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----"), pem);
    var k = SigstructSigner.readPrivateKeyPem(pem);
    assertEquals(3072, k.getModulus().bitLength());
    assertEquals(java.math.BigInteger.valueOf(3), k.getPublicExponent());
    assertTrue(r.out().contains(SigstructSigner.mrSigner(k).hex()), r.out());
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    }
    CliTest.Result again = run("enclave", "keygen", "--out", key.toString());
    assertEquals(2, again.exit());
    assertTrue(again.err().contains("already exists"), again.err());
    assertEquals(0, run("enclave", "keygen", "--out", key.toString(), "--force").exit());
  }
}
