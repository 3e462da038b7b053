package io.kubesgx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {
  private static final Path V = Path.of(System.getProperty("kubesgx.shared", "../shared"), "vectors");

  @TempDir Path tmp;

  record Result(int exit, String out, String err) {}

  static Result run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  static String v(String rel) {
    Assumptions.assumeTrue(Files.isDirectory(V), "shared vectors absent at " + V.toAbsolutePath() + " — CLI vector tests skipped");
    return V.resolve(rel).toString();
  }

  @Test
  void verify_phalaSgxJson_exitZeroWithContractFields() throws Exception {
    Result r = run("quote", "verify", "--quote", v("phala-dcap-qvl/sgx_quote"),
        "--collateral", v("phala-dcap-qvl/sgx_quote_collateral.json"), "--at", "1752919277", "--json");
    assertEquals(0, r.exit(), r.err());
    JsonObject o = Json.parseObject(r.out().trim());
    assertEquals(true, ((JsonValue.JsonBool) o.require("verified")).value());
    assertEquals("ConfigurationAndSWHardeningNeeded", o.string("status"));
    assertEquals(2, o.array("advisoryIds").size());
    assertEquals("UpToDate", o.string("qeStatus"));
    assertEquals("SGX", o.string("teeType"));
    assertEquals("33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb", o.string("mrEnclave"));
    assertEquals("00a067110000", o.string("fmspc"));
    assertEquals("2025-07-19T10:01:18Z", o.string("earliestExpiry"));
    assertEquals(false, ((JsonValue.JsonBool) o.require("simulated")).value());
  }

  @Test
  void verify_rfc3339AfterExpiry_exitOneWithReason() throws Exception {
    Result r = run("quote", "verify", "--quote", v("phala-dcap-qvl/sgx_quote"),
        "--collateral", v("phala-dcap-qvl/sgx_quote_collateral.json"), "--at", "2025-07-19T10:01:19Z", "--json");
    assertEquals(1, r.exit());
    JsonObject o = Json.parseObject(r.out().trim());
    assertEquals("QE_IDENTITY_EXPIRED", o.string("reason"));
    assertTrue(o.string("message").contains("2025-07-19T10:01:18Z"));
  }

  @Test
  void verify_hexQuoteTdx_exitZeroUpToDate() throws Exception {
    Result r = run("quote", "verify", "--quote", v("phala-dcap-qvl/near-gas-test/quote_hex.txt"),
        "--collateral", v("phala-dcap-qvl/near-gas-test/quote_collateral.json"), "--at", "2025-09-10T00:00:00Z", "--json");
    assertEquals(0, r.exit(), r.out());
    JsonObject o = Json.parseObject(r.out().trim());
    assertEquals("TDX", o.string("teeType"));
    assertEquals("UpToDate", o.string("status"));
    assertEquals(96, o.string("mrTd").length());
  }

  @Test
  void verify_bundleDirectoryWithTestRoot_verifiedOnlyWithThatRoot() throws Exception {
    Result ok = run("quote", "verify", "--quote", v("intel-qvl-sampledata/quote.dat"), "--collateral", v("intel-qvl-sampledata"),
        "--root", v("intel-qvl-sampledata/trustedRootCaCert.pem"), "--at", "1700000000", "--json");
    assertEquals(0, ok.exit(), ok.out());
    Result bad = run("quote", "verify", "--quote", v("intel-qvl-sampledata/quote.dat"), "--collateral", v("intel-qvl-sampledata"),
        "--at", "1700000000", "--json");
    assertEquals(1, bad.exit());
    assertEquals("UNTRUSTED_ROOT", Json.parseObject(bad.out().trim()).string("reason"));
  }

  @Test
  void verify_missingCrlsWithoutInsecureFlag_rejectedWithMissingCollateral() throws Exception {
    Path col = tmp.resolve("oasis");
    Files.createDirectories(col);
    Files.copy(Path.of(v("oasis-core/tcb_info_v3_fmspc_00606A000000.json")), col.resolve("tcbInfo.json"));
    Files.copy(Path.of(v("oasis-core/qe_identity_v2.json")), col.resolve("qeIdentity.json"));
    Files.copy(Path.of(v("oasis-core/tcb_info_v3_fmspc_00606A000000_certs.pem")), col.resolve("tcbSignChain.pem"));
    Result r = run("quote", "verify", "--quote", v("oasis-core/quote_v3_ecdsa_p256_pck_chain.bin"), "--collateral", col.toString(),
        "--at", "1671497404", "--json");
    assertEquals(1, r.exit(), r.out() + r.err());
    assertEquals("MISSING_COLLATERAL", Json.parseObject(r.out().trim()).string("reason"));
    Result insecure = run("quote", "verify", "--quote", v("oasis-core/quote_v3_ecdsa_p256_pck_chain.bin"), "--collateral", col.toString(),
        "--at", "1671497404", "--json", "--insecure-allow-missing-crls");
    assertEquals(0, insecure.exit(), insecure.out());
    JsonObject o = Json.parseObject(insecure.out().trim());
    assertEquals("SWHardeningNeeded", o.string("status"));
    assertEquals(false, ((JsonValue.JsonBool) o.require("revocationChecked")).value());
  }

  @Test
  void verify_missingQuoteFile_exitTwo() {
    Result r = run("quote", "verify", "--quote", tmp.resolve("nope").toString(), "--collateral", tmp.toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("not found"), r.err());
  }

  @Test
  void verify_badTime_exitTwo() throws Exception {
    Result r = run("quote", "verify", "--quote", v("phala-dcap-qvl/sgx_quote"),
        "--collateral", v("phala-dcap-qvl/sgx_quote_collateral.json"), "--at", "yesterday");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("RFC 3339"), r.err());
  }

  @Test
  void verify_unknownOption_exitTwo() {
    assertEquals(2, run("quote", "verify", "--frobnicate").exit());
  }

  @Test
  void verify_garbageQuote_exitOneMalformed() throws Exception {
    Path q = tmp.resolve("q.bin");
    Files.write(q, new byte[] {3, 0, 2, 0, 1, 2, 3});
    Result r = run("quote", "verify", "--quote", q.toString(), "--collateral", v("phala-dcap-qvl/sgx_quote_collateral.json"), "--json");
    assertEquals(1, r.exit());
    assertEquals("MALFORMED_QUOTE", Json.parseObject(r.out().trim()).string("reason"));
  }

  @Test
  void verify_garbageCollateral_exitOneMalformedCollateral() throws Exception {
    Path c = tmp.resolve("c.json");
    Files.writeString(c, "{\"tcb_info\": 1}");
    Result r = run("quote", "verify", "--quote", v("phala-dcap-qvl/sgx_quote"), "--collateral", c.toString(), "--json");
    assertEquals(1, r.exit());
    assertEquals("MALFORMED_COLLATERAL", Json.parseObject(r.out().trim()).string("reason"));
  }

  @Test
  void verifyBatch_mixedLines_oneVerdictPerLineInOrder() throws Exception {
    Path list = tmp.resolve("list.jsonl");
    Files.write(list, List.of(
        "{\"quote\":\"" + v("phala-dcap-qvl/sgx_quote") + "\",\"collateral\":\"" + v("phala-dcap-qvl/sgx_quote_collateral.json") + "\",\"root\":null,\"at\":1752919277}",
        "{\"quote\":\"" + v("phala-dcap-qvl/tdx_quote") + "\",\"collateral\":\"" + v("phala-dcap-qvl/tdx_quote_collateral.json") + "\",\"root\":\"" + v("phala-dcap-qvl/TrustedRootCA.der") + "\",\"at\":\"2025-07-19T10:00:34Z\"}",
        "{\"quote\":\"" + v("phala-dcap-qvl/tdx_quote_outdated") + "\",\"collateral\":\"" + v("phala-dcap-qvl/tdx_quote_outdated_collateral.json") + "\",\"root\":null,\"at\":1774003274}",
        "not json"));
    Result r = run("quote", "verify", "--batch", list.toString(), "--json");
    String[] lines = r.out().trim().split("\n");
    assertEquals(4, lines.length, r.out());
    assertEquals("ConfigurationAndSWHardeningNeeded", Json.parseObject(lines[0]).string("status"));
    assertEquals("UpToDate", Json.parseObject(lines[1]).string("status"));
    assertEquals("TCB_NOT_SUPPORTED", Json.parseObject(lines[2]).string("reason"));
    assertEquals("USAGE_OR_IO_ERROR", Json.parseObject(lines[3]).string("reason"));
    assertEquals(2, r.exit());
  }

  @Test
  void inspect_tdxV5_printsTd15Fields() throws Exception {
    Result r = run("quote", "inspect", v("phala-dcap-qvl/tdx_quote_outdated"));
    assertEquals(0, r.exit(), r.err());
    JsonObject o = Json.parseObject(r.out().trim());
    assertEquals(3, o.integer("v5BodyType"));
    JsonObject body = o.object("body");
    assertEquals("TD_REPORT_1_5", body.string("type"));
    assertTrue(body.has("teeTcbSvn2") && body.has("mrServiceTd") && body.has("rtmr3"));
    assertEquals(5, o.object("header").integer("version"));
  }

  @Test
  void inspect_eppidQuote_showsPpidFields() throws Exception {
    Result r = run("quote", "inspect", v("oasis-core/quote_v3_ecdsa_p256_eppid.bin"));
    JsonObject cd = Json.parseObject(r.out().trim()).object("signatureData").object("certificationData");
    assertEquals(3, cd.integer("type"));
    assertEquals(12, cd.integer("pceSvn"));
    assertFalse(cd.string("encryptedPpid").isEmpty());
  }

  @Test
  void benchVerify_oneSecondWarm_printsRateLast() throws Exception {
    Result r = run("bench", "verify", "--quote", v("phala-dcap-qvl/sgx_quote"), "--collateral", v("phala-dcap-qvl/sgx_quote_collateral.json"),
        "--at", "1752919277", "--seconds", "0.5", "--warm");
    assertEquals(0, r.exit(), r.err());
    String[] lines = r.out().trim().split("\n");
    assertTrue(lines[lines.length - 1].matches("quotes_per_second=[0-9.]+"), lines[lines.length - 1]);
  }

  @Test
  void benchVerify_failingQuote_exitOne() throws Exception {
    Result r = run("bench", "verify", "--quote", v("phala-dcap-qvl/sgx_quote"), "--collateral", v("phala-dcap-qvl/sgx_quote_collateral.json"),
        "--at", "1900000000", "--seconds", "0.2");
    assertEquals(1, r.exit());
  }

  @Test
  void nodeDiscover_simulatedEpcJson_registeredAndReportsSize() throws Exception {
    Result r = run("node", "discover", "--simulate-epc", "8Mi", "--host-root", tmp.toString(), "--json");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("8388608"), r.out());
  }
}
