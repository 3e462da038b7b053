package io.kubesgx.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.CollateralLoader;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.quote.QuoteSignatureData;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes {@link QuoteVerifier#verify} with fuzzed quote bytes against fixed real collateral
 * (phala-sgx-v3 and phala-tdx-v4 from the shared vectors, at their stated times, CRLs required).
 *
 * <p>Properties: only {@link AttestationException} escapes; a quote that verifies has exactly the
 * signed parts of the real quote its collateral belongs to (header and body, quote signature,
 * attestation key, QE report and its signature, QE authentication data), the same platform
 * identity and no better status. The certification data may differ where the mutation test
 * documents it is not covered by any signature (PEM whitespace, the unchecked root certificate).
 *
 * <p>{@link #verifyRawBytes} takes the input as the quote; {@link #verifyEditedRealQuote} reads an
 * edit script (flip, set, truncate, insert) from the input and applies it to a real quote, which
 * reaches the signature and TCB stages that random bytes never reach. The real quotes are read from
 * {@code ../shared/vectors} at run time (never copied into the tree); the test is skipped when the
 * folder is absent. Seeds are hand-made: synthetic headers and bodies for the raw target, short
 * edit scripts for the other.
 */
class QuoteVerifierFuzzTest {
  private static final QuoteVerifier VERIFIER = QuoteVerifier.newBuilder().build();

  /** A real quote with its collateral, evaluation time and verified baseline. */
  record Real(byte[] quote, Quote parsed, Collateral collateral, Instant at, VerifiedQuote baseline) {}

  /** Loaded once; null when the shared vectors are absent. */
  private static final class Reals {
    static final List<Real> ALL = load();

    private static List<Real> load() {
      CryptoProviders.installPreferred();
      try {
        return List.of(
            real("phala-dcap-qvl/sgx_quote", "phala-dcap-qvl/sgx_quote_collateral.json", 1752919277L),
            real("phala-dcap-qvl/tdx_quote", "phala-dcap-qvl/tdx_quote_collateral.json", 1752919234L));
      } catch (Exception e) {
        return null;
      }
    }

    private static Real real(String quote, String collateral, long at) throws Exception {
      byte[] q = Vectors.quote(quote);
      Collateral c = CollateralLoader.fromDcapQvlJson(Vectors.text(collateral));
      Instant t = Instant.ofEpochSecond(at);
      return new Real(q, QuoteParser.parse(q), c, t, VERIFIER.verify(q, c, t));
    }
  }

  private static List<Real> reals() {
    Vectors.assumePresent();
    if (Reals.ALL == null) {
      throw new IllegalStateException("the shared vectors are present but the real quotes do not load or verify");
    }
    return Reals.ALL;
  }

  @FuzzTest(maxDuration = "60s")
  void verifyRawBytes(byte[] data) {
    Real r = reals().get(0);
    check(r, data);
  }

  @FuzzTest(maxDuration = "60s")
  void verifyEditedRealQuote(FuzzedDataProvider d) {
    Real r = reals().get(d.consumeBoolean() ? 1 : 0);
    byte[] q = r.quote().clone();
    int edits = d.consumeInt(0, 6);
    for (int k = 0; k < edits && q.length > 0; k++) {
      int op = d.consumeInt(0, 4);
      int at = d.consumeInt(0, q.length - 1);
      switch (op) {
        case 0:
          q[at] ^= (byte) (1 << d.consumeInt(0, 7));
          break;
        case 1:
          q[at] = d.consumeByte();
          break;
        case 2:
          q = Arrays.copyOf(q, at);
          break;
        case 3:
          byte[] ins = d.consumeBytes(d.consumeInt(1, 8));
          byte[] n = new byte[q.length + ins.length];
          System.arraycopy(q, 0, n, 0, at);
          System.arraycopy(ins, 0, n, at, ins.length);
          System.arraycopy(q, at, n, at + ins.length, q.length - at);
          q = n;
          break;
        default:
          // Overwrite a 4-byte little-endian field (lengths, types) with a fuzzed value.
          int v = d.consumeInt();
          for (int i = 0; i < 4 && at + i < q.length; i++) {
            q[at + i] = (byte) (v >>> (8 * i));
          }
          break;
      }
    }
    check(r, q);
  }

  private static void check(Real r, byte[] quote) {
    VerifiedQuote v;
    try {
      v = VERIFIER.verify(quote, r.collateral(), r.at());
    } catch (AttestationException expected) {
      return;
    }
    Quote got = v.quote();
    QuoteSignatureData a = got.signatureData();
    QuoteSignatureData b = r.parsed().signatureData();
    assertEquals(r.parsed().signedRegion(), got.signedRegion(), "signed region");
    assertEquals(b.quoteSignature(), a.quoteSignature(), "quote signature");
    assertEquals(b.attestationKey(), a.attestationKey(), "attestation key");
    assertEquals(b.qeReport(), a.qeReport(), "QE report");
    assertEquals(b.qeReportSignature(), a.qeReportSignature(), "QE report signature");
    assertEquals(b.qeAuthData(), a.qeAuthData(), "QE auth data");
    assertEquals(r.baseline().fmspc(), v.fmspc(), "FMSPC");
    assertEquals(r.baseline().pceId(), v.pceId(), "PCE-ID");
    assertEquals(r.baseline().pck().tcbComponents(), v.pck().tcbComponents(), "PCK TCB components");
    assertTrue(v.status().ordinal() >= r.baseline().status().ordinal(), "status " + v.status());
  }
}
