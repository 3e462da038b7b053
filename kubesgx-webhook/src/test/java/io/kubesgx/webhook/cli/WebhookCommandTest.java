package io.kubesgx.webhook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** User mistakes give exit 2 and one line saying what to change, never a stack trace. */
class WebhookCommandTest {
  @TempDir Path tmp;

  private record Run(int code, String err) {}

  private static Run run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new WebhookCommand());
    cl.setErr(new PrintWriter(err));
    cl.setOut(new PrintWriter(new StringWriter()));
    int code = cl.execute(args);
    return new Run(code, err.toString());
  }

  private static void oneLine(Run r, String contains) {
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(contains), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void call_missingCertFile_exits2WithOneLine() {
    oneLine(run("--port", "0", "--tls-cert", tmp.resolve("nope.pem").toString(), "--tls-key",
        tmp.resolve("nope.key").toString(), "--no-kube-api"), "no such file");
  }

  @Test
  void call_unknownEpcResource_exits2ListingValidValues() {
    oneLine(run("--epc-resource", "amd", "--no-kube-api"), "use intel");
  }

  @Test
  void call_noKubeApiWithoutCerts_exits2() {
    oneLine(run("--port", "0", "--no-kube-api"), "--tls-cert");
  }

  @Test
  void call_certWithoutKey_exits2() throws Exception {
    Path cert = Files.writeString(tmp.resolve("c.pem"), "x");
    oneLine(run("--tls-cert", cert.toString(), "--no-kube-api"), "both --tls-cert and --tls-key");
  }

  @Test
  void call_garbageCert_exits2WithOneLine() throws Exception {
    Path cert = Files.writeString(tmp.resolve("c.pem"), "not a certificate");
    Path key = Files.writeString(tmp.resolve("k.pem"), "not a key");
    oneLine(run("--port", "0", "--tls-cert", cert.toString(), "--tls-key", key.toString(),
        "--no-kube-api"), "not a PEM X.509");
  }
}
