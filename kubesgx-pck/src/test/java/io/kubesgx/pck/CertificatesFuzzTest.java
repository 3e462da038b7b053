package io.kubesgx.pck;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.MalformedInputException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Fuzzes {@link Certificates#parseAll} and, on success, chain ordering and SGX extension parsing of
 * the result: only MalformedInputException may escape.
 */
class CertificatesFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void parseAll_anyBytes_onlyMalformedInputEscapes(byte[] data) {
    List<X509Certificate> certs;
    try {
      certs = Certificates.parseAll(data);
    } catch (MalformedInputException expected) {
      return;
    }
    try {
      CertificateChains.orderLeafFirst(certs);
    } catch (MalformedInputException expected) {
      // fine
    }
    for (X509Certificate c : certs) {
      try {
        SgxExtensionParser.parse(c);
      } catch (MalformedInputException expected) {
        // fine
      }
      try {
        CertificateInfo.commonName(c.getSubjectX500Principal());
      } catch (MalformedInputException expected) {
        // fine
      }
      PckCa.fromIssuer(c.getIssuerX500Principal());
    }
  }
}
