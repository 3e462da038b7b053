package io.kubesgx.quote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.util.Arrays;

/**
 * Fuzzes {@link QuoteParser#parse(byte[], TrailingDataPolicy)} once per trailing-data policy.
 *
 * <p>Properties: only {@link MalformedInputException} escapes; an accepted quote is
 * self-consistent (the signed region is the input prefix up to the end of the body, {@code
 * quoteLength + trailingLength} is the input length, every signature-data field has its fixed
 * size); the policies are nested (STRICT accepts a subset of ZERO_PADDING, which accepts a subset
 * of INSECURE_LENIENT, with identical results on the quote part); and re-parsing the exact quote
 * part under STRICT gives the same quote.
 *
 * <p>Seeds (hand-made, under {@code QuoteParserFuzzTestInputs/<method>/}): synthetic v3, v4 and v5
 * quotes (SGX, TD 1.0, TD 1.5 bodies) with consistent declared lengths and a minimal PEM payload,
 * plus truncated, zero-padded, garbage-trailed, nested-type-6, wrong-v5-body-size, unknown-version
 * and oversized-length variants. No third-party vector is copied.
 */
class QuoteParserFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void parseStrict(byte[] data) {
    check(data, TrailingDataPolicy.STRICT);
  }

  @FuzzTest(maxDuration = "60s")
  void parseZeroPadding(byte[] data) {
    check(data, TrailingDataPolicy.ZERO_PADDING);
  }

  @FuzzTest(maxDuration = "60s")
  void parseInsecureLenient(byte[] data) {
    check(data, TrailingDataPolicy.INSECURE_LENIENT);
  }

  private static void check(byte[] data, TrailingDataPolicy policy) {
    Quote q = parseOrNull(data, policy);
    if (q == null) {
      // Nesting: a stricter policy cannot accept what a laxer one rejects.
      for (TrailingDataPolicy stricter : TrailingDataPolicy.values()) {
        if (stricter.ordinal() < policy.ordinal() && parseOrNull(data, stricter) != null) {
          throw new AssertionError(stricter + " accepted what " + policy + " rejected");
        }
      }
      return;
    }
    checkConsistent(data, q, policy);
    for (TrailingDataPolicy laxer : TrailingDataPolicy.values()) {
      if (laxer.ordinal() > policy.ordinal()) {
        Quote l = parseOrNull(data, laxer);
        if (l == null) {
          throw new AssertionError(laxer + " rejected what " + policy + " accepted");
        }
        assertEquals(q, l, "the policy only decides about trailing bytes");
      }
    }
    Quote exact = parseOrNull(Arrays.copyOf(data, q.quoteLength()), TrailingDataPolicy.STRICT);
    if (exact == null) {
      throw new AssertionError("the quote part without its trailing bytes does not parse strictly");
    }
    assertEquals(q.header(), exact.header());
    assertEquals(q.body(), exact.body());
    assertEquals(q.signedRegion(), exact.signedRegion());
    assertEquals(q.signatureData(), exact.signatureData());
    assertEquals(0, exact.trailingLength());
  }

  private static Quote parseOrNull(byte[] data, TrailingDataPolicy policy) {
    try {
      return QuoteParser.parse(data, policy);
    } catch (MalformedInputException e) {
      return null;
    }
  }

  private static void checkConsistent(byte[] data, Quote q, TrailingDataPolicy policy) {
    assertEquals(data.length, q.quoteLength() + q.trailingLength(), "quote + trailing = input");
    int signedEnd = q.signedRegion().length();
    assertArrayEquals(Arrays.copyOf(data, signedEnd), q.signedRegion().toByteArray(), "signed region is the prefix");
    int version = q.header().version();
    assertTrue(version >= 3 && version <= 5, "version " + version);
    int bodyStart = QuoteHeader.SIZE + (version == 5 ? 6 : 0);
    assertEquals(signedEnd - bodyStart, q.body().raw().length(), "the body ends the signed region");
    assertArrayEquals(Arrays.copyOfRange(data, bodyStart, signedEnd), q.body().raw().toByteArray());
    assertEquals(64, q.body().reportData().length());
    QuoteSignatureData sd = q.signatureData();
    assertEquals(64, sd.quoteSignature().length());
    assertEquals(64, sd.attestationKey().length());
    assertEquals(64, sd.qeReportSignature().length());
    assertEquals(EnclaveReportBody.SIZE, sd.qeReport().raw().length());
    assertTrue(sd.certificationData().type() != CertificationData.QE_REPORT, "type 6 never surfaces as inner data");
    assertEquals(version != 3, sd.outerCertificationType().isPresent());
    switch (policy) {
      case STRICT:
        assertEquals(0, q.trailingLength());
        break;
      case ZERO_PADDING:
        assertTrue(Bytes.of(data, q.quoteLength(), q.trailingLength()).isAllZero(), "trailing bytes are zero");
        break;
      default:
        break;
    }
    // The accessors a verifier and the CLI use must not throw on any accepted quote.
    q.teeType();
    q.header().teeType();
    q.header().isIntelQeVendor();
    sd.certificationData().typeName();
    sd.certificationData().ppidInfo();
    if (q.body() instanceof EnclaveReportBody) {
      EnclaveReportBody b = (EnclaveReportBody) q.body();
      b.isDebug();
      b.miscSelectBytes();
    } else {
      TdReportBody b = (TdReportBody) q.body();
      b.isDebug();
      assertEquals(b.isTd15(), b.teeTcbSvn2().isPresent());
    }
  }
}
