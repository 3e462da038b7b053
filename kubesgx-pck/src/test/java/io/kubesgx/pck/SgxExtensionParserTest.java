package io.kubesgx.pck;

import static io.kubesgx.pck.SgxExtensionBuilder.CONFIGURATION;
import static io.kubesgx.pck.SgxExtensionBuilder.FMSPC;
import static io.kubesgx.pck.SgxExtensionBuilder.PCE_ID;
import static io.kubesgx.pck.SgxExtensionBuilder.PLATFORM_INSTANCE_ID;
import static io.kubesgx.pck.SgxExtensionBuilder.PPID;
import static io.kubesgx.pck.SgxExtensionBuilder.SGX_TYPE;
import static io.kubesgx.pck.SgxExtensionBuilder.TCB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Synthetic, fail-closed tests of {@link SgxExtensionParser} on crafted extension values. */
class SgxExtensionParserTest {

  private static SgxExtensionBuilder valid(PckCa ca) {
    return ca == PckCa.PROCESSOR ? SgxExtensionBuilder.processor() : SgxExtensionBuilder.platform();
  }

  private static void assertRejected(byte[] value, PckCa ca) {
    assertThrows(MalformedInputException.class, () -> SgxExtensionParser.parse(value, ca));
  }

  @Test
  void parse_validProcessorShape_returnsAllFields() throws Exception {
    SgxExtensions ext = SgxExtensionParser.parse(SgxExtensionBuilder.processor().build(), PckCa.PROCESSOR);
    assertEquals("11111111111111111111111111111111", ext.ppid().hex());
    assertEquals(List.of(4, 4, 2, 2, 255, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0), ext.tcbComponents());
    assertEquals(13, ext.pceSvn());
    assertEquals("04040202ff0100030000000000000000", ext.cpuSvn().hex());
    assertEquals("0000", ext.pceId().hex());
    assertEquals("001122334455", ext.fmspc().hex());
    assertEquals(SgxType.STANDARD, ext.sgxType());
    assertEquals(Optional.empty(), ext.platformInstanceId());
    assertEquals(Optional.empty(), ext.configuration());
    assertTrue(ext.cpuSvnMatchesComponents());
  }

  @Test
  void parse_validPlatformShape_returnsPlatformFields() throws Exception {
    SgxExtensions ext = SgxExtensionParser.parse(SgxExtensionBuilder.platform().build(), PckCa.PLATFORM);
    assertEquals(SgxType.SCALABLE, ext.sgxType());
    assertEquals("66666666666666666666666666666666", ext.platformInstanceId().orElseThrow().hex());
    assertEquals(
        new PlatformConfiguration(Optional.of(false), Optional.of(true), Optional.of(true)),
        ext.configuration().orElseThrow());
  }

  @Test
  void parse_entriesInAnyOrder_accepted() throws Exception {
    SgxExtensionBuilder b = SgxExtensionBuilder.platform();
    java.util.Collections.reverse(b.top);
    java.util.Collections.reverse(b.tcb);
    java.util.Collections.reverse(b.config);
    SgxExtensions ext = SgxExtensionParser.parse(b.build(), PckCa.PLATFORM);
    assertEquals(SgxExtensionParser.parse(SgxExtensionBuilder.platform().build(), PckCa.PLATFORM), ext);
  }

  @Test
  void parse_certificateFromSimulatedProcessorCa_usesProcessorShape() throws Exception {
    X509Certificate leaf = TestPki.pckLeaf(TestPki.SIM_PROCESSOR_CA, SgxExtensionBuilder.processor().build());
    assertEquals(PckCa.PROCESSOR, PckCa.fromIssuer(leaf.getIssuerX500Principal()).orElseThrow());
    assertEquals(Optional.empty(), SgxExtensionParser.parse(leaf).configuration());
  }

  @Test
  void parse_certificateFromSimulatedPlatformCa_usesPlatformShape() throws Exception {
    X509Certificate leaf = TestPki.pckLeaf(TestPki.SIM_PLATFORM_CA, SgxExtensionBuilder.platform().build());
    assertTrue(SgxExtensionParser.parse(leaf).configuration().isPresent());
  }

  @Test
  void parse_platformLeafMissingConfiguration_throws() {
    byte[] ext = SgxExtensionBuilder.platform().remove(CONFIGURATION).build();
    X509Certificate leaf = TestPki.pckLeaf(TestPki.SIM_PLATFORM_CA, ext);
    assertThrows(MalformedInputException.class, () -> SgxExtensionParser.parse(leaf));
  }

