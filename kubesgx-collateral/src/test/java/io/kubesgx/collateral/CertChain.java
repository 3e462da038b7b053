package io.kubesgx.collateral;

import io.kubesgx.collateral.internal.Encodings;
import io.kubesgx.common.Bytes;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

/** Test helper reading PEM chains from vector files. */
final class CertChain {
  private CertChain() {}

  static List<Bytes> read(Path p) throws Exception {
    return Encodings.nonEmptyCertificatesFromPem(Files.readString(p), p.toString());
  }

  static Bytes first(Path p) throws Exception {
    return read(p).get(0);
  }

  /** Returns the first certificate that is not self-issued (the signer in a root-first file). */
  static Bytes nonRoot(Path p) throws Exception {
    for (Bytes b : read(p)) {
      X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(b.toByteArray()));
      if (!c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
        return b;
      }
    }
    throw new AssertionError("no non-root certificate in " + p);
  }
}
