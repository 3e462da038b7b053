package io.kubesgx.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.crypto.Ecdsa;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.pck.CertificateChains;
import io.kubesgx.pck.Certificates;
import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.QuoteParser;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The quotes of {@code ../shared/vectors/measurement/} have no collateral; their index states the
 * cryptographic checks that must hold (quote signature, QE report data binding, QE report
 * signature under the PCK leaf). This test runs each stated check with the same primitives the
 * verifier uses and checks the stated header and identity fields.
 */
class MeasurementQuotesTest {
  @Test
  void statedChecks_everyMeasurementQuote_hold() throws Exception {
    JsonObject index = io.kubesgx.common.json.Json.parseObject(Vectors.text("measurement/expected.json"));
    List<String> failures = new ArrayList<>();
    int quotes = 0;
    for (Map.Entry<String, JsonValue> e : index.members().entrySet()) {
      if (!e.getKey().contains("quote")) {
        continue;
      }
      quotes++;
      String name = e.getKey();
      JsonObject exp = (JsonObject) e.getValue();
      Quote q = QuoteParser.parse(Vectors.quote("measurement/" + name));
      EnclaveReportBody app = (EnclaveReportBody) q.body();
      EnclaveReportBody qe = q.signatureData().qeReport();
      check(failures, name, "qe_svn", exp, q.header().qeSvn());
      check(failures, name, "pce_svn", exp, q.header().pceSvn());
      check(failures, name, "cert_data_type", exp, q.signatureData().certificationData().type());
      if (exp.has("app_mrenclave") && !exp.string("app_mrenclave").equals(app.mrEnclave().hex())) {
        failures.add(name + ": mrenclave " + app.mrEnclave().hex());
      }
      if (exp.has("qe_mrsigner") && !exp.string("qe_mrsigner").equals(qe.mrSigner().hex())) {
        failures.add(name + ": qe mrsigner " + qe.mrSigner().hex());
      }
      PublicKey att = Ecdsa.publicKeyFromXy(q.signatureData().attestationKey());
      if (!Ecdsa.verifyP1363(att, q.signedRegion().toByteArray(), q.signatureData().quoteSignature())) {
        failures.add(name + ": quote signature");
      }
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(q.signatureData().attestationKey().toByteArray());
      md.update(q.signatureData().qeAuthData().toByteArray());
      if (!qe.reportData().slice(0, 32).equals(Bytes.of(md.digest())) || !qe.reportData().slice(32, 64).isAllZero()) {
        failures.add(name + ": QE report data binding");
      }
      X509Certificate leaf = null;
      if (q.signatureData().certificationData().type() == 5) {
        leaf = CertificateChains.orderLeafFirst(Certificates.parseAll(q.signatureData().certificationData().data().toByteArray())).get(0);
      } else if (name.startsWith("intel_qvl")) {
        leaf = Certificates.parseAll(Vectors.bytes("measurement/intel_qvl_sample_pckCert.pem")).get(0);
      }
      if (leaf != null && !Ecdsa.verifyP1363(leaf.getPublicKey(), qe.raw().toByteArray(), q.signatureData().qeReportSignature())) {
        failures.add(name + ": QE report signature under the PCK leaf");
      }
    }
    assertEquals(List.of(), failures);
    assertTrue(quotes >= 4, "measurement quotes found: " + quotes);
  }

  private static void check(List<String> failures, String name, String key, JsonObject exp, long actual) throws Exception {
    if (exp.has(key) && exp.integer(key) != actual) {
      failures.add(name + ": " + key + " want " + exp.integer(key) + " got " + actual);
    }
  }
}