  @Test
  void parse_processorShapeUnderPlatformCa_throws() {
    X509Certificate leaf = TestPki.pckLeaf(TestPki.SIM_PLATFORM_CA, SgxExtensionBuilder.processor().build());
    assertThrows(MalformedInputException.class, () -> SgxExtensionParser.parse(leaf));
  }

  @Test
  void parse_platformShapeUnderProcessorCa_throws() {
    X509Certificate leaf = TestPki.pckLeaf(TestPki.SIM_PROCESSOR_CA, SgxExtensionBuilder.platform().build());
    assertThrows(MalformedInputException.class, () -> SgxExtensionParser.parse(leaf));
  }

  @Test
  void parse_unknownIssuer_throws() {
    X509Certificate leaf = TestPki.pckLeaf("CN=Intel SGX Root CA,O=kubesgx test", SgxExtensionBuilder.processor().build());
    assertThrows(MalformedInputException.class, () -> SgxExtensionParser.parse(leaf));
  }

  @Test
  void parse_leafWithoutSgxExtension_throws() {
    X509Certificate leaf = TestPki.pckLeaf(TestPki.SIM_PROCESSOR_CA, null);
    assertThrows(MalformedInputException.class, () -> SgxExtensionParser.parse(leaf));
  }

  @Test
  void parse_leafWithNonDerExtensionValue_throws() {
    X509Certificate leaf = TestPki.pckLeaf(TestPki.SIM_PROCESSOR_CA, new byte[] {0x30, 0x05, 0x01});
    assertThrows(MalformedInputException.class, () -> SgxExtensionParser.parse(leaf));
  }

  @Test
  void parse_nulls_throw() {
    assertThrows(MalformedInputException.class, () -> SgxExtensionParser.parse((X509Certificate) null));
    assertThrows(MalformedInputException.class, () -> SgxExtensionParser.parse(null, PckCa.PROCESSOR));
    assertThrows(MalformedInputException.class,
        () -> SgxExtensionParser.parse(SgxExtensionBuilder.processor().build(), null));
  }

  @ParameterizedTest
  @ValueSource(strings = {PPID, TCB, PCE_ID, FMSPC, SGX_TYPE})
  void parse_missingCommonField_throws(String oid) {
    assertRejected(SgxExtensionBuilder.processor().remove(oid).build(), PckCa.PROCESSOR);
    assertRejected(SgxExtensionBuilder.platform().remove(oid).build(), PckCa.PLATFORM);
  }

  @ParameterizedTest
  @ValueSource(strings = {PLATFORM_INSTANCE_ID, CONFIGURATION})
  void parse_missingPlatformField_throws(String oid) {
    assertRejected(SgxExtensionBuilder.platform().remove(oid).build(), PckCa.PLATFORM);
  }

  @Test
  void parse_sixEntries_throwsForBothCas() {
    byte[] six = SgxExtensionBuilder.platform().remove(CONFIGURATION).build();
    assertRejected(six, PckCa.PROCESSOR);
    assertRejected(six, PckCa.PLATFORM);
  }

  @ParameterizedTest
  @EnumSource(PckCa.class)
  void parse_extraUnknownOid_throws(PckCa ca) {
    SgxExtensionBuilder b = valid(ca);
    b.top.add(Map.entry(SgxExtensionBuilder.BASE + ".8", TestDer.integer(1)));
    assertRejected(b.build(), ca);
  }

  @ParameterizedTest
  @EnumSource(PckCa.class)
  void parse_unknownOidReplacingField_throws(PckCa ca) {
    SgxExtensionBuilder b = valid(ca).remove(FMSPC);
    b.top.add(Map.entry("1.2.840.113741.1.13.2", TestDer.octets(6, 0)));
    assertRejected(b.build(), ca);
  }

  @ParameterizedTest
  @EnumSource(PckCa.class)
  void parse_duplicateTopLevelOid_throws(PckCa ca) {
    SgxExtensionBuilder b = valid(ca);
    b.top.add(Map.entry(FMSPC, TestDer.octets(6, 0)));
    assertRejected(b.build(), ca);
    SgxExtensionBuilder c = valid(ca).remove(SGX_TYPE);
    c.top.add(Map.entry(FMSPC, TestDer.octets(6, 0))); // right count, duplicate instead of missing
    assertRejected(c.build(), ca);
  }

