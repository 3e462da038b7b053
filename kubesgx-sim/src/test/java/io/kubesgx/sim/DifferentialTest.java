package io.kubesgx.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.enclave.Report;
import io.kubesgx.pck.PckCa;
import io.kubesgx.sim.pcs.SimPcsServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import io.kubesgx.verifier.AttestationException;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import io.kubesgx.verifier.VerifiedQuote;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential test: every scenario's quote and collateral verified by kubesgx and by Phala's
 * {@code @phala/dcap-qvl} from npm (bench/peers, installed by bin/test) given the simulation root;
 * both must return the same status and advisory IDs, and both must reject the rejecting scenarios.
 */
class DifferentialTest {
  static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

  @TempDir static Path tmp;
  static SimPlatform platform;
  static SimPlatform multiPackage;
  static Path script;

  @BeforeAll
  static void setUp() throws Exception {
    Path project = Path.of(System.getProperty("kubesgx.project", ".."));
    script = project.resolve("bench/peers/verify.mjs");
    Path module = project.resolve("bench/peers/node_modules/@phala/dcap-qvl/package.json");
    boolean node = hasNode();
    if (!node || !Files.exists(module)) {
      System.err.println("SKIPPED DifferentialTest: " + (node ? "" : "node is not installed; ")
          + (Files.exists(module) ? "" : "run 'npm ci' in bench/peers (bin/test does it)"));
    }
    Assumptions.assumeTrue(node && Files.exists(module), "node and bench/peers/node_modules are needed");
    CryptoProviders.installPreferred();
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    platform = SimPlatform.openOrCreate(tmp.resolve("p"), clock);
    PlatformConfig d = SimPlatform.defaults(NOW);
    multiPackage = SimPlatform.openOrCreate(tmp.resolve("multi"), clock,
        new PlatformConfig(NOW, d.fmspc(), d.pceId(), d.cpuSvn(), d.pceSvn(), d.qeSvn(), d.ppid(), PckCa.PLATFORM,
            Scenario.UP_TO_DATE));
  }

