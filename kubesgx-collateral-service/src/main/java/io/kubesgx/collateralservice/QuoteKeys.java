package io.kubesgx.collateralservice;

import io.kubesgx.collateralservice.CollateralException.Reason;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.pck.CertificateChains;
import io.kubesgx.pck.Certificates;
import io.kubesgx.pck.PckCa;
import io.kubesgx.pck.SgxExtensionParser;
import io.kubesgx.pck.SgxExtensions;
import io.kubesgx.quote.CertificationData;
import java.security.cert.X509Certificate;
import java.util.List;

/** Derives the FMSPC and PCK CA of a quote from the PCK certificate in its certification data. */
final class QuoteKeys {
  /** What the collateral key needs from a PCK certificate. */
  record PckInfo(Bytes fmspc, PckCa ca) {}

  /**
   * A map key for certification data whose hash samples at most about 64 bytes (a PCK chain is
   * about 4 KiB and hashing all of it dominated warm lookups); equality still compares every byte.
   */
  static final class DataKey {
    private static final int SAMPLES = 64;
    private final int type;
    private final Bytes data;
    private final int hash;

    private DataKey(int type, Bytes data, int hash) {
      this.type = type;
      this.data = data;
      this.hash = hash;
    }

    static DataKey of(CertificationData cd) {
      Bytes d = cd.data();
      int n = d.length();
      int h = 31 * cd.type() + n;
      int step = Math.max(1, n / SAMPLES);
      for (int i = n - 1; i >= 0; i -= step) {
        h = 31 * h + d.get(i);
      }
      return new DataKey(cd.type(), d, h);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof DataKey k && k.hash == hash && k.type == type && k.data.equals(data);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private QuoteKeys() {}

  /**
   * Reads the PCK leaf from certification data type 5 (chain; the v4/v5 type-6 wrapper is already
   * unwrapped by the quote parser) or type 4 (leaf only).
   *
   * @throws CollateralException NO_PCK_CERTIFICATE for PPID-only quotes, MALFORMED_QUOTE otherwise
   */
  static PckInfo pckInfo(CertificationData cd) throws CollateralException {
    X509Certificate leaf;
    try {
      if (cd.type() == CertificationData.PCK_CHAIN) {
        leaf = CertificateChains.orderLeafFirst(Certificates.parseAll(cd.data().toByteArray())).get(0);
      } else if (cd.type() == CertificationData.PCK_LEAF) {
        List<X509Certificate> certs = Certificates.parseAll(cd.data().toByteArray());
        if (certs.size() != 1) {
          throw new MalformedInputException("certification data type 4 must hold exactly one certificate, got " + certs.size());
        }
        leaf = certs.get(0);
      } else {
        throw new CollateralException(Reason.NO_PCK_CERTIFICATE,
            "the quote identifies its platform by " + cd.typeName() + " (certification data type " + cd.type()
                + ") and carries no PCK certificate, so its FMSPC is unknown; configure the quote provider to embed"
                + " the PCK certificate chain (type 5, the DCAP default with a PCCS) or call collateralFor(CollateralKey)");
      }
    } catch (MalformedInputException e) {
      throw new CollateralException(Reason.MALFORMED_QUOTE,
          "the quote's PCK certificate data (" + cd.typeName() + ") is malformed: " + e.getMessage(), e);
    }
    SgxExtensions ext;
    try {
      ext = SgxExtensionParser.parse(leaf);
    } catch (MalformedInputException e) {
      throw new CollateralException(Reason.MALFORMED_QUOTE,
          "the quote's PCK certificate has no usable SGX extension: " + e.getMessage(), e);
    }
    PckCa ca = PckCa.fromIssuer(leaf.getIssuerX500Principal())
        .orElseThrow(() -> new CollateralException(Reason.MALFORMED_QUOTE,
            "the quote's PCK certificate is issued by " + leaf.getIssuerX500Principal().getName()
                + ", neither a PCK Processor CA nor a PCK Platform CA"));
    return new PckInfo(ext.fmspc(), ca);
  }
}