  @Test
  void parse_seventeenTcbEntries_throws() {
    assertRejected(SgxExtensionBuilder.processor().remove(TCB + ".16").build(), PckCa.PROCESSOR);
    assertRejected(SgxExtensionBuilder.processor().remove(TCB + ".17").build(), PckCa.PROCESSOR);
    assertRejected(SgxExtensionBuilder.processor().remove(TCB + ".18").build(), PckCa.PROCESSOR);
  }

  @Test
  void parse_nineteenTcbEntries_throws() {
    SgxExtensionBuilder b = SgxExtensionBuilder.processor();
    b.tcb.add(Map.entry(TCB + ".19", TestDer.integer(0)));
    assertRejected(b.build(), PckCa.PROCESSOR);
  }

  @Test
  void parse_duplicateTcbOid_throws() {
    SgxExtensionBuilder b = SgxExtensionBuilder.processor().remove(TCB + ".16");
    b.tcb.add(Map.entry(TCB + ".15", TestDer.integer(0)));
    assertRejected(b.build(), PckCa.PROCESSOR);
  }

  @Test
  void parse_tcbOidUnderWrongArc_throws() {
    SgxExtensionBuilder b = SgxExtensionBuilder.processor().remove(TCB + ".16");
    b.tcb.add(Map.entry(SgxExtensionBuilder.BASE + ".16", TestDer.integer(0)));
    assertRejected(b.build(), PckCa.PROCESSOR);
  }

  @ParameterizedTest
  @ValueSource(longs = {256, -1, -128, 65535, 1L << 40})
  void parse_componentSvnOutOfRange_throws(long svn) {
    assertRejected(SgxExtensionBuilder.processor().set(TCB + ".3", TestDer.integer(svn)).build(), PckCa.PROCESSOR);
  }

  @Test
  void parse_componentSvn255AsTwoBytes_accepted() throws Exception {
    byte[] twoByte = {0x02, 0x02, 0x00, (byte) 0xff};
    SgxExtensions ext = SgxExtensionParser.parse(
        SgxExtensionBuilder.processor().set(TCB + ".1", twoByte).build(), PckCa.PROCESSOR);
    assertEquals(255, ext.tcbComponents().get(0));
  }

  @Test
  void parse_componentSvnFfSingleByte_isMinusOneAndThrows() {
    byte[] minusOne = {0x02, 0x01, (byte) 0xff};
    assertRejected(SgxExtensionBuilder.processor().set(TCB + ".1", minusOne).build(), PckCa.PROCESSOR);
  }

  @Test
  void parse_nonMinimalInteger_throws() {
    byte[] padded = {0x02, 0x02, 0x00, 0x05};
    assertRejected(SgxExtensionBuilder.processor().set(TCB + ".1", padded).build(), PckCa.PROCESSOR);
    byte[] empty = {0x02, 0x00};
    assertRejected(SgxExtensionBuilder.processor().set(TCB + ".1", empty).build(), PckCa.PROCESSOR);
  }

  @ParameterizedTest
  @ValueSource(longs = {65536, -1, 1L << 33})
  void parse_pceSvnOutOfRange_throws(long svn) {
    assertRejected(SgxExtensionBuilder.processor().set(TCB + ".17", TestDer.integer(svn)).build(), PckCa.PROCESSOR);
  }

  @Test
  void parse_pceSvnMax_accepted() throws Exception {
    SgxExtensions ext = SgxExtensionParser.parse(
        SgxExtensionBuilder.processor().set(TCB + ".17", TestDer.integer(65535)).build(), PckCa.PROCESSOR);
    assertEquals(65535, ext.pceSvn());
  }