  static boolean hasNode() {
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static JsonObject phala(Path quote, Path collateral, Path root) throws Exception {
    return node("verify.mjs", quote.toString(), collateral.toString(), root.toString());
  }

  /** Runs a bench/peers script with {@code args} and the evaluation time; returns its one JSON line. */
  static JsonObject node(String scriptName, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("node", script.resolveSibling(scriptName).toString()));
    cmd.addAll(List.of(args));
    cmd.add(Long.toString(NOW.getEpochSecond()));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "node timed out");
    assertEquals(0, p.exitValue(), out);
    return Json.parseObject(out);
  }

  @ParameterizedTest
  @EnumSource(Scenario.class)
  void verify_eachScenario_kubesgxAndDcapQvlAgree(Scenario s) throws Exception {
    compare(platform, s, new int[] {3, 4});
  }

  @ParameterizedTest
  @EnumSource(value = Scenario.class, names = {"UP_TO_DATE", "OUT_OF_DATE", "REVOKED_PCK", "TCB_RECOVERY"})
  void verify_platformCaLeaf_kubesgxAndDcapQvlAgree(Scenario s) throws Exception {
    compare(multiPackage, s, new int[] {3});
  }

  static void compare(SimPlatform platform, Scenario s, int[] versions) throws Exception {
    String tag = platform.config().pckCa().crlParameter();
    Path root = tmp.resolve(tag + "-root.der");
    Files.write(root, platform.rootCertificateDer().toByteArray());
    for (int version : versions) {
      Report r = platform.cpu().ereport(AppEnclave.newBuilder().mrEnclave(Bytes.zeros(32).sha256()).build(),
          platform.quotingEnclave().targetInfo(), Bytes.zeros(64));
      byte[] q = platform.quotingEnclave().quote(r, version);
      Path qf = tmp.resolve(tag + "-" + s.cliName() + "-v" + version + ".quote");
      Path cf = tmp.resolve(tag + "-" + s.cliName() + ".json");
      Files.write(qf, q);
      SimCollateral c = platform.collateral(s, NOW);
      Files.writeString(cf, c.toDcapQvlJson());

      QuoteVerifier ours = QuoteVerifier.newBuilder()
          .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(platform.rootCertificate())))).build();
      JsonObject theirs = phala(qf, cf, root);
      Expectations e = Expectations.of(s);
      String label = s + " v" + version + " (" + tag + " CA) dcap-qvl=" + Json.write(theirs);
      if (version == 4) {
        // dcap-qvl 0.3.9 (JS) accepts SGX quotes of version 3 only; its WASM build takes no custom
        // root. Our v4 verdict must equal the v3 one (checked in SimPlatformTest), and the peer's
        // refusal must stay this known limitation, so a peer upgrade that lifts it is noticed here.
        assertFalse(theirs.get("ok") instanceof JsonValue.JsonBool b && b.value(), label);
        assertTrue(theirs.string("error").contains("version 3"), label);
        System.out.println("differential " + s.cliName() + " v4: dcap-qvl cannot verify SGX v4 quotes: "
            + theirs.string("error"));
        continue;
      }
      if (e.accepted()) {
        VerifiedQuote v = ours.verify(q, c.toCollateral(), NOW);
        assertTrue(theirs.get("ok") instanceof JsonValue.JsonBool b && b.value(), label);
        assertEquals(e.status(), v.status().jsonName(), label);
        assertEquals(v.status().jsonName(), theirs.string("status"), label);
        assertEquals(v.advisoryIds().stream().sorted().toList(), strings(theirs.array("advisoryIds")), label);
      } else {
        assertFalse(theirs.get("ok") instanceof JsonValue.JsonBool b && b.value(), label);
        try {
          ours.verify(q, c.toCollateral(), NOW);
          throw new AssertionError("kubesgx accepted " + label);
        } catch (AttestationException ex) {
          assertEquals(e.rejection(), ex.reason(), label);
        }
      }
      System.out.println("differential " + s.cliName() + " v" + version + " " + tag + " CA: kubesgx="
          + (e.accepted() ? e.status() + " " + e.advisoryIds() : "rejected " + e.rejection()) + " dcap-qvl=" + Json.write(theirs));
    }
  }

  /**
   * The simulated PCS against an independent PCS client: dcap-qvl's own {@code getCollateral}
   * fetches pckcrl, tcb, qe/identity and rootcacrl with their issuer-chain headers from our server,
   * then verifies; the verdict must equal ours on the same scenario.
   */
  @ParameterizedTest
  @EnumSource(value = Scenario.class, names = {"UP_TO_DATE", "SW_HARDENING_NEEDED", "OUT_OF_DATE", "TCB_RECOVERY", "REVOKED_PCK"})
  void fetch_fromSimulatedPcs_dcapQvlCollateralClientAgrees(Scenario s) throws Exception {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    Path dir = tmp.resolve("pcs-" + s.cliName());
    SimPlatform p = SimPlatform.openOrCreate(dir, clock).withScenario(s);
    Path root = dir.resolve("root-ca.der");
    Report r = p.cpu().ereport(AppEnclave.newBuilder().build(), p.quotingEnclave().targetInfo(), Bytes.zeros(64));
    Path qf = dir.resolve("quote.bin");
    byte[] q = p.quotingEnclave().quote(r, 3);
    Files.write(qf, q);
    try (SimPcsServer pcs = SimPcsServer.start(dir, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), clock)) {
      String url = "http://127.0.0.1:" + pcs.port();
      JsonObject theirs = node("fetch-verify.mjs", url, qf.toString(), root.toString());
      String out = Json.write(theirs);
      String label = s + " via PCS: dcap-qvl=" + out;
      Expectations e = Expectations.of(s);
      QuoteVerifier ours = QuoteVerifier.newBuilder()
          .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(p.rootCertificate())))).build();
      if (e.accepted()) {
        VerifiedQuote v = ours.verify(q, p.collateral(s, NOW).toCollateral(), NOW);
        assertTrue(theirs.get("ok") instanceof JsonValue.JsonBool b && b.value(), label);
        assertEquals(v.status().jsonName(), theirs.string("status"), label);
        assertEquals(v.advisoryIds().stream().sorted().toList(), strings(theirs.array("advisoryIds")), label);
      } else {
        assertFalse(theirs.get("ok") instanceof JsonValue.JsonBool b && b.value(), label);
        assertEquals("verify", theirs.string("stage"), "the fetch itself must succeed: " + label);
      }
      System.out.println("differential via simulated PCS " + s.cliName() + ": dcap-qvl=" + out);
    }
  }

  static List<String> strings(List<JsonValue> a) {
    List<String> l = new ArrayList<>();
    for (JsonValue v : a) {
      l.add(((JsonValue.JsonString) v).value());
    }
    l.sort(null);
    return l;
  }
}
