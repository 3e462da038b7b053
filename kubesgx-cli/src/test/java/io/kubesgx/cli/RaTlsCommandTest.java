package io.kubesgx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.sim.pcs.SimPcsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kubesgx ratls cert|verify}: the CLI contract of issue 15, in process, on simulated platforms in temporary directories. */
class RaTlsCommandTest {
  private static final String MRENCLAVE = "ab".repeat(32);

  /** A platform no test changes (scenario switches use their own platform). */
  @TempDir static Path shared;
  static Path platform;

  @TempDir Path tmp;

  @BeforeAll
  static void initPlatform() {
    platform = shared.resolve("platform");
    CliTest.Result r = CliTest.run("sim", "init", "--platform", platform.toString());
    assertEquals(0, r.exit(), r.err());
  }

  /** Files of one issued certificate. */
  record Issued(Path key, Path cert, Path collateral, Path root, CliTest.Result result) {}

  private Issued issue(Path dir, String name, String... extra) {
    Path key = tmp.resolve(name + ".key.pem");
    Path cert = tmp.resolve(name + ".cert.pem");
    Path col = tmp.resolve(name + ".collateral.json");
    Path root = tmp.resolve(name + ".root.der");
    List<String> args = new ArrayList<>(List.of("ratls", "cert", "--platform", dir.toString(), "--key-out", key.toString(),
        "--cert-out", cert.toString(), "--collateral-out", col.toString(), "--root-out", root.toString()));
    args.addAll(List.of(extra));
    CliTest.Result r = CliTest.run(args.toArray(String[]::new));
    return new Issued(key, cert, col, root, r);
  }

  private Issued issueOk(Path dir, String name, String... extra) {
    Issued i = issue(dir, name, extra);
    assertEquals(0, i.result().exit(), i.result().err());
    return i;
  }

  private static CliTest.Result verify(Issued i, String... extra) {
    List<String> args = new ArrayList<>(List.of("ratls", "verify", "--cert", i.cert().toString(), "--collateral",
        i.collateral().toString(), "--root", i.root().toString()));
    args.addAll(List.of(extra));
    return CliTest.run(args.toArray(String[]::new));
  }

  private static JsonObject json(CliTest.Result r) throws Exception {
    return Json.parseObject(r.out().trim());
  }

  private static boolean bool(JsonObject o, String key) throws Exception {
    return ((JsonValue.JsonBool) o.require(key)).value();
  }

  private static X509Certificate readCert(Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private static void assertUserError(CliTest.Result r, String... fragments) {
    assertEquals(Main.USAGE_OR_IO, r.exit(), "exit code; stdout: " + r.out() + " stderr: " + r.err());
    assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "stack trace or class name: " + r.err());
    assertTrue(r.err().strip().lines().count() <= 4, "more than a short message: " + r.err());
    for (String f : fragments) {
      assertTrue(r.err().contains(f), "message lacks '" + f + "': " + r.err());
    }
  }