  @Test
  void parse_wrongTypes_throw() {
    List<byte[]> bad = new ArrayList<>();
    bad.add(SgxExtensionBuilder.processor().set(PPID, TestDer.integer(5)).build());
    bad.add(SgxExtensionBuilder.processor().set(PPID, TestDer.octets(15, 1)).build());
    bad.add(SgxExtensionBuilder.processor().set(PPID, TestDer.octets(17, 1)).build());
    bad.add(SgxExtensionBuilder.processor().set(TCB + ".2", TestDer.octets(1, 4)).build());
    bad.add(SgxExtensionBuilder.processor().set(TCB + ".2", TestDer.enumerated(4)).build());
    bad.add(SgxExtensionBuilder.processor().set(TCB + ".17", TestDer.octets(2, 0)).build());
    bad.add(SgxExtensionBuilder.processor().set(TCB + ".18", TestDer.octets(15, 0)).build());
    bad.add(SgxExtensionBuilder.processor().set(TCB + ".18", TestDer.integer(0)).build());
    bad.add(SgxExtensionBuilder.processor().set(TCB, TestDer.octets(16, 0)).build());
    bad.add(SgxExtensionBuilder.processor().set(PCE_ID, TestDer.octets(3, 0)).build());
    bad.add(SgxExtensionBuilder.processor().set(PCE_ID, TestDer.integer(0)).build());
    bad.add(SgxExtensionBuilder.processor().set(FMSPC, TestDer.octets(5, 0)).build());
    bad.add(SgxExtensionBuilder.processor().set(FMSPC, TestDer.seq(TestDer.octets(6, 0))).build());
    bad.add(SgxExtensionBuilder.processor().set(SGX_TYPE, TestDer.integer(0)).build());
    bad.add(SgxExtensionBuilder.processor().set(SGX_TYPE, TestDer.enumerated(3)).build());
    bad.add(SgxExtensionBuilder.processor().set(SGX_TYPE, TestDer.enumerated(-1)).build());
    bad.add(SgxExtensionBuilder.processor().set(SGX_TYPE, TestDer.enumerated(1L << 32)).build());
    for (int i = 0; i < bad.size(); i++) {
      final int k = i;
      assertThrows(MalformedInputException.class,
          () -> SgxExtensionParser.parse(bad.get(k), PckCa.PROCESSOR), "case " + i);
    }
  }

  @Test
  void parse_platformWrongTypes_throw() {
    List<byte[]> bad = new ArrayList<>();
    bad.add(SgxExtensionBuilder.platform().set(PLATFORM_INSTANCE_ID, TestDer.octets(15, 0)).build());
    bad.add(SgxExtensionBuilder.platform().set(PLATFORM_INSTANCE_ID, TestDer.integer(1)).build());
    bad.add(SgxExtensionBuilder.platform().set(CONFIGURATION, TestDer.octets(3, 0)).build());
    bad.add(SgxExtensionBuilder.platform().set(CONFIGURATION + ".1", TestDer.integer(1)).build());
    bad.add(SgxExtensionBuilder.platform().set(CONFIGURATION + ".2", new byte[] {0x01, 0x01, 0x01}).build());
    bad.add(SgxExtensionBuilder.platform().set(CONFIGURATION + ".3", new byte[] {0x01, 0x02, 0x00, 0x00}).build());
    bad.add(SgxExtensionBuilder.platform().remove(CONFIGURATION + ".3").build());
    SgxExtensionBuilder extra = SgxExtensionBuilder.platform();
    extra.config.add(Map.entry(CONFIGURATION + ".4", TestDer.bool(true)));
    bad.add(extra.build());
    SgxExtensionBuilder dup = SgxExtensionBuilder.platform().remove(CONFIGURATION + ".3");
    dup.config.add(Map.entry(CONFIGURATION + ".2", TestDer.bool(true)));
    bad.add(dup.build());
    for (int i = 0; i < bad.size(); i++) {
      final int k = i;
      assertThrows(MalformedInputException.class,
          () -> SgxExtensionParser.parse(bad.get(k), PckCa.PLATFORM), "case " + i);
    }
  }

  @Test
  void parse_entryWithExtraValue_throws() {
    SgxExtensionBuilder b = SgxExtensionBuilder.processor();
    byte[] v = TestDer.concat(TestDer.octets(6, 0), TestDer.integer(1));
    assertRejected(b.set(FMSPC, v).build(), PckCa.PROCESSOR);
  }

  @Test
  void parse_entryWithoutValue_throws() {
    SgxExtensionBuilder b = SgxExtensionBuilder.processor();
    assertRejected(b.set(FMSPC, new byte[] {}).build(), PckCa.PROCESSOR);
  }

  @Test
  void parse_trailingBytesAfterSequence_throws() {
    byte[] ok = SgxExtensionBuilder.processor().build();
    byte[] trailing = Arrays.copyOf(ok, ok.length + 1);
    assertRejected(trailing, PckCa.PROCESSOR);
  }

