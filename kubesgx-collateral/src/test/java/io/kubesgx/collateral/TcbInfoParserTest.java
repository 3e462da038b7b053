package io.kubesgx.collateral;

import static io.kubesgx.collateral.Samples.replaceOnce;
import static io.kubesgx.collateral.Samples.sgxInfo;
import static io.kubesgx.collateral.Samples.sgxLevel;
import static io.kubesgx.collateral.Samples.svns;
import static io.kubesgx.collateral.Samples.tdxInfo;
import static io.kubesgx.collateral.Samples.tdxLevel;
import static io.kubesgx.collateral.Samples.v2Info;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TcbInfoParserTest {

  private static MalformedInputException rejects(String json, String messagePart) {
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> TcbInfoParser.parse(json));
    assertTrue(e.getMessage().contains(messagePart), () -> "message '" + e.getMessage() + "' lacks '" + messagePart + "'");
    return e;
  }

  @Test
  void parse_sgxV3_readsAllFields() throws Exception {
    TcbInfo t = TcbInfoParser.parse(sgxInfo());
    assertEquals(Optional.of("SGX"), t.id());
    assertFalse(t.isTdx());
    assertEquals(3, t.version());
    assertEquals(Instant.parse(Samples.ISSUE), t.issueDate());
    assertEquals(Instant.parse(Samples.NEXT), t.nextUpdate());
    assertEquals(Bytes.fromHex("00a067110000"), t.fmspc());
    assertEquals(Bytes.fromHex("0000"), t.pceId());
    assertEquals(0, t.tcbType());
    assertEquals(17, t.tcbEvaluationDataNumber());
    assertTrue(t.tdxModule().isEmpty());
    assertTrue(t.tdxModuleIdentities().isEmpty());
    assertEquals(2, t.tcbLevels().size());
    TcbLevel second = t.tcbLevels().get(1);
    assertEquals(List.of(11, 11, 2, 2, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), second.sgxComponents());
    assertEquals(13, second.pceSvn());
    assertEquals(TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED, second.status());
    assertEquals(List.of("INTEL-SA-00289", "INTEL-SA-00615"), second.advisoryIds());
    assertTrue(second.tdxComponents().isEmpty());
    assertEquals(List.of(), t.tcbLevels().get(0).advisoryIds());
  }

  @Test
  void parse_tdxV3_readsModuleAndIdentities() throws Exception {
    TcbInfo t = TcbInfoParser.parse(tdxInfo());
    assertTrue(t.isTdx());
    assertEquals(48, t.tdxModule().orElseThrow().mrSigner().length());
    assertEquals(Bytes.fromHex("FFFFFFFFFFFFFFFF"), t.tdxModule().orElseThrow().attributesMask());
    assertEquals(2, t.tdxModuleIdentities().size());
    TdxModuleIdentity m = t.tdxModuleIdentities().get(1);
    assertEquals("TDX_01", m.id());
    assertEquals(List.of(4, 2), m.tcbLevels().stream().map(EnclaveTcbLevel::isvSvn).toList());
    assertEquals(List.of(5, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), t.tcbLevels().get(0).tdxComponents().orElseThrow());
  }

  @Test
  void parse_v2Flat_readsComponentsInIndexOrder() throws Exception {
    TcbInfo t = TcbInfoParser.parse(v2Info());
    assertEquals(Optional.empty(), t.id());
    assertEquals(2, t.version());
    assertEquals(List.of(0, 3, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), t.tcbLevels().get(0).sgxComponents());
    assertEquals(TcbStatus.CONFIGURATION_NEEDED, t.tcbLevels().get(1).status());
  }

  @Test
  void parse_unsortedLevels_sortsLikeIntel() throws Exception {
    String json = sgxInfo(
        sgxLevel(svns(1, 9), 20, "OutOfDate"),
        sgxLevel(svns(2, 0), 1, "UpToDate"),
        sgxLevel(svns(1, 9), 21, "SWHardeningNeeded"),
        sgxLevel(svns(1, 10), 0, "Revoked"));
    List<TcbLevel> levels = TcbInfoParser.parse(json).tcbLevels();
    assertEquals(List.of(TcbStatus.UP_TO_DATE, TcbStatus.REVOKED, TcbStatus.SW_HARDENING_NEEDED, TcbStatus.OUT_OF_DATE),
        levels.stream().map(TcbLevel::status).toList());
  }

  @Test
  void parse_tdxLevelsEqualSgxAndPce_sortedByTdxComponents() throws Exception {
    String json = tdxInfo(null,
        tdxLevel(svns(2), 5, svns(5, 0, 2), "OutOfDate"),
        tdxLevel(svns(2), 5, svns(5, 0, 3), "UpToDate"),
        tdxLevel(svns(2), 5, svns(4, 9, 9), "Revoked"));
    List<TcbLevel> levels = TcbInfoParser.parse(json).tcbLevels();
    assertEquals(List.of(TcbStatus.UP_TO_DATE, TcbStatus.OUT_OF_DATE, TcbStatus.REVOKED),
        levels.stream().map(TcbLevel::status).toList());
  }

  @Test
  void parse_duplicateLevels_throws() {
    rejects(sgxInfo(sgxLevel(svns(1, 2), 3, "UpToDate"), sgxLevel(svns(1, 2), 3, "OutOfDate")), "duplicated TCB level");
  }

  @Test
  void parse_duplicateTdxLevels_throws() {
    rejects(tdxInfo(null, tdxLevel(svns(2), 5, svns(5), "UpToDate"), tdxLevel(svns(2), 5, svns(5), "OutOfDate")),
        "duplicated TCB level");
  }

  @Test
  void parse_levelsDifferingOnlyInTdxComponents_accepted() throws Exception {
    assertEquals(2, TcbInfoParser.parse(tdxInfo(null,
        tdxLevel(svns(2), 5, svns(5), "UpToDate"), tdxLevel(svns(2), 5, svns(4), "OutOfDate"))).tcbLevels().size());
  }

  @Test
  void parse_emptyLevels_throws() {
    rejects(sgxInfo(new String[0]), "tcbInfo.tcbLevels: must not be empty");
  }

  @Test
  void parse_duplicateKey_throws() {
    rejects(replaceOnce(sgxInfo(), "\"tcbType\":0", "\"tcbType\":0,\"tcbType\":0"), "duplicate key 'tcbType'");
  }

  @Test
  void parse_duplicateKeyNested_throws() {
    rejects(replaceOnce(sgxInfo(sgxLevel(svns(1), 13, "UpToDate")), "\"pcesvn\":13}", "\"pcesvn\":13,\"pcesvn\":1}"),
        "duplicate key 'pcesvn'");
  }

  @Test
  void parse_unknownTcbStatus_throws() {
    rejects(sgxInfo(sgxLevel(svns(1), 1, "UpToDateish")), "tcbInfo.tcbLevels[0].tcbStatus: unknown tcbStatus 'UpToDateish'");
  }

  @Test
  void parse_resultOnlyRelaunchStatus_throws() {
    rejects(sgxInfo(sgxLevel(svns(1), 1, "TDRelaunchAdvised")), "unknown tcbStatus 'TDRelaunchAdvised'");
    rejects(sgxInfo(sgxLevel(svns(1), 1, "TDRelaunchAdvisedConfigurationNeeded")), "unknown tcbStatus");
  }

  @Test
  void parse_statusWrongCase_throws() {
    rejects(sgxInfo(sgxLevel(svns(1), 1, "uptodate")), "unknown tcbStatus");
  }

  @Test
  void parse_tcbType1_throws() {
    rejects(replaceOnce(sgxInfo(), "\"tcbType\":0", "\"tcbType\":1"), "tcbInfo.tcbType: unsupported TCB type 1");
  }

  @Test
  void parse_tcbTypeMissing_throws() {
    rejects(replaceOnce(sgxInfo(), "\"tcbType\":0,", ""), "tcbInfo.tcbType: missing");
  }

  @Test
  void parse_tdxWithoutModule_throws() {
    rejects(replaceOnce(tdxInfo(), Samples.tdxModule() + ",", ""), "tcbInfo.tdxModule: missing (required for TDX)");
  }

  @Test
  void parse_sgxWithModule_throws() {
    rejects(replaceOnce(sgxInfo(), "\"tcbLevels\"", Samples.tdxModule() + ",\"tcbLevels\""), "tcbInfo.tdxModule: not allowed for SGX");
  }

  @Test
  void parse_sgxWithModuleIdentities_throws() {
    rejects(replaceOnce(sgxInfo(), "\"tcbLevels\"", "\"tdxModuleIdentities\":[],\"tcbLevels\""),
        "tcbInfo.tdxModuleIdentities: not allowed for SGX");
  }

  @Test
  void parse_emptyModuleIdentities_throws() {
    rejects(tdxInfo("", tdxLevel(svns(2), 5, svns(5), "UpToDate")), "tdxModuleIdentities: must not be empty");
  }

  @Test
  void parse_tdxWithoutModuleIdentities_accepted() throws Exception {
    assertTrue(TcbInfoParser.parse(tdxInfo(null, tdxLevel(svns(2), 5, svns(5), "UpToDate"))).tdxModuleIdentities().isEmpty());
  }

  @Test
  void parse_moduleLevelConfigurationNeeded_throws() {
    rejects(tdxInfo(Samples.moduleIdentity("TDX_01", Samples.enclaveLevel(1, "ConfigurationNeeded")),
        tdxLevel(svns(2), 5, svns(5), "UpToDate")), "is not allowed here");
  }

  @Test
  void parse_duplicateModuleIdentityIds_throws() {
    String m = Samples.moduleIdentity("TDX_01", Samples.enclaveLevel(1, "UpToDate"));
    rejects(tdxInfo(m + "," + m.replace("TDX_01", "tdx_01"), tdxLevel(svns(2), 5, svns(5), "UpToDate")),
        "duplicate module identity");
  }

  @Test
  void parse_moduleMrSignerShort_throws() {
    rejects(replaceOnce(tdxInfo(), "\"tdxModule\":{\"mrsigner\":\"" + Samples.MRSIGNER48,
        "\"tdxModule\":{\"mrsigner\":\"" + "00".repeat(32)), "tcbInfo.tdxModule.mrsigner: expected 96 hex digits");
  }

  @Test
  void parse_tdxLevelWithoutTdxComponents_throws() {
    rejects(tdxInfo(null, sgxLevel(svns(2), 5, "UpToDate")), "tcbInfo.tcbLevels[0].tcb.tdxtcbcomponents: missing");
  }

  @Test
  void parse_sgxLevelWithTdxComponents_throws() {
    rejects(sgxInfo(tdxLevel(svns(2), 5, svns(5), "UpToDate")), "tdxtcbcomponents: not allowed for SGX");
  }

  @Test
  void parse_15Components_throws() {
    rejects(replaceOnce(sgxInfo(sgxLevel(svns(1), 1, "UpToDate")), "{\"svn\":0,\"category\":\"BIOS\"}]", "]")
        .replace(",]", "]"), "sgxtcbcomponents: expected 16 components, got 15");
  }

  @Test
  void parse_17Components_throws() {
    rejects(replaceOnce(sgxInfo(sgxLevel(svns(1), 1, "UpToDate")), "{\"svn\":1,", "{\"svn\":1},{\"svn\":1,"),
        "expected 16 components, got 17");
  }

  @Test
  void parse_15TdxComponents_throws() {
    String json = tdxInfo(null, tdxLevel(svns(2), 5, svns(5), "UpToDate"));
    int i = json.lastIndexOf(",{\"svn\":0,\"category\":\"BIOS\"}]");
    rejects(json.substring(0, i) + "]" + json.substring(i + ",{\"svn\":0,\"category\":\"BIOS\"}]".length()),
        "tdxtcbcomponents: expected 16 components, got 15");
  }

  @ParameterizedTest
  @ValueSource(strings = {"256", "-1", "1.0", "1e1", "\"1\"", "null", "99999999999999999999", "-0"})
  void parse_badComponentSvn_throws(String svn) {
    rejects(replaceOnce(sgxInfo(sgxLevel(svns(7), 1, "UpToDate")), "{\"svn\":7,", "{\"svn\":" + svn + ","),
        "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[0].svn");
  }

  @Test
  void parse_componentWithoutSvn_throws() {
    rejects(replaceOnce(sgxInfo(sgxLevel(svns(7), 1, "UpToDate")), "{\"svn\":7,", "{"), "sgxtcbcomponents[0].svn: missing");
  }

  @Test
  void parse_pceSvnOutOfRange_throws() {
    rejects(sgxInfo(sgxLevel(svns(1), 65536, "UpToDate")), "tcb.pcesvn: must be an integer in 0..65535");
  }

  @Test
  void parse_pceSvnMax_accepted() throws Exception {
    assertEquals(65535, TcbInfoParser.parse(sgxInfo(sgxLevel(svns(1), 65535, "UpToDate"))).tcbLevels().get(0).pceSvn());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "2025-01-01", "2025-01-01T00:00Z", "2025-01-01T00:00:00", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z",
      "2025-01-01T24:00:00Z", "2025-01-01 00:00:00Z", "2025-01-01T00:00:60Z", "+2025-01-01T00:00:00Z",
      "2025-01-01T00:00:00+0100", "2025-01-01T00:00:00.Z", "2025-01-01T00:00:00Z ", "", "٢٠٢٥-01-01T00:00:00Z"})
  void parse_badIssueDate_throws(String date) {
    rejects(replaceOnce(sgxInfo(), "\"issueDate\":\"" + Samples.ISSUE + "\"", "\"issueDate\":\"" + date + "\""),
        "tcbInfo.issueDate");
  }

  @Test
  void parse_dateWithOffsetAndFraction_normalisedToInstant() throws Exception {
    TcbInfo t = TcbInfoParser.parse(replaceOnce(sgxInfo(), "\"issueDate\":\"" + Samples.ISSUE + "\"",
        "\"issueDate\":\"2025-01-01t02:30:00.5+02:30\""));
    assertEquals(Instant.parse("2025-01-01T00:00:00.5Z"), t.issueDate());
  }

  @Test
  void parse_badTcbDate_throws() {
    rejects(replaceOnce(sgxInfo(sgxLevel(svns(1), 1, "UpToDate")), "2024-03-13T00:00:00Z", "yesterday"),
        "tcbInfo.tcbLevels[0].tcbDate");
  }

  @Test
  void parse_dateNotString_throws() {
    rejects(replaceOnce(sgxInfo(), "\"nextUpdate\":\"" + Samples.NEXT + "\"", "\"nextUpdate\":1700000000"),
        "tcbInfo.nextUpdate: must be a JSON string");
  }

  @ParameterizedTest
  @ValueSource(strings = {"00A0671100", "00A06711000000", "00A06711000G", "", "00 A06711000"})
  void parse_badFmspc_throws(String fmspc) {
    rejects(replaceOnce(sgxInfo(), "00A067110000", fmspc), "tcbInfo.fmspc");
  }

  @Test
  void parse_lowerCaseFmspc_accepted() throws Exception {
    assertEquals(Bytes.fromHex("b0c06f000000"),
        TcbInfoParser.parse(replaceOnce(sgxInfo(), "00A067110000", "b0c06f000000")).fmspc());
  }

  @Test
  void parse_badPceId_throws() {
    rejects(replaceOnce(sgxInfo(), "\"pceId\":\"0000\"", "\"pceId\":\"000\""), "tcbInfo.pceId");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "4", "\"3\"", "3.0"})
  void parse_badVersion_throws(String version) {
    rejects(replaceOnce(sgxInfo(), "\"version\":3", "\"version\":" + version), "tcbInfo.version");
  }

  @Test
  void parse_v3WithoutId_throws() {
    rejects(replaceOnce(sgxInfo(), "\"id\":\"SGX\",", ""), "tcbInfo.id: missing");
  }

  @Test
  void parse_unknownId_throws() {
    rejects(replaceOnce(sgxInfo(), "\"id\":\"SGX\"", "\"id\":\"sgx\""), "tcbInfo.id: must be SGX or TDX");
  }

  @Test
  void parse_v2WithId_throws() {
    rejects(replaceOnce(v2Info(), "{\"version\":2", "{\"id\":\"SGX\",\"version\":2"), "tcbInfo.id: not allowed");
  }

  @Test
  void parse_v2WithComponentArray_throws() {
    rejects(replaceOnce(v2Info(), "\"version\":2", "\"version\":3,\"id\":\"SGX\""), "not allowed in TCB info version 3");
  }

  @Test
  void parse_v2MissingFlatComponent_throws() {
    rejects(v2Info().replace("\"sgxtcbcomp16svn\":0,", ""), "sgxtcbcomp16svn: missing");
  }

  @Test
  void parse_v3WithComponentArrayInV2_throws() {
    rejects(replaceOnce(sgxInfo(), "\"version\":3", "\"version\":2").replace("\"id\":\"SGX\",", ""),
        "not allowed in TCB info version 2");
  }

  @Test
  void parse_unknownExtraFields_tolerated() throws Exception {
    String json = replaceOnce(sgxInfo(), "\"tcbType\":0", "\"tcbType\":0,\"futureField\":{\"x\":[1,2]}");
    json = json.replace("\"pcesvn\":13}", "\"pcesvn\":13,\"future\":true}");
    assertEquals(2, TcbInfoParser.parse(json).tcbLevels().size());
  }

  @Test
  void parse_advisoryIdNotString_throws() {
    rejects(replaceOnce(sgxInfo(), "\"INTEL-SA-00289\"", "289"), "advisoryIDs[0]: must be a JSON string");
  }

  @Test
  void parse_evaluationNumberNegative_throws() {
    rejects(replaceOnce(sgxInfo(), "\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":-1"),
        "tcbInfo.tcbEvaluationDataNumber");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "[]", "null", "{", "{}x", "{\"version\":3}", "\"tcbInfo\""})
  void parse_structurallyBroken_throws(String json) {
    assertThrows(MalformedInputException.class, () -> TcbInfoParser.parse(json));
  }

  @Test
  void parse_oversized_throws() {
    rejects(" ".repeat((1 << 20) + 1), "exceeds the limit");
  }

  @Test
  void intelOrder_comparesPceSvnOnlyOnEqualComponents() {
    TcbLevel a = new TcbLevel(List.of(2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 1, Optional.empty(),
        Instant.EPOCH, TcbStatus.UP_TO_DATE, List.of());
    TcbLevel b = new TcbLevel(List.of(1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9), 99, Optional.empty(),
        Instant.EPOCH, TcbStatus.UP_TO_DATE, List.of());
    assertTrue(TcbLevel.INTEL_ORDER.compare(a, b) < 0);
  }

  @Test
  void tcbLevel_wrongComponentCount_throwsIllegalArgument() {
    assertThrows(IllegalArgumentException.class, () -> new TcbLevel(List.of(1), 1, Optional.empty(),
        Instant.EPOCH, TcbStatus.UP_TO_DATE, List.of()));
  }
}
