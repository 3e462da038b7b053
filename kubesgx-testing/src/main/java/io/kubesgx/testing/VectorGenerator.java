package io.kubesgx.testing;

import io.kubesgx.sim.collateral.CollateralBuilder;
import io.kubesgx.sim.collateral.QeIdentityBuilder;
import io.kubesgx.sim.collateral.TcbInfoBuilder;
import io.kubesgx.sim.pki.CrlSpec;
import io.kubesgx.sim.pki.DcapPki;
import io.kubesgx.sim.pki.DerivedKey;
import io.kubesgx.sim.pki.PckCertSpec;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonArray;
import io.kubesgx.common.json.JsonValue.JsonString;
import io.kubesgx.pck.PckCa;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Generates kubesgx's synthetic DCAP vectors from {@link TestPki#standard()} and {@link
 * Scenarios#all()}: one directory per scenario in Intel QVL sample layout ({@code quote.dat},
 * {@code pckCert.pem}, {@code pckSignChain.pem}, {@code tcbInfo.json}, {@code tcbSignChain.pem},
 * {@code qeIdentity.json}, {@code rootCaCrl.der}, {@code intermediateCaCrl.der}, {@code
 * trustedRootCaCert.pem}) and one {@code vectors.json} index.
 *
 * <p>Output is byte-for-byte deterministic (derived keys, fixed serials and dates, RFC 6979
 * signatures), so the committed files can be checked by regenerating them.
 *
 * <pre>{@code
 * # from the repository root, after building the module:
 * java -cp ... io.kubesgx.testing.VectorGenerator kubesgx-testing/src/main/resources/vectors
 * }</pre>
 */
public final class VectorGenerator {
  /** Default output directory, relative to the repository root. */
  public static final String DEFAULT_OUTPUT = "kubesgx-testing/src/main/resources/vectors";
  /** Name of the index file. */
  public static final String INDEX = "vectors.json";

  private static final int[] TOP = {6, 6, 2, 2, 3, 1, 0, 5};
  private static final int[] MATCH = {5, 5, 2, 2, 3, 1, 0, 5};
  private static final int[] OLD = {4, 4, 2, 2, 3, 1, 0, 5};
  /** FMSPC of the standard TDX platform. */
  public static final String TDX_FMSPC = "50806f000000";

  private static final String README =
      "# kubesgx synthetic DCAP vectors (generated — do not edit)\n\n"
          + "TEST DATA ONLY. Every file here is produced by `io.kubesgx.testing.VectorGenerator` from kubesgx's own\n"
          + "test PKI (`CN=kubesgx TEST Root CA`, keys derived from a public seed) and must never verify against the\n"
          + "Intel SGX Root CA. No third-party data is included.\n\n"
          + "Each directory uses Intel QVL sample file names (`quote.dat`, `pckCert.pem`, `pckSignChain.pem`,\n"
          + "`tcbInfo.json`, `tcbSignChain.pem`, `qeIdentity.json`, `rootCaCrl.der`, `intermediateCaCrl.der`,\n"
          + "`trustedRootCaCert.pem`) and loads with `CollateralLoader.fromDirectory`. `vectors.json` lists each\n"
          + "vector with its evaluation time (`now`) and either `expectedTcbStatus` + `expectedAdvisoryIds` or\n"
          + "`expectedReason` (a `io.kubesgx.verifier.Reason` name; `failsAt: load` means the collateral loader\n"
          + "itself rejects it).\n\n"
          + "Generation is deterministic (RFC 6979 signatures), and `VectorGeneratorTest` fails if these files differ\n"
          + "from a fresh run. To regenerate, from the repository root:\n\n"
          + "```\n"
          + "./mvnw -B -ntp -q -pl kubesgx-testing -am install -DskipTests\n"
          + "./mvnw -B -ntp -q -pl kubesgx-testing dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt\n"
          + "java -cp kubesgx-testing/target/classes:$(cat /tmp/cp.txt) io.kubesgx.testing.VectorGenerator\n"
          + "```\n";

  private VectorGenerator() {}

