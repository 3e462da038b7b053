package io.kubesgx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** User mistakes end in one line naming what to change, exit code 2, and never a stack trace. */
class CliErrorsTest {
  @TempDir Path tmp;

  /** Asserts a user error: exit 2, no trace, a short message containing every fragment. */
  private static CliTest.Result assertUserError(CliTest.Result r, String... fragments) {
    assertEquals(Main.USAGE_OR_IO, r.exit(), "exit code; stderr: " + r.err());
    assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "stack trace or class name: " + r.err());
    assertTrue(r.err().lines().count() <= 6, "more than a short message: " + r.err());
    for (String f : fragments) {
      assertTrue(r.err().contains(f), "message lacks '" + f + "': " + r.err());
    }
    return r;
  }

  private Path file(String name) throws Exception {
    return Files.writeString(tmp.resolve(name), "x");
  }

  private Path platform() {
    CliTest.Result r = CliTest.run("sim", "init", "--platform", tmp.resolve("p").toString());
    assertEquals(0, r.exit(), r.err());
    return tmp.resolve("p");
  }

  @Test
  void attestationService_portInUse_namesPort() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      String port = Integer.toString(taken.getLocalPort());
      assertUserError(CliTest.run("attestation-service", "--port", port, "--state-dir", tmp.resolve("s").toString()),
          "127.0.0.1:" + port, "--port");
    }
  }

  @Test
  void attestationService_badSigningAlg_namesOption() {
    assertUserError(CliTest.run("attestation-service", "--signing-alg", "HS256", "--state-dir", tmp.toString()),
        "--signing-alg", "RS256 or ES256");
  }

  @Test
  void attestationService_tlsCertWithoutKey_asksForKey() throws Exception {
    assertUserError(CliTest.run("attestation-service", "--tls-cert", file("c.pem").toString(), "--state-dir", tmp.toString()),
        "--tls-cert needs --tls-key");
  }

  @Test
  void attestationService_fileAsStateDir_saysGiveDirectory() throws Exception {
    assertUserError(CliTest.run("attestation-service", "--state-dir", file("state").toString()), "--state-dir", "is a file");
  }

  @Test
  void attestationService_directoryAsTlsCert_saysGiveFile() {
    assertUserError(CliTest.run("attestation-service", "--tls-cert", tmp.toString(), "--tls-key", tmp.toString(),
        "--state-dir", tmp.resolve("s").toString()), "--tls-cert", "is a directory");
  }

  @Test
  void attestationService_mistypedSim_notCreatedAndSaysHow() {
    Path typo = tmp.resolve("plattform");
    assertUserError(CliTest.run("attestation-service", "--sim", typo.toString(), "--port", "0",
        "--state-dir", tmp.resolve("s").toString()), "sim init --platform " + typo);
    assertFalse(Files.exists(typo));
  }

  @Test
  void attestationService_badDuration_oneLine() {
    assertUserError(CliTest.run("attestation-service", "--token-lifetime", "xh"), "--token-lifetime");
  }

  @Test
  void quoteVerify_directoryAsQuote_saysGiveFile() throws Exception {
    assertUserError(CliTest.run("quote", "verify", "--quote", tmp.toString(), "--collateral", file("c.json").toString()),
        "is a directory");
  }

  @Test
  void quoteVerify_unreadableQuote_saysPermissionDenied() throws Exception {
    Path q = file("q.bin");
    Files.setPosixFilePermissions(q, PosixFilePermissions.fromString("---------"));
    Assumptions.assumeFalse(Files.isReadable(q), "running as root: every file is readable");
    assertUserError(CliTest.run("quote", "verify", "--quote", q.toString(), "--collateral", q.toString()), "permission denied");
  }

  @Test
  void userMessage_accessDenied_saysPermissionDenied() {
    assertEquals("permission denied (/etc/x)", Main.userMessage(new AccessDeniedException("/etc/x")));
  }

  @Test
  void userMessage_inputsUsageException_isAUserErrorWithItsMessage() {
    assertEquals("--date must be YYYYMMDD", Main.userMessage(new Inputs.UsageException("--date must be YYYYMMDD")));
    assertEquals("bad quote", Main.userMessage(new RuntimeException(new Inputs.UsageException("bad quote"))));
  }

  /** A command with a bug. */
  @picocli.CommandLine.Command(name = "boom", description = "Fails with a bug.")
  static final class Boom implements java.util.concurrent.Callable<Integer> {
    @Override
    public Integer call() {
      throw new IllegalStateException("simulated bug");
    }
  }

  @Test
  void execute_internalError_oneLineWithErrorIdAndTraceInAFile() throws Exception {
    picocli.CommandLine cl = Main.commandLine();
    cl.addSubcommand("boom", new Boom());
    java.io.StringWriter err = new java.io.StringWriter();
    cl.setErr(new java.io.PrintWriter(err));
    assertEquals(Main.INTERNAL_ERROR, cl.execute("boom"));
    String e = err.toString();
    assertFalse(e.contains("\tat "), e);
    assertEquals(1, e.strip().lines().count(), e);
    assertTrue(e.contains("error id ") && e.contains("simulated bug"), e);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("report it with (\\S+\\.txt)").matcher(e);
    assertTrue(m.find(), e);
    Path trace = Path.of(m.group(1));
    assertTrue(Files.readString(trace).contains("\tat "), "the trace is in the file");
    Files.delete(trace);
  }

  @Test
  void userMessage_bug_isNotAUserError() {
    assertNull(Main.userMessage(new NullPointerException("bug")));
    assertNull(Main.userMessage(new IllegalStateException("bug")));
  }

  @Test
  void unknownOption_printsOneUsageLineNotFullHelp() {
    CliTest.Result r = assertUserError(CliTest.run("quote", "verify", "--qoute", "x"), "--qoute", "Usage: kubesgx quote verify");
    assertFalse(r.err().contains("Print one JSON verdict"), "the whole help was printed: " + r.err());
  }

  @Test
  void missingSubcommand_printsUsageLine() {
    assertUserError(CliTest.run("sim"), "Usage: kubesgx sim");
  }

  @Test
  void simQuote_mistypedPlatform_notCreatedAndSaysHow() {
    Path typo = tmp.resolve("plat");
    assertUserError(CliTest.run("sim", "quote", "--platform", typo.toString(), "--report-data", "00",
        "--out", tmp.resolve("q").toString()), "sim init --platform " + typo, "--create");
    assertFalse(Files.exists(typo));
  }

  @Test
  void simQuote_create_createsPlatform() {
    Path p = tmp.resolve("new");
    CliTest.Result r = CliTest.run("sim", "quote", "--platform", p.toString(), "--create", "--report-data", "00",
        "--out", tmp.resolve("q").toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(Files.isRegularFile(p.resolve("platform.json")));
  }

  @Test
  void simShow_platformIsAFile_saysSo() throws Exception {
    assertUserError(CliTest.run("sim", "show", "--platform", file("pf").toString()), "is a file");
  }

  @Test
  void simQuote_outIsADirectory_oneLine() {
    Path p = platform();
    assertUserError(CliTest.run("sim", "quote", "--platform", p.toString(), "--report-data", "00", "--out", tmp.toString()),
        tmp.toString());
  }

  @Test
  void quoteHelper_socketIsAFile_saysNotASocket() throws Exception {
    Path p = platform();
    assertUserError(CliTest.run("quote-helper", "--socket", file("s").toString(), "--platform", p.toString()), "regular file");
  }

  @Test
  void quoteHelper_mistypedPlatform_notCreated() {
    Path typo = tmp.resolve("nope");
    assertUserError(CliTest.run("quote-helper", "--socket", tmp.resolve("a.sock").toString(), "--platform", typo.toString()),
        "sim init", "--create");
    assertFalse(Files.exists(typo));
  }

  @Test
  void quoteHelperBench_mistypedPlatform_notCreated() {
    Path typo = tmp.resolve("nope");
    assertUserError(CliTest.run("quote-helper-bench", "--platform", typo.toString(), "--seconds", "1"), "sim init");
    assertFalse(Files.exists(typo));
  }

  @Test
  void attestationBench_mistypedSimWithBodiesOut_notCreated() {
    Path typo = tmp.resolve("nope");
    assertUserError(CliTest.run("attestation-bench", "--sim", typo.toString(), "--bodies-out", tmp.resolve("b").toString()),
        "sim init");
    assertFalse(Files.exists(typo));
  }

  @Test
  void quoteGet_socketIsADirectory_saysNotASocket() {
    assertUserError(CliTest.run("quote", "get", "--socket", tmp.toString(), "--report-data", "00", "--out",
        tmp.resolve("q").toString(), "--platform", tmp.toString()), "directory");
  }

  @Test
  void collateralExport_nothingToExport_saysWhatToGive() {
    assertUserError(CliTest.run("collateral", "export", "--pcs-url", "http://127.0.0.1:1", "--out", tmp.resolve("b").toString()),
        "--quote FILE or --fmspc HEX");
  }

  @Test
  void collateralExport_badFmspc_namesOption() {
    assertUserError(CliTest.run("collateral", "export", "--pcs-url", "http://127.0.0.1:1", "--fmspc", "zz",
        "--out", tmp.resolve("b").toString()), "--fmspc");
  }

  @Test
  void collateralExport_outIsDirectory_saysGiveFile() {
    assertUserError(CliTest.run("collateral", "export", "--pcs-url", "http://127.0.0.1:1", "--fmspc", "00906ed50000",
        "--out", tmp.toString()), "--out", "is a directory");
  }

  @Test
  void collateralExport_missingQuote_saysNoSuchFile() {
    assertUserError(CliTest.run("collateral", "export", "--pcs-url", "http://127.0.0.1:1", "--quote",
        tmp.resolve("none").toString(), "--out", tmp.resolve("b").toString()), "--quote", "no such file");
  }

  @Test
  void collateralExport_notAQuote_saysSo() throws Exception {
    assertUserError(CliTest.run("collateral", "export", "--pcs-url", "http://127.0.0.1:1", "--quote",
        file("q").toString(), "--out", tmp.resolve("b").toString()), "is not a DCAP quote");
  }

  @Test
  void collateralExport_unreachablePcs_oneLine() {
    assertUserError(CliTest.run("collateral", "export", "--pcs-url", "http://127.0.0.1:1", "--fmspc", "00906ed50000",
        "--out", tmp.resolve("b").toString()), "collateral export failed");
  }

  @Test
  void collateralCheck_missingBundle_saysNoSuchFile() {
    assertUserError(CliTest.run("collateral", "check", "--bundle", tmp.resolve("none.json").toString()), "no such file");
  }

  @Test
  void collateralCheck_bundleIsDirectory_saysGiveFile() {
    assertUserError(CliTest.run("collateral", "check", "--bundle", tmp.toString()), "is a directory");
  }

  @Test
  void collateralCheck_garbageBundle_rejectedInOneLine() throws Exception {
    Path b = Files.writeString(tmp.resolve("b.json"), "{\"format\":\"nope\"}", StandardCharsets.UTF_8);
    CliTest.Result r = CliTest.run("collateral", "check", "--bundle", b.toString());
    assertEquals(1, r.exit(), r.err());
    assertTrue(r.err().startsWith("REJECTED"), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
  }

  @Test
  void nodeBench_missingTarget_saysNoSuchSocket() {
    assertUserError(CliTest.run("node", "bench", "--target", tmp.resolve("none.sock").toString()), "--target", "no such socket");
  }

  @Test
  void nodeBench_targetIsAFile_saysNotASocket() throws Exception {
    assertUserError(CliTest.run("node", "bench", "--target", file("f").toString()), "not a UNIX socket");
  }

  @Test
  void nodeBench_zeroIterations_namesOption() {
    assertUserError(CliTest.run("node", "bench", "--iterations", "0"), "--iterations");
  }

  @Test
  void nodeAgent_kubeletDirIsAFile_saysSo() throws Exception {
    assertUserError(CliTest.run("node-agent", "--no-kube-api", "--simulate-epc", "8Mi", "--metrics-port", "-1",
        "--kubelet-dir", file("k").toString()), "--kubelet-dir", "is a file");
  }

  /** A kubeconfig whose only context points at {@code server}. */
  private Path kubeconfig(String server) throws Exception {
    return Files.writeString(tmp.resolve("kubeconfig"), "apiVersion: v1\nkind: Config\n"
        + "clusters:\n- name: c\n  cluster:\n    server: " + server + "\n"
        + "users:\n- name: u\n  user:\n    token: t\n"
        + "contexts:\n- name: ctx\n  context:\n    cluster: c\n    user: u\n"
        + "current-context: ctx\n");
  }

  @Test
  void status_apiServerUnreachable_oneLineExit2() throws Exception {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    CliTest.Result r = assertUserError(CliTest.run("status", "--kubeconfig",
        kubeconfig("http://127.0.0.1:" + port).toString(), "--timeout", "5"),
        "cannot reach the API server at http://127.0.0.1:" + port, "connection refused", "--kubeconfig");
    assertEquals(1, r.err().lines().count(), r.err());
    assertEquals("", r.out());
  }

  @Test
  void status_missingKubeconfig_namesFile() {
    assertUserError(CliTest.run("status", "--kubeconfig", tmp.resolve("nope").toString()), "--kubeconfig", "not found");
  }

  @Test
  void status_unknownContext_listsContexts() throws Exception {
    assertUserError(CliTest.run("status", "--kubeconfig", kubeconfig("http://127.0.0.1:1").toString(),
        "--context", "prod"), "--context prod: no such context", "contexts: ctx");
  }
}
