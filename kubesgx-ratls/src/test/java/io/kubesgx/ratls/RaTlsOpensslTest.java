package io.kubesgx.ratls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OpenSSL reads the certificates we issue; skipped (with a message) when {@code openssl} is not on the PATH. */
class RaTlsOpensslTest {
  @TempDir Path dir;

  private static Optional<Path> openssl() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String d : path.split(File.pathSeparator)) {
      Path p = Path.of(d, "openssl");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private String text(RaTlsKeyType type) throws Exception {
    Optional<Path> openssl = openssl();
    if (openssl.isEmpty()) {
      System.err.println("RaTlsOpensslTest: SKIPPED, openssl is not on the PATH");
    }
    Assumptions.assumeTrue(openssl.isPresent(), "openssl is not on the PATH; install it to run this check");
    Path der = dir.resolve("cert.der");
    Files.write(der, RaTlsFixtures.issue(type).certificate().getEncoded());
    Path out = dir.resolve("out.txt");
    Process p = new ProcessBuilder(openssl.get().toString(), "x509", "-inform", "DER", "-in", der.toString(), "-text", "-noout")
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "openssl did not finish in 60 s");
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text);
    return text;
  }

  @Test
  void issue_p384_opensslShowsGramineLayoutAndBothExtensions() throws Exception {
    String t = text(RaTlsKeyType.P384);
    assertTrue(Pattern.compile("Subject: CN\\s?=\\s?RATLS, O\\s?=\\s?GramineDevelopers, C\\s?=\\s?US").matcher(t).find(), t);
    assertTrue(Pattern.compile("Issuer: CN\\s?=\\s?RATLS, O\\s?=\\s?GramineDevelopers, C\\s?=\\s?US").matcher(t).find(), t);
    assertTrue(Pattern.compile("Serial Number: 1 \\(0x1\\)").matcher(t).find(), t);
    assertTrue(t.contains("Signature Algorithm: ecdsa-with-SHA256"), t);
    assertTrue(t.contains("Public-Key: (384 bit)"), t);
    assertTrue(t.contains("NIST CURVE: P-384"), t);
    assertTrue(t.contains("Not Before: Jan  1 00:00:00 2001 GMT"), t);
    assertTrue(t.contains("Not After : Dec 31 23:59:59 2030 GMT"), t);
    assertTrue(t.contains("2.23.133.5.4.9:"), t);
    assertTrue(t.contains("0.6.9.42.840.113741.1337.6:"), t);
    assertTrue(t.contains("X509v3 Subject Key Identifier"), t);
    assertTrue(t.contains("X509v3 Authority Key Identifier"), t);
    assertTrue(t.contains("CA:FALSE"), t);
    assertTrue(!t.contains("critical"), t);
  }

  @Test
  void issue_p256_opensslShowsP256() throws Exception {
    String t = text(RaTlsKeyType.P256);
    assertTrue(t.contains("Public-Key: (256 bit)"), t);
    assertTrue(t.contains("NIST CURVE: P-256"), t);
  }
}