  /** Writes every vector and the index under {@code args[0]} (default {@value #DEFAULT_OUTPUT}). */
  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : DEFAULT_OUTPUT);
    List<String> written = generate(out);
    System.out.println("wrote " + written.size() + " vectors to " + out.toAbsolutePath());
  }

  /** A scenario's quote and collateral. */
  public record Built(byte[] quote, CollateralBuilder collateral) {}

  /**
   * Replaces the contents of {@code out} with the generated vectors and index; returns the vector
   * names.
   */
  public static List<String> generate(Path out) throws IOException {
    if (Files.exists(out)) {
      try (Stream<Path> s = Files.walk(out)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          if (!p.equals(out)) {
            Files.delete(p);
          }
        }
      }
    }
    Files.createDirectories(out);
    DcapPki pki = TestPki.standard();
    List<String> names = new ArrayList<>();
    StringBuilder index = new StringBuilder("[\n");
    for (Scenario s : Scenarios.all()) {
      Built b = build(s, pki);
      Path dir = out.resolve(s.name());
      List<String> files = new ArrayList<>(b.collateral().writeDirectory(dir));
      Files.write(dir.resolve("quote.dat"), b.quote());
      files.add("quote.dat");
      files.sort(null);
      if (!names.isEmpty()) {
        index.append(",\n");
      }
      index.append("  ").append(Json.write(indexEntry(s, files)));
      names.add(s.name());
    }
    index.append("\n]\n");
    Files.write(out.resolve(INDEX), index.toString().getBytes(StandardCharsets.UTF_8));
    Files.write(out.resolve("README.md"), README.getBytes(StandardCharsets.UTF_8));
    return names;
  }

  private static JsonValue indexEntry(Scenario s, List<String> files) {
    JsonBuilder e =
        JsonBuilder.object()
            .put("name", s.name())
            .put("description", s.description())
            .put("now", s.now().toString())
            .put("quoteFormat", s.format().name())
            .put("teeType", s.format().isTdx() ? "TDX" : "SGX");
    if (s.expectedReason != null) {
      e.put("expectedReason", s.expectedReason);
      if (s.failsAtLoad) {
        e.put("failsAt", "load");
      }
    } else {
      e.put("expectedTcbStatus", s.expectedTcbStatus);
      e.putStrings("expectedAdvisoryIds", s.expectedAdvisoryIds);
      e.put("expectedDebug", s.expectedDebug);
    }
    List<JsonValue> f = new ArrayList<>();
    for (String name : files) {
      f.add(new JsonString(name));
    }
    e.put("files", new JsonArray(f));
    return e.build();
  }

  /** Builds the quote and collateral of one scenario from {@code pki}. */
  public static Built build(Scenario s, DcapPki pki) {
    boolean tdx = s.format().isTdx();
    PckCertSpec.Builder spec = TestPki.pckSpec().ca(s.pckCa);
    if (tdx) {
      spec.fmspc(TDX_FMSPC).keyLabel("pck-leaf-tdx").serial(new BigInteger("4b5553475854455354504b4354445800", 16));
    } else if (s.pckCa == PckCa.PLATFORM) {
      spec.keyLabel("pck-leaf-platform").serial(new BigInteger("4b5553475854455354504b43504c4100", 16));
    }
    s.pck.accept(spec);
    DcapPki.Issued leaf = pki.issuePck(spec.build());

    QuoteBuilder q = QuoteBuilder.newBuilder(s.format(), pki, leaf);
    s.quote.accept(q);
    byte[] quote = q.build();

    TcbInfoBuilder t = tdx ? TestCollateral.tdxTcbInfo().fmspc(TDX_FMSPC) : s.tcbInfoV2 ? TestCollateral.sgxV2TcbInfo() : TestCollateral.sgxTcbInfo();
    if (s.tcbInfoIssue != null) {
      t.validity(s.tcbInfoIssue, s.tcbInfoNextUpdate);
    }
    if (tdx) {
      t.level(TestCollateral.sgxLevel(TOP, 11, "UpToDate").withTdx(3, 1, 3));
      t.level(TestCollateral.sgxLevel(MATCH, 11, "UpToDate").withTdx(0, 0, 3));
      t.level(TestCollateral.sgxLevel(MATCH, 11, s.platformStatus, s.platformAdvisories.toArray(String[]::new)).withTdx(0, 0, 2));
      t.level(TestCollateral.sgxLevel(OLD, 10, "OutOfDate", "TEST-SA-00103").withTdx(0, 0, 1));
      t.moduleIdentity(
          "TDX_01",
          List.of(
              TestCollateral.qeLevel(3, "UpToDate"),
              TestCollateral.qeLevel(2, "OutOfDate", "TEST-SA-01002"),
              TestCollateral.qeLevel(1, "Revoked", "TEST-SA-01001")));
    } else {
      t.level(TestCollateral.sgxLevel(TOP, 11, "UpToDate"));
      t.level(TestCollateral.sgxLevel(MATCH, 11, s.platformStatus, s.platformAdvisories.toArray(String[]::new)));
      if (s.duplicateLevel) {
        t.level(TestCollateral.sgxLevel(MATCH, 11, "OutOfDate", "TEST-SA-00103"));
      }
      t.level(TestCollateral.sgxLevel(OLD, 10, "OutOfDate", "TEST-SA-00103"));
    }
    s.tcbInfo.accept(t);

    QeIdentityBuilder qe = tdx ? TestCollateral.tdQeIdentity() : TestCollateral.qeIdentity();
    qe.level(TestCollateral.qeLevel(QuoteBuilder.DEFAULT_QE_ISVSVN, s.qeStatus, s.qeAdvisories.toArray(String[]::new)));
    qe.level(TestCollateral.qeLevel(6, "OutOfDate", "TEST-SA-00201"));

    CrlSpec rootCrl = CrlSpec.of(TestCollateral.DEFAULT_ISSUE_DATE, TestCollateral.DEFAULT_NEXT_UPDATE);
    if (s.revokeIntermediate) {
      rootCrl = rootCrl.revoking(pki.ca(s.pckCa).serial());
    }
    if (s.revokeTcbSigning) {
      rootCrl = rootCrl.revoking(pki.tcbSigning().serial());
    }
    CrlSpec pckCrl = s.pckCrl != null ? s.pckCrl : CrlSpec.of(TestCollateral.DEFAULT_ISSUE_DATE, TestCollateral.DEFAULT_NEXT_UPDATE);
    // an unrelated revoked serial keeps the CRL non-trivial
    pckCrl = pckCrl.revoking(BigInteger.valueOf(0x0badc0de));
    if (s.revokeLeaf) {
      pckCrl = pckCrl.revoking(leaf.serial());
    }
    CollateralBuilder c =
        TestCollateral.newBuilder(pki)
            .tcbInfo(t)
            .qeIdentity(qe)
            .rootCaCrl(rootCrl)
            .pckCrl(pckCrl)
            .pckCa(s.pckCa);
    if (s.includePckCert) {
      c.pckCertificate(leaf);
    }
    if (s.wrongTcbInfoSigner) {
      c.corruptTcbInfoSigner(DerivedKey.derive(pki.seed(), "not-the-tcb-signing-key"));
    }
    return new Built(quote, c);
  }
}
