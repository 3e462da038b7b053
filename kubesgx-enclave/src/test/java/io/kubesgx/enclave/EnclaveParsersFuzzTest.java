package io.kubesgx.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.sim.SgxException;
import io.kubesgx.enclave.sim.SimCpu;
import io.kubesgx.enclave.sim.SimEnclave;

/**
 * Fuzzes every parser of the enclave module.
 *
 * <p>Properties: only {@link MalformedInputException} escapes a parser; what parses re-encodes to
 * the exact input ({@code parse(x).toBytes() == x}) and re-parses to an equal value; accepted SGXS
 * images have record counts that add up to the input length and, without unmeasured records, an
 * MRENCLAVE equal to SHA-256 of the input; {@link Sigstruct#verify()} never throws; EGETKEY on any
 * parsed KEYREQUEST either returns a 16-byte key or throws {@link SgxException}; a parsed REPORT's
 * MAC is checked without throwing.
 *
 * <p>Seeds (ours, generated with this module's own builder, signer and simulated CPU; no
 * third-party data) are under {@code EnclaveParsersFuzzTestInputs/<method>/}: SGXS images with
 * measured and unmeasured pages, truncated and UNSIZED streams, a SIGSTRUCT signed with a throwaway
 * key plus flipped/truncated/reserved-byte variants, a simulated REPORT, TARGETINFOs and
 * KEYREQUESTs.
 */
class EnclaveParsersFuzzTest {
  private static final SimCpu CPU = SimCpu.intelSdkSimulation();
  private static final SimEnclave ENCLAVE = new SimEnclave(Bytes.zeros(32), Bytes.zeros(32),
      new Attributes(Attributes.INIT | Attributes.MODE64BIT | Attributes.KSS | Attributes.PROVISIONKEY, 3), 0, 1, 1,
      Bytes.zeros(64), 1, Bytes.zeros(16), Bytes.zeros(16));

  @FuzzTest(maxDuration = "30s")
  void sgxsImageParse(byte[] data) {
    SgxsImage img;
    try {
      img = SgxsImage.parse(Bytes.of(data));
    } catch (MalformedInputException e) {
      return;
    }
    long expected = 64L * (1 + img.eaddCount()) + 320L * (img.eextendCount() + img.unmeasuredCount());
    assertEquals(expected, data.length, "record counts add up to the input length");
    assertTrue(Long.bitCount(img.enclaveSize()) == 1 && img.enclaveSize() >= 4096);
    assertTrue((long) img.eaddCount() * 4096 <= img.enclaveSize(), "pages are added once each");
    if (img.unmeasuredCount() == 0) {
      assertEquals(Bytes.of(data).sha256(), img.mrEnclave(), "an image without UNMEASRD hashes to MRENCLAVE");
    }
  }

  @FuzzTest(maxDuration = "30s")
  void sigstructParseAndVerify(byte[] data) {
    Sigstruct s;
    try {
      s = Sigstruct.parse(Bytes.of(data));
    } catch (MalformedInputException e) {
      return;
    }
    assertEquals(Bytes.of(data), s.toBytes());
    try {
      assertEquals(s, Sigstruct.parse(s.toBytes()));
    } catch (MalformedInputException e) {
      throw new AssertionError("a parsed SIGSTRUCT must re-parse", e);
    }
    s.verify();
    assertEquals(256, s.signedMessage().length());
    assertEquals(32, s.mrSigner().length());
    assertTrue(s.dateIso().length() >= 10);
    assertTrue(s.toString().contains(s.enclaveHash().hex()));
  }

  @FuzzTest(maxDuration = "30s")
  void reportParse(byte[] data) {
    Report r;
    try {
      r = Report.parse(Bytes.of(data));
    } catch (MalformedInputException e) {
      return;
    }
    assertEquals(Bytes.of(data), r.toBytes());
    CPU.verifyReport(ENCLAVE, r);
  }

  @FuzzTest(maxDuration = "30s")
  void targetInfoParse(byte[] data) {
    TargetInfo t;
    try {
      t = TargetInfo.parse(Bytes.of(data));
    } catch (MalformedInputException e) {
      return;
    }
    assertEquals(Bytes.of(data), t.toBytes());
    CPU.ereport(ENCLAVE, t, Bytes.zeros(64));
  }

  @FuzzTest(maxDuration = "30s")
  void keyRequestParse(byte[] data) {
    KeyRequest k;
    try {
      k = KeyRequest.parse(Bytes.of(data));
    } catch (MalformedInputException e) {
      return;
    }
    assertEquals(Bytes.of(data), k.toBytes());
    try {
      assertEquals(16, CPU.egetkey(ENCLAVE, k).length());
    } catch (SgxException e) {
      // A refused request is a valid outcome; only unexpected exceptions are bugs.
      assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
    }
  }
}
