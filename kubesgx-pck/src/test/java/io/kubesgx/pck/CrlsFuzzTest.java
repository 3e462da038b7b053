package io.kubesgx.pck;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.MalformedInputException;
import java.security.cert.X509CRL;

/** Fuzzes {@link Crls#parse}: only MalformedInputException may escape. */
class CrlsFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void parse_anyBytes_onlyMalformedInputEscapes(byte[] data) {
    try {
      X509CRL crl = Crls.parse(data);
      Crls.hasRequiredExtensions(crl);
      PckCa.fromIssuer(crl.getIssuerX500Principal());
    } catch (MalformedInputException expected) {
      // the only allowed failure
    }
  }
}
