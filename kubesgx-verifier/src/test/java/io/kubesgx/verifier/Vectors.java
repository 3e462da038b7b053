package io.kubesgx.verifier;

import io.kubesgx.common.Hex;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.pck.Certificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Assumptions;

/** Access to the shared third-party vectors; tests skip visibly when the folder is absent. */
final class Vectors {
  static final Path ROOT = Path.of(System.getProperty("kubesgx.shared", "../shared"), "vectors");

  private Vectors() {}

  static void assumePresent() {
    Assumptions.assumeTrue(
        Files.isDirectory(ROOT), "shared vectors absent at " + ROOT.toAbsolutePath() + " — conformance test skipped");
  }

  static Path path(String rel) {
    assumePresent();
    return ROOT.resolve(rel);
  }

  static byte[] bytes(String rel) throws Exception {
    return Files.readAllBytes(path(rel));
  }

  static String text(String rel) throws Exception {
    return new String(bytes(rel), StandardCharsets.UTF_8);
  }

  /** Reads a quote file that is binary or hex text. */
  static byte[] quote(String rel) throws Exception {
    byte[] b = bytes(rel);
    return Hex.looksLikeHexText(b) ? Hex.decodeLenientText(new String(b, StandardCharsets.US_ASCII)) : b;
  }

  static JsonObject expected() throws Exception {
    return Json.parseObject(text("expected.json"));
  }

  static TrustAnchor anchor(String rel) throws Exception {
    X509Certificate c = Certificates.parseAll(bytes(rel)).get(0);
    return TrustAnchor.fromCertificate(c);
  }
}