  @Test
  void parse_everyTruncation_throws() {
    byte[] ok = SgxExtensionBuilder.platform().build();
    for (int n = 0; n < ok.length; n++) {
      assertRejected(Arrays.copyOf(ok, n), PckCa.PLATFORM);
    }
  }

  @Test
  void parse_everySingleByteFlip_neverThrowsUnexpected() {
    byte[] ok = SgxExtensionBuilder.platform().build();
    for (int i = 0; i < ok.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] m = ok.clone();
        m[i] ^= (byte) (1 << bit);
        for (PckCa ca : PckCa.values()) {
          try {
            SgxExtensionParser.parse(m, ca);
          } catch (MalformedInputException expected) {
            // fine
          }
        }
      }
    }
  }

  @Test
  void parse_indefiniteLength_throws() {
    byte[] ok = SgxExtensionBuilder.processor().build();
    byte[] indefinite = TestDer.concat(new byte[] {0x30, (byte) 0x80},
        Arrays.copyOfRange(ok, 3, ok.length), new byte[] {0, 0});
    assertRejected(indefinite, PckCa.PROCESSOR);
  }

  @Test
  void record_invalidSizes_throwIllegalArgument() {
    Bytes b16 = Bytes.zeros(16);
    List<Integer> comps = List.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    assertThrows(IllegalArgumentException.class, () -> new SgxExtensions(Bytes.zeros(15), comps, 0, b16,
        Bytes.zeros(2), Bytes.zeros(6), SgxType.STANDARD, Optional.empty(), Optional.empty()));
    assertThrows(IllegalArgumentException.class, () -> new SgxExtensions(b16, comps.subList(0, 15), 0, b16,
        Bytes.zeros(2), Bytes.zeros(6), SgxType.STANDARD, Optional.empty(), Optional.empty()));
    assertThrows(IllegalArgumentException.class, () -> new SgxExtensions(b16, comps, 65536, b16,
        Bytes.zeros(2), Bytes.zeros(6), SgxType.STANDARD, Optional.empty(), Optional.empty()));
    assertThrows(IllegalArgumentException.class, () -> new SgxExtensions(b16, comps, 0, b16,
        Bytes.zeros(2), Bytes.zeros(6), SgxType.STANDARD, Optional.of(Bytes.zeros(3)), Optional.empty()));
    List<Integer> big = new ArrayList<>(comps);
    big.set(3, 256);
    assertThrows(IllegalArgumentException.class, () -> new SgxExtensions(b16, big, 0, b16,
        Bytes.zeros(2), Bytes.zeros(6), SgxType.STANDARD, Optional.empty(), Optional.empty()));
    assertThrows(NullPointerException.class, () -> new SgxExtensions(b16, comps, 0, b16,
        Bytes.zeros(2), Bytes.zeros(6), null, Optional.empty(), Optional.empty()));
  }

  @Test
  void record_componentsList_isImmutableCopy() {
    List<Integer> comps = new ArrayList<>(List.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    SgxExtensions ext = new SgxExtensions(Bytes.zeros(16), comps, 0, Bytes.zeros(16), Bytes.zeros(2),
        Bytes.zeros(6), SgxType.STANDARD, Optional.empty(), Optional.empty());
    comps.set(0, 9);
    assertEquals(0, ext.tcbComponents().get(0));
    assertThrows(UnsupportedOperationException.class, () -> ext.tcbComponents().set(0, 1));
  }

  @Test
  void cpuSvnMatchesComponents_mismatch_false() throws Exception {
    byte[] other = SgxExtensionBuilder.processor().set(TCB + ".18", TestDer.octets(16, 7)).build();
    SgxExtensions ext = SgxExtensionParser.parse(other, PckCa.PROCESSOR);
    assertFalse(ext.cpuSvnMatchesComponents());
    assertArrayEquals(new byte[16], Bytes.zeros(16).toByteArray());
  }

  @Test
  void sgxType_fromValue_mapsAndRejects() throws Exception {
    assertEquals(SgxType.STANDARD, SgxType.fromValue(0));
    assertEquals(SgxType.SCALABLE, SgxType.fromValue(1));
    assertEquals(SgxType.SCALABLE_WITH_INTEGRITY, SgxType.fromValue(2));
    assertThrows(MalformedInputException.class, () -> SgxType.fromValue(3));
    assertThrows(MalformedInputException.class, () -> SgxType.fromValue(-1));
  }
}