  @Test
  void certThenVerify_contractCommands_exitZeroWithExtensionBoundKeyAndSimulated() throws Exception {
    Issued i = issueOk(platform, "ok", "--mrenclave", MRENCLAVE);
    assertTrue(i.result().out().contains("SIMULATED"), i.result().out());

    CliTest.Result v = verify(i, "--mrenclave", MRENCLAVE, "--json");
    assertEquals(0, v.exit(), v.out() + v.err());
    JsonObject o = json(v);
    assertTrue(bool(o, "verified"), o.toString());
    assertEquals("dice", o.string("extension"));
    assertTrue(bool(o, "simulated"));
    assertEquals(MRENCLAVE, o.string("mrEnclave"));
    assertEquals("UpToDate", o.string("status"));
    X509Certificate cert = readCert(i.cert());
    JsonObject key = o.object("boundKey");
    assertEquals("EC", key.string("type"));
    assertEquals("P-384", key.string("curve"));
    assertEquals(Bytes.of(MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded())).hex(), key.string("spkiSha256"));
    assertEquals(Bytes.of(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded())).hex(), o.string("certificateSha256"));

    CliTest.Result human = verify(i);
    assertEquals(0, human.exit(), human.out() + human.err());
    assertTrue(human.out().startsWith("VERIFIED RA-TLS certificate (dice extension, SIMULATED platform)"), human.out());
    assertTrue(human.out().contains("MRENCLAVE:       " + MRENCLAVE), human.out());
  }

  @Test
  void cert_keyFile_isOwnerOnlyPkcs8MatchingTheCertificate() throws Exception {
    Issued i = issueOk(platform, "key");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(i.key())));
    String pem = Files.readString(i.key(), StandardCharsets.US_ASCII);
    assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----\n"), pem);
    byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
    PrivateKey k = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    byte[] msg = "proof of possession".getBytes(StandardCharsets.US_ASCII);
    Signature s = Signature.getInstance("SHA384withECDSA");
    s.initSign(k);
    s.update(msg);
    byte[] sig = s.sign();
    Signature check = Signature.getInstance("SHA384withECDSA");
    check.initVerify(readCert(i.cert()).getPublicKey());
    check.update(msg);
    assertTrue(check.verify(sig), "the key file's private key does not match the certificate");
  }

  @Test
  void verify_wrongMrenclave_exitOneAtMeasurementsStep() throws Exception {
    Issued i = issueOk(platform, "wrong", "--mrenclave", MRENCLAVE);
    CliTest.Result v = verify(i, "--mrenclave", "cd".repeat(32), "--json");
    assertEquals(1, v.exit(), v.out() + v.err());
    JsonObject o = json(v);
    assertFalse(bool(o, "verified"));
    assertEquals("VERIFY_ENCLAVE_MEASUREMENTS", o.string("step"));
    assertEquals("MRENCLAVE_MISMATCH", o.string("reason"));
    assertFalse(o.string("message").isBlank());
    assertTrue(o.string("hint").contains("--mrenclave"), o.string("hint"));

    CliTest.Result human = verify(i, "--mrenclave", "cd".repeat(32));
    assertEquals(1, human.exit());
    assertTrue(human.out().startsWith("REJECTED (MRENCLAVE_MISMATCH) at VERIFY_ENCLAVE_MEASUREMENTS"), human.out());
  }

  @Test
  void verify_allowLists_acceptAnyListedValue() throws Exception {
    Issued i = issueOk(platform, "lists", "--mrenclave", MRENCLAVE, "--mrsigner", "ef".repeat(32), "--isv-prod-id", "7",
        "--isv-svn", "3");
    CliTest.Result ok = verify(i, "--mrenclave", "cd".repeat(32), "--mrenclave", MRENCLAVE.toUpperCase(),
        "--mrsigner", "ef".repeat(32), "--isv-prod-id", "7", "--min-isv-svn", "3", "--json");
    assertEquals(0, ok.exit(), ok.out() + ok.err());
    CliTest.Result signer = verify(i, "--mrsigner", "cd".repeat(32), "--json");
    assertEquals(1, signer.exit());
    assertEquals("MRSIGNER_MISMATCH", json(signer).string("reason"));
    CliTest.Result svn = verify(i, "--min-isv-svn", "4", "--json");
    assertEquals(1, svn.exit());
    assertEquals("SVN_TOO_LOW", json(svn).string("reason"));
    CliTest.Result prod = verify(i, "--isv-prod-id", "8", "--json");
    assertEquals(1, prod.exit());
    assertEquals("PRODUCT_ID_MISMATCH", json(prod).string("reason"));
  }

  @Test
  void verify_debugEnclave_refusedAndAcceptedWithTheInsecureKnob() throws Exception {
    Issued i = issueOk(platform, "debug", "--debug");
    CliTest.Result refused = verify(i, "--json");
    assertEquals(1, refused.exit(), refused.out() + refused.err());
    JsonObject o = json(refused);
    assertEquals("VERIFY_ENCLAVE_ATTRS", o.string("step"));
    assertEquals("DEBUG_ENCLAVE", o.string("reason"));

    CliTest.Result allowed = verify(i, "--allow-debug-enclave-insecure", "--json");
    assertEquals(0, allowed.exit(), allowed.out() + allowed.err());
    assertTrue(bool(json(allowed), "debug"));
  }

  @Test
  void verify_outOfDateTcb_refusedAndAcceptedWithTheInsecureKnob() throws Exception {
    Path p = tmp.resolve("outdated-platform");
    assertEquals(0, CliTest.run("sim", "init", "--platform", p.toString()).exit());
    Issued i = issueOk(p, "outdated", "--scenario", "OutOfDate");
    CliTest.Result refused = verify(i, "--json");
    assertEquals(1, refused.exit(), refused.out() + refused.err());
    assertEquals("TCB_STATUS_NOT_ALLOWED", json(refused).string("reason"));
    CliTest.Result allowed = verify(i, "--allow-outdated-tcb-insecure", "--json");
    assertEquals(0, allowed.exit(), allowed.out() + allowed.err());
    assertEquals("OutOfDate", json(allowed).string("status"));
  }

  @Test
  void verify_wrongRoot_exitOneQuoteRejectedUntrustedRoot() throws Exception {
    Issued i = issueOk(platform, "root");
    Path other = tmp.resolve("other-platform");
    assertEquals(0, CliTest.run("sim", "init", "--platform", other.toString()).exit());
    Issued o = issueOk(other, "other");
    CliTest.Result wrong = CliTest.run("ratls", "verify", "--cert", i.cert().toString(), "--collateral", i.collateral().toString(),
        "--root", o.root().toString(), "--json");
    assertEquals(1, wrong.exit(), wrong.out() + wrong.err());
    JsonObject j = json(wrong);
    assertEquals("VERIFY_EXTERNAL", j.string("step"));
    assertEquals("QUOTE_REJECTED", j.string("reason"));
    assertEquals("UNTRUSTED_ROOT", j.string("quoteReason"));

    CliTest.Result intelOnly = CliTest.run("ratls", "verify", "--cert", i.cert().toString(), "--collateral",
        i.collateral().toString(), "--json");
    assertEquals(1, intelOnly.exit(), intelOnly.out() + intelOnly.err());
    assertEquals("UNTRUSTED_ROOT", json(intelOnly).string("quoteReason"));
  }

  @Test
  void verify_withoutCollateral_fetchesFromPcsUrl() throws Exception {
    Issued i = issueOk(platform, "pcs");
    try (SimPcsServer pcs = SimPcsServer.start(platform, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Clock.systemUTC())) {
      CliTest.Result v = CliTest.run("ratls", "verify", "--cert", i.cert().toString(), "--root", i.root().toString(),
          "--pcs-url", pcs.baseUri().toString(), "--json");
      assertEquals(0, v.exit(), v.out() + v.err());
      assertTrue(bool(json(v), "verified"));
    }
  }

  @Test
  void verify_unreachablePcs_exitTwoCollateralUnavailable() throws Exception {
    Issued i = issueOk(platform, "nopcs");
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    CliTest.Result v = CliTest.run("ratls", "verify", "--cert", i.cert().toString(), "--root", i.root().toString(),
        "--pcs-url", "http://127.0.0.1:" + closed, "--json");
    assertEquals(2, v.exit(), v.out() + v.err());
    JsonObject o = json(v);
    assertFalse(bool(o, "verified"));
    assertEquals("VERIFY_EXTERNAL", o.string("step"));
    assertEquals("COLLATERAL_UNAVAILABLE", o.string("reason"));
    assertTrue(o.string("hint").contains("--collateral"), o.string("hint"));
  }

  @Test
  void cert_p256KeyType_isBoundAndReported() throws Exception {
    Issued i = issueOk(platform, "p256", "--key-type", "p256");
    CliTest.Result v = verify(i, "--json");
    assertEquals(0, v.exit(), v.out() + v.err());
    assertEquals("P-256", json(v).object("boundKey").string("curve"));
    assertUserError(issue(platform, "p521", "--key-type", "p521").result(), "--key-type");
  }

  @Test
  void cert_missingPlatform_exitTwoOneLineAndNothingCreated() {
    Path typo = tmp.resolve("plattform");
    Issued i = issue(typo, "typo");
    assertUserError(i.result(), "bin/kubesgx sim init --platform " + typo);
    assertFalse(Files.exists(typo), "the mistyped platform directory was created");
    assertFalse(Files.exists(i.key()) || Files.exists(i.cert()) || Files.exists(i.collateral()) || Files.exists(i.root()));
  }

  @Test
  void cert_existingOutput_refusedWithoutForce() throws Exception {
    Issued first = issueOk(platform, "again");
    byte[] before = Files.readAllBytes(first.cert());
    Issued second = issue(platform, "again");
    assertUserError(second.result(), "already exists", "--force");
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(first.cert())), "the refused command changed the certificate");
    Issued forced = issueOk(platform, "again", "--force");
    assertFalse(java.util.Arrays.equals(before, Files.readAllBytes(forced.cert())), "a fresh key makes a new certificate");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(forced.key())));
  }

  @Test
  void cert_validityOptions_setTheDatesAndMustIncludeNow() throws Exception {
    Issued i = issueOk(platform, "dates", "--not-before", "2024-01-01T00:00:00Z", "--not-after", "2099-12-31T23:59:59Z");
    X509Certificate c = readCert(i.cert());
    assertEquals(java.time.Instant.parse("2024-01-01T00:00:00Z"), c.getNotBefore().toInstant());
    assertEquals(java.time.Instant.parse("2099-12-31T23:59:59Z"), c.getNotAfter().toInstant());
    X509Certificate gramine = readCert(issueOk(platform, "default-dates").cert());
    assertEquals(java.time.Instant.parse("2001-01-01T00:00:00Z"), gramine.getNotBefore().toInstant());
    assertEquals(java.time.Instant.parse("2030-12-31T23:59:59Z"), gramine.getNotAfter().toInstant());
    Issued past = issue(platform, "past", "--not-before", "2010-01-01T00:00:00Z", "--not-after", "2020-01-01T00:00:00Z");
    assertUserError(past.result(), "validity");
    assertFalse(Files.exists(past.cert()));
    assertUserError(issue(platform, "reversed", "--not-before", "2030-01-01T00:00:00Z", "--not-after", "2029-01-01T00:00:00Z").result(),
        "--not-before", "--not-after");
  }

  @Test
  void cert_outputInMissingDirectory_exitTwoAndNotCreated() {
    Path dir = tmp.resolve("no-such-dir");
    CliTest.Result r = CliTest.run("ratls", "cert", "--platform", platform.toString(), "--key-out", dir.resolve("k.pem").toString(),
        "--cert-out", tmp.resolve("c.pem").toString());
    assertUserError(r, "does not exist");
    assertFalse(Files.exists(dir));
    assertFalse(Files.exists(tmp.resolve("c.pem")));
  }

  @Test
  void verify_garbageOrMissingCertFile_exitTwoOneLine() throws Exception {
    Path garbage = Files.writeString(tmp.resolve("garbage.pem"), "not a certificate\n");
    assertUserError(CliTest.run("ratls", "verify", "--cert", garbage.toString()), "--cert", "not an X.509 certificate");
    CliTest.Result j = CliTest.run("ratls", "verify", "--cert", garbage.toString(), "--json");
    assertEquals(2, j.exit());
    assertFalse(bool(json(j), "verified"));
    assertUserError(CliTest.run("ratls", "verify", "--cert", tmp.resolve("absent.pem").toString()), "not found");
    Issued i = issueOk(platform, "keyascert");
    assertUserError(CliTest.run("ratls", "verify", "--cert", i.key().toString()), "--cert");
  }

  @Test
  void verify_x509WithoutEvidence_exitOneNoEvidence() throws Exception {
    Issued i = issueOk(platform, "plain");
    // The simulation root is a valid X.509 certificate (DER) without RA-TLS extensions.
    CliTest.Result v = CliTest.run("ratls", "verify", "--cert", i.root().toString(), "--collateral", i.collateral().toString(),
        "--root", i.root().toString(), "--json");
    assertEquals(1, v.exit(), v.out() + v.err());
    JsonObject o = json(v);
    assertEquals("EXTRACT_QUOTE", o.string("step"));
    assertEquals("NO_EVIDENCE", o.string("reason"));
  }

  @Test
  void verify_usageMistakes_exitTwoWithoutStackTrace() throws Exception {
    Issued i = issueOk(platform, "usage");
    assertUserError(CliTest.run("ratls", "verify", "--cert", i.cert().toString(), "--bogus"), "--bogus");
    assertUserError(CliTest.run("ratls", "cert", "--platform", platform.toString(), "--key-out", "k", "--cert-out", "c", "--nope"), "--nope");
    assertUserError(verify(i, "--mrenclave", "xyz"), "--mrenclave");
    assertUserError(verify(i, "--mrenclave", "ab"), "--mrenclave", "32 bytes");
    assertUserError(verify(i, "--isv-prod-id", "70000"), "--isv-prod-id");
    assertUserError(verify(i, "--pcs-url", "http://127.0.0.1:1"), "--collateral", "--pcs-url");
    assertUserError(CliTest.run("ratls", "verify", "--cert", i.cert().toString(), "--pcs-url", "ftp://x"), "--pcs-url");
    assertUserError(verify(i, "--at", "yesterday"), "time");
    Path same = tmp.resolve("same.pem");
    assertUserError(CliTest.run("ratls", "cert", "--platform", platform.toString(), "--key-out", same.toString(), "--cert-out",
        same.toString()), "given twice");
    assertFalse(Files.exists(same));
    Path notCollateral = Files.writeString(tmp.resolve("c.json"), "{}");
    assertUserError(CliTest.run("ratls", "verify", "--cert", i.cert().toString(), "--collateral", notCollateral.toString()),
        "--collateral");
  }

  @Test
  void cert_opensslX509_parsesBothExtensions() throws Exception {
    Issued i = issueOk(platform, "openssl");
    Process p;
    try {
      p = new ProcessBuilder("openssl", "x509", "-in", i.cert().toString(), "-text", "-noout").redirectErrorStream(true).start();
    } catch (IOException e) {
      System.out.println("SKIPPED cert_opensslX509_parsesBothExtensions: openssl is not installed (" + e.getMessage() + ")");
      Assumptions.abort("openssl is not installed");
      return;
    }
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), text);
    assertTrue(text.contains("2.23.133.5.4.9"), text);
    assertTrue(text.contains("0.6.9.42.840.113741.1337.6"), text);
    assertTrue(text.contains("CN = RATLS") || text.contains("CN=RATLS"), text);
    assertTrue(text.contains("ecdsa-with-SHA256"), text);
    assertTrue(text.contains("P-384") || text.contains("secp384r1"), text);
  }

  @Test
  void verify_derCertificate_isAcceptedLikePem() throws Exception {
    Issued i = issueOk(platform, "der");
    Path der = tmp.resolve("cert.der");
    Files.write(der, readCert(i.cert()).getEncoded());
    CliTest.Result v = CliTest.run("ratls", "verify", "--cert", der.toString(), "--collateral", i.collateral().toString(),
        "--root", i.root().toString());
    assertEquals(0, v.exit(), v.out() + v.err());
  }
}
