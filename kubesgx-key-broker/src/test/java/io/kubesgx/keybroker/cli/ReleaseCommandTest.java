package io.kubesgx.keybroker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.keybroker.Enclaves;
import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.sim.AppEnclave;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code key-broker release}: a released key shows only its fingerprint, refusals exit 1 with the reason, mistakes exit 2 in one line. */
class ReleaseCommandTest {
  private static final String ADMIN = "release-command-admin-token-0123456789abcdef";

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new KeyBrokerCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExitCodeExceptionMapper(t -> 2);
    return new Run(cl.execute(args), out.toString(), err.toString());
  }

  private static void assertUsageError(Run r, String part) {
    assertEquals(2, r.exit(), r.err());
    assertTrue(r.err().contains(part), r.err());
    assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
  }

  private static List<String> args(Path dir, String... extra) throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, ADMIN + "\n");
    Path cert = dir.resolve("signer.crt");
    if (!Files.exists(cert)) {
      Files.writeString(cert, "");
    }
    List<String> a = new ArrayList<>(List.of("release", "--url", "http://127.0.0.1:9", "--attestation-url", "http://127.0.0.1:9",
        "--key", "k", "--token-file", token.toString(), "--signer-cert", cert.toString()));
    a.addAll(Arrays.asList(extra));
    return a;
  }

  @Test
  void release_userMistakes_exit2OneLine(@TempDir Path dir) throws Exception {
    assertUsageError(run("release", "--url", "http://127.0.0.1:9"), "--attestation-url URL is required");
    assertUsageError(run(args(dir, "--debug").toArray(String[]::new)), "--debug and --mrsigner only apply with --sim DIR");
    assertUsageError(run(args(dir, "--signer-ca", dir.resolve("ca.pem").toString()).toArray(String[]::new)), "exactly one of --signer-cert");
    assertUsageError(run(args(dir).toArray(String[]::new)), "holds no certificate");
    List<String> remote = args(dir);
    remote.set(2, "http://broker.example");
    assertUsageError(run(remote.toArray(String[]::new)), "plain http only on a loopback address");
    List<String> noToken = args(dir);
    noToken.set(8, dir.resolve("missing").toString());
    assertUsageError(run(noToken.toArray(String[]::new)), "does not exist");
    assertUsageError(run(args(dir, "--wrap", "AES").toArray(String[]::new)), "--wrap must be");
  }

  @Test
  void release_simulatedEnclave_printsFingerprintOnly_debugRefusedWithClaim(@TempDir Path dir) throws Exception {
    try (Enclaves enclaves = Enclaves.start(dir.resolve("enclaves"));
        KeyBrokerServer broker = KeyBrokerServer.start(KeyBrokerServer.Options.local(0, dir.resolve("broker"), ADMIN,
            List.of(enclaves.issuer())), Clock.systemUTC())) {
      byte[] secret = new byte[32];
      new java.security.SecureRandom().nextBytes(secret);
      String policy = "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"" + enclaves.issuer() + "\",\"allOf\":["
          + "{\"claim\":\"x-ms-sgx-mrsigner\",\"equals\":\"" + AppEnclave.DEFAULT_MRSIGNER.hex() + "\"},"
          + "{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":false}]}]}";
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(broker.baseUrl()
              + "/keys/cli-key?api-version=7.6"))
          .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString("{\"key\":{\"kty\":\"oct-HSM\",\"k\":\"" + b64.encodeToString(secret)
              + "\"},\"hsm\":true,\"attributes\":{\"exportable\":true},\"release_policy\":{\"data\":\""
              + b64.encodeToString(policy.getBytes(StandardCharsets.UTF_8)) + "\"}}")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, put.statusCode(), put.body());
      Path token = dir.resolve("token");
      Files.writeString(token, ADMIN);
      List<String> a = List.of("release", "--url", broker.baseUrl(), "--attestation-url", enclaves.issuer(), "--key", "cli-key",
          "--token-file", token.toString(), "--signer-cert", dir.resolve("broker/signing/release-signing.crt").toString(),
          "--sim", dir.resolve("enclaves/platform").toString());
      Run ok = run(a.toArray(String[]::new));
      assertEquals(0, ok.exit(), ok.err());
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update("kubesgx-key-fingerprint\0".getBytes(StandardCharsets.US_ASCII));
      d.update(secret);
      assertTrue(ok.out().contains("fingerprint " + HexFormat.of().formatHex(Arrays.copyOf(d.digest(), 16))), ok.out());
      assertFalse(ok.out().contains(HexFormat.of().formatHex(secret)) || ok.out().contains(b64.encodeToString(secret)), ok.out());
      List<String> debug = new ArrayList<>(a);
      debug.add("--debug");
      Run refused = run(debug.toArray(String[]::new));
      assertEquals(1, refused.exit(), refused.err());
      assertTrue(refused.err().contains("DENIED (failed claims: x-ms-sgx-is-debuggable)"), refused.err());
      assertEquals(1, refused.err().strip().lines().count(), refused.err());
    }
  }
}
