package io.kubesgx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimCommandTest {
  @TempDir static Path tmp;
  static Path platform;

  @BeforeAll
  static void init() {
    platform = tmp.resolve("platform");
    CliTest.Result r = CliTest.run("sim", "init", "--platform", platform.toString());
    assertEquals(0, r.exit(), r.err());
  }

  static JsonObject verify(Path quote, Path collateral, Path root) throws Exception {
    CliTest.Result v = CliTest.run("quote", "verify", "--quote", quote.toString(), "--collateral", collateral.toString(),
        "--root", root.toString(), "--json");
    return Json.parseObject(v.out().trim());
  }

  @Test
  void simQuote_contractCommand_verifiesWithTheRootAndReportsTheScenario() throws Exception {
    String[][] cases = {
      {"UpToDate", "UpToDate"}, {"SWHardeningNeeded", "SWHardeningNeeded"}, {"OutOfDate", "OutOfDate"},
      {"TcbRecovery", "OutOfDate"}, {"ConfigurationNeeded", "ConfigurationNeeded"}
    };
    for (String[] c : cases) {
      Path q = tmp.resolve(c[0] + ".quote");
      Path col = tmp.resolve(c[0] + ".json");
      Path root = tmp.resolve(c[0] + ".der");
      CliTest.Result r = CliTest.run("sim", "quote", "--platform", platform.toString(), "--report-data", "00112233",
          "--mrenclave", "ab".repeat(32), "--scenario", c[0], "--out", q.toString(), "--collateral-out", col.toString(),
          "--root-out", root.toString());
      assertEquals(0, r.exit(), r.err());
      JsonObject o = verify(q, col, root);
      assertEquals(true, ((JsonValue.JsonBool) o.require("verified")).value(), o.toString());
      assertEquals(c[1], o.string("status"));
      assertEquals(true, ((JsonValue.JsonBool) o.require("simulated")).value());
      assertEquals("ab".repeat(32), o.string("mrEnclave"));
      assertTrue(o.string("reportData").startsWith("00112233000000"));
    }
  }

  @Test
  void simQuote_withoutRoot_isRejectedAsUntrusted() throws Exception {
    Path q = tmp.resolve("u.quote");
    Path col = tmp.resolve("u.json");
    assertEquals(0, CliTest.run("sim", "quote", "--platform", platform.toString(), "--report-data", "01", "--out",
        q.toString(), "--collateral-out", col.toString()).exit());
    CliTest.Result v = CliTest.run("quote", "verify", "--quote", q.toString(), "--collateral", col.toString(), "--json");
    assertEquals(1, v.exit());
    assertEquals("UNTRUSTED_ROOT", Json.parseObject(v.out().trim()).string("reason"));
  }

  @Test
  void simCollateral_revokedPck_isRejectedWithPckRevoked() throws Exception {
    Path p = tmp.resolve("revoked");
    Path q = tmp.resolve("r.quote");
    Path col = tmp.resolve("r.json");
    Path root = tmp.resolve("r.der");
    assertEquals(0, CliTest.run("sim", "quote", "--platform", p.toString(), "--create", "--report-data", "02", "--out", q.toString()).exit());
    CliTest.Result c = CliTest.run("sim", "collateral", "--platform", p.toString(), "--scenario", "revoked-pck", "--out",
        col.toString(), "--root-out", root.toString());
    assertEquals(0, c.exit(), c.err());
    CliTest.Result v = CliTest.run("quote", "verify", "--quote", q.toString(), "--collateral", col.toString(), "--root",
        root.toString(), "--json");
    assertEquals(1, v.exit());
    assertEquals("PCK_REVOKED", Json.parseObject(v.out().trim()).string("reason"));
  }

  @Test
  void simQuote_debugConfigIdAndPlatformCa_areCarriedIntoTheVerdict() throws Exception {
    Path p = tmp.resolve("multi");
    CliTest.Result init = CliTest.run("sim", "init", "--platform", p.toString(), "--pck-ca", "platform", "--cpusvn",
        "0707020203010005000000000000000f", "--pcesvn", "11");
    assertEquals(0, init.exit(), init.err());
    Path q = tmp.resolve("d.quote");
    Path col = tmp.resolve("d.json");
    Path root = tmp.resolve("d.der");
    CliTest.Result r = CliTest.run("sim", "quote", "--platform", p.toString(), "--report-data", "aa", "--mrenclave",
        "cd".repeat(32), "--mrsigner", "ef".repeat(32), "--isv-prod-id", "9", "--isv-svn", "4", "--debug",
        "--config-id", "0102", "--config-svn", "3", "--quote-version", "4", "--out", q.toString(),
        "--collateral-out", col.toString(), "--root-out", root.toString());
    assertEquals(0, r.exit(), r.err());
    JsonObject o = verify(q, col, root);
    assertEquals(true, ((JsonValue.JsonBool) o.require("debug")).value(), o.toString());
    assertEquals("ef".repeat(32), o.string("mrSigner"));
    assertEquals(9, o.integer("isvProdId"));
    assertEquals(4, o.integer("isvSvn"));
    assertEquals(3, o.integer("configSvn"));
    assertTrue(o.string("configId").startsWith("0102000000"));
    assertEquals("PLATFORM", o.string("pckCa"));
    assertEquals("0707020203010005000000000000000f", o.string("pckCpuSvn"));
    assertEquals(11, o.integer("pckPceSvn"));
    assertEquals(4, o.integer("quoteVersion"));
    assertEquals(2, CliTest.run("sim", "init", "--platform", tmp.resolve("bad-ca").toString(), "--pck-ca", "root").exit());
    assertEquals(2, CliTest.run("sim", "init", "--platform", tmp.resolve("bad-svn").toString(), "--cpusvn", "00").exit());
  }

  @Test
  void simReport_targetedAtTheQe_isQuotableAndWrongInputsExit2() throws Exception {
    CliTest.Result show = CliTest.run("sim", "show", "--platform", platform.toString());
    assertEquals(0, show.exit(), show.err());
    JsonObject s = Json.parseObject(show.out().trim());
    String ti = s.string("qeTargetInfo");
    assertEquals(1024, ti.length());
    Path tiFile = tmp.resolve("ti.bin");
    Files.write(tiFile, Bytes.fromHex(ti).toByteArray());
    Path report = tmp.resolve("report.bin");
    CliTest.Result r = CliTest.run("sim", "report", "--platform", platform.toString(), "--target-info", tiFile.toString(),
        "--report-data", "ff", "--out", report.toString());
    assertEquals(0, r.exit(), r.err());
    assertEquals(432, Files.size(report));
    Path report2 = tmp.resolve("report2.bin");
    assertEquals(0, CliTest.run("sim", "report", "--platform", platform.toString(), "--target-info", ti,
        "--report-data", "ff", "--out", report2.toString()).exit());

    assertEquals(2, CliTest.run("sim", "report", "--platform", platform.toString(), "--target-info", "00",
        "--report-data", "ff", "--out", report.toString()).exit());
    assertEquals(2, CliTest.run("sim", "quote", "--platform", platform.toString(), "--report-data", "zz", "--out",
        tmp.resolve("x").toString()).exit());
    assertEquals(2, CliTest.run("sim", "quote", "--platform", platform.toString(), "--report-data", "00".repeat(65),
        "--out", tmp.resolve("x").toString()).exit());
    assertEquals(2, CliTest.run("sim", "quote", "--platform", platform.toString(), "--report-data", "00", "--mrenclave",
        "abcd", "--out", tmp.resolve("x").toString()).exit());
    CliTest.Result bad = CliTest.run("sim", "quote", "--platform", platform.toString(), "--report-data", "00",
        "--scenario", "Perfect", "--out", tmp.resolve("x").toString());
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("TcbRecovery"), bad.err());
    assertEquals(2, CliTest.run("sim", "init", "--platform", platform.toString()).exit());
  }
}
