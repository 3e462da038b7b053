package io.kubesgx.collateralservice;

import io.kubesgx.testing.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateralservice.CollateralException.Reason;
import io.kubesgx.collateralservice.CollateralResult.Source;
import io.kubesgx.pck.PckCa;
import io.kubesgx.quote.TeeType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Offline bundle import and export: strict validation, atomic import, replacement rules. */
class CollateralServiceBundleTest {
  static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  static final String FMSPC = "00906ED50000";
  static final CollateralKey KEY = CollateralKey.of(TeeType.SGX, FMSPC, PckCa.PROCESSOR, UpdateType.STANDARD);
  static final CollateralKey EARLY = CollateralKey.of(TeeType.SGX, FMSPC, PckCa.PROCESSOR, UpdateType.EARLY);

  static Collateral collateral;
  static Collateral older;
  static String valid;

  @TempDir Path tmp;
  final MutableClock clock = new MutableClock(NOW);

  @BeforeAll
  static void makeCollateral() throws Exception {
    collateral = FakePcs.builder(FMSPC, false, NOW).build();
    older = FakePcs.builder(FMSPC, false, NOW.minus(Duration.ofDays(1))).build();
    valid = bundle(entry(KEY, collateral));
  }

  static BundleCodec.Entry entry(CollateralKey key, Collateral c) throws Exception {
    return new BundleCodec.Entry(key, c, PcsProtocol.nextUpdate(c), Optional.of(NOW), false);
  }

  static String bundle(BundleCodec.Entry... entries) {
    return BundleCodec.write(List.of(entries), NOW);
  }

  CollateralService offline() {
    return CollateralService.builder().offline(true).clock(clock).build();
  }

  Path write(String name, String text) throws Exception {
    Path p = tmp.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void importBundle_validBundle_servesEntryAsBundleSource() throws Exception {
    try (CollateralService s = offline()) {
      assertEquals(1, s.importBundle(write("b.json", valid)));
      CollateralResult r = s.collateralFor(KEY);
      assertEquals(Source.BUNDLE, r.source());
      assertEquals(collateral, r.collateral());
      assertEquals(NOW, r.fetchedAt());
      assertEquals(Source.BUNDLE, s.health().get(0).source().orElseThrow());
    }
  }

  @Test
  void exportBundle_thenImport_roundTripsEveryEntry() throws Exception {
    try (CollateralService s = offline()) {
      s.importBundle(write("b.json", bundle(entry(KEY, collateral), entry(EARLY, older))));
      Path out = tmp.resolve("out.json");
      s.exportBundle(out, List.of(EARLY, KEY));
      List<BundleCodec.Entry> back = BundleCodec.parse(Files.readAllBytes(out));
      assertEquals(List.of(EARLY, KEY), back.stream().map(BundleCodec.Entry::key).toList());
      assertEquals(older, back.get(0).collateral());
      assertEquals(collateral, back.get(1).collateral());
      assertTrue(back.get(0).fromBundle());
      try (CollateralService t = offline()) {
        assertEquals(2, t.importBundle(out));
        assertEquals(collateral, t.collateralFor(KEY).collateral());
      }
    }
  }

  @Test
  void exportBundle_unknownKeyOffline_throwsOfflineMiss() throws Exception {
    try (CollateralService s = offline()) {
      CollateralException e = assertThrows(CollateralException.class, () -> s.exportBundle(tmp.resolve("x.json"), List.of(KEY)));
      assertEquals(Reason.OFFLINE_MISS, e.reason());
      assertTrue(e.getMessage().contains("FMSPC 00906ED50000"), e.getMessage());
      assertTrue(Files.notExists(tmp.resolve("x.json")));
    }
  }

  @Test
  void importBundle_olderThanCached_isSkipped() throws Exception {
    try (CollateralService s = offline()) {
      assertEquals(1, s.importBundle(write("new.json", valid)));
      assertEquals(0, s.importBundle(write("old.json", bundle(entry(KEY, older)))));
      assertEquals(collateral, s.collateralFor(KEY).collateral());
    }
  }

  static Stream<Arguments> malformed() {
    String entry = "{\"tee\":\"sgx\",\"fmspc\":\"00906ED50000\",\"ca\":\"processor\",\"update\":\"standard\",";
    return Stream.of(
        Arguments.of("not JSON", "{", "JSON"),
        Arguments.of("empty file", "", "JSON"),
        Arguments.of("array", "[]", "expected a JSON object"),
        Arguments.of("wrong format", valid.replace("kubesgx-collateral-bundle", "other"), "format is 'other'"),
        Arguments.of("newer version", valid.replace("\"version\":1", "\"version\":2"), "version 2 is not supported"),
        Arguments.of("unknown top member", valid.replace("{\"format\"", "{\"extra\":1,\"format\""), "unknown bundle member 'extra'"),
        Arguments.of("unknown entry member", valid.replace(entry, entry + "\"x\":true,"),
            "entry 1 (sgx/00906ED50000/processor/standard): unknown entry member 'x'"),
        Arguments.of("bad tee", valid.replace("\"tee\":\"sgx\"", "\"tee\":\"sev\""), "entry 1: tee must be 'sgx' or 'tdx'"),
        Arguments.of("bad fmspc", valid.replace("\"fmspc\":\"00906ED50000\"", "\"fmspc\":\"0090\""), "entry 1: fmspc must be 12 hex"),
        Arguments.of("bad ca", valid.replace("\"ca\":\"processor\"", "\"ca\":\"root\""), "entry 1: ca must be"),
        Arguments.of("bad update", valid.replace("\"update\":\"standard\"", "\"update\":\"late\""), "entry 1: update must be"),
        Arguments.of("fmspc mismatch", valid.replace("\"fmspc\":\"00906ED50000\"", "\"fmspc\":\"00A067110000\""),
            "entry 1 (sgx/00A067110000/processor/standard): the TCB info is for FMSPC 00906ED50000, not 00A067110000"),
        Arguments.of("tee mismatch", valid.replace("\"tee\":\"sgx\"", "\"tee\":\"tdx\""), "the TCB info is SGX, not TDX"),
        Arguments.of("ca mismatch", valid.replace("\"ca\":\"processor\"", "\"ca\":\"platform\""), "not the platform CA"),
        Arguments.of("missing PCK CRL", valid.replaceAll("\"pck_crl\":\"[0-9a-f]+\"", "\"pck_crl\":null"), "the PCK CRL is missing"),
        Arguments.of("missing root CRL", valid.replaceAll("\"root_ca_crl\":\"[0-9a-f]+\"", "\"root_ca_crl\":null"),
            "the root CA CRL is missing"),
        Arguments.of("broken signature", valid.replaceAll("\"tcb_info_signature\":\"[0-9a-f]+\"", "\"tcb_info_signature\":\"00\""),
            "entry 1 (sgx/00906ED50000/processor/standard): tcb_info_signature"),
        Arguments.of("collateral as string", valid.substring(0, valid.indexOf("\"collateral\":") + 13) + "\"x\"}]}",
            "collateral must be a JSON object"),
        Arguments.of("bad fetchedAt", valid.replace("\"fetchedAt\":\"" + NOW + "\"", "\"fetchedAt\":\"yesterday\""),
            "fetchedAt must be an RFC 3339"),
        Arguments.of("bad origin", valid.replace("\"origin\":\"network\"", "\"origin\":\"mars\""), "origin must be"),
        Arguments.of("duplicate entry", valid.substring(0, valid.lastIndexOf("]}")) + ","
            + valid.substring(valid.indexOf("[{") + 1, valid.lastIndexOf("]}")) + "]}",
            "entry 2 (sgx/00906ED50000/processor/standard): duplicate key"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void importBundle_malformed_throwsBundleInvalidNamingTheProblem(String name, String text, String expected) throws Exception {
    try (CollateralService s = offline()) {
      Path p = write("bad.json", text);
      CollateralException e = assertThrows(CollateralException.class, () -> s.importBundle(p));
      assertEquals(Reason.BUNDLE_INVALID, e.reason());
      assertTrue(e.getMessage().startsWith("bundle " + p + ": "), e.getMessage());
      assertTrue(e.getMessage().contains(expected), e.getMessage());
      assertTrue(s.health().isEmpty());
    }
  }

  @Test
  void importBundle_invalidUtf8_throwsBundleInvalid() throws Exception {
    try (CollateralService s = offline()) {
      Path p = tmp.resolve("bin.json");
      byte[] data = valid.getBytes(StandardCharsets.UTF_8);
      data[10] = (byte) 0xff;
      Files.write(p, data);
      CollateralException e = assertThrows(CollateralException.class, () -> s.importBundle(p));
      assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    }
  }

  @Test
  void importBundle_goodEntryThenBadEntry_importsNothing() throws Exception {
    String two = bundle(entry(EARLY, collateral), entry(KEY, collateral));
    String bad = two.substring(0, two.lastIndexOf("\"tee\":\"sgx\"")) + "\"tee\":\"tdx\""
        + two.substring(two.lastIndexOf("\"tee\":\"sgx\"") + 11);
    try (CollateralService s = CollateralService.builder().offline(true).clock(clock).cacheDirectory(tmp.resolve("c")).build()) {
      CollateralException e = assertThrows(CollateralException.class, () -> s.importBundle(write("bad.json", bad)));
      assertTrue(e.getMessage().contains("entry 2 (tdx/00906ED50000/processor/standard)"), e.getMessage());
      assertEquals(Reason.OFFLINE_MISS, assertThrows(CollateralException.class, () -> s.collateralFor(EARLY)).reason());
      try (Stream<Path> files = Files.list(tmp.resolve("c").resolve(DiskCache.sourceDirectoryName("offline")))) {
        assertEquals(0, files.count());
      }
    }
  }

  @Test
  void importBundle_expiredEntry_throwsBundleInvalid() throws Exception {
    clock.set(NOW.plus(Duration.ofDays(40)));
    try (CollateralService s = offline()) {
      CollateralException e = assertThrows(CollateralException.class, () -> s.importBundle(write("b.json", valid)));
      assertEquals(Reason.BUNDLE_INVALID, e.reason());
      assertTrue(e.getMessage().contains("entry 1 (sgx/00906ED50000/processor/standard): collateral expired at 2026-12-28T00:00:00Z"),
          e.getMessage());
    }
  }

  @Test
  void importBundle_missingFile_throwsBundleInvalid() {
    try (CollateralService s = offline()) {
      CollateralException e = assertThrows(CollateralException.class, () -> s.importBundle(tmp.resolve("nope.json")));
      assertEquals(Reason.BUNDLE_INVALID, e.reason());
      assertTrue(e.getMessage().startsWith("cannot read bundle"), e.getMessage());
    }
  }
}
