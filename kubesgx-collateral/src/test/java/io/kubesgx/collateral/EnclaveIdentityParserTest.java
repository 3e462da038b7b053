package io.kubesgx.collateral;

import static io.kubesgx.collateral.Samples.enclaveLevel;
import static io.kubesgx.collateral.Samples.identity;
import static io.kubesgx.collateral.Samples.qeIdentity;
import static io.kubesgx.collateral.Samples.replaceOnce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EnclaveIdentityParserTest {

  private static void rejects(String json, String messagePart) {
    MalformedInputException e =
        assertThrows(MalformedInputException.class, () -> EnclaveIdentityParser.parse(json));
    assertTrue(e.getMessage().contains(messagePart), () -> "message '" + e.getMessage() + "' lacks '" + messagePart + "'");
  }

  @Test
  void parse_qeIdentity_readsAllFieldsInReportByteOrder() throws Exception {
    EnclaveIdentity q = EnclaveIdentityParser.parse(qeIdentity());
    assertEquals("QE", q.id());
    assertEquals(2, q.version());
    assertEquals(Instant.parse(Samples.ISSUE), q.issueDate());
    assertEquals(Instant.parse(Samples.NEXT), q.nextUpdate());
    assertEquals(17, q.tcbEvaluationDataNumber());
    assertEquals(Bytes.fromHex("00000000"), q.miscselect());
    assertEquals(Bytes.fromHex("ffffffff"), q.miscselectMask());
    assertEquals(0x11, q.attributes().get(0));
    assertEquals(16, q.attributesMask().length());
    assertEquals(0x8c, q.mrSigner().get(0));
    assertEquals(32, q.mrSigner().length());
    assertEquals(1, q.isvProdId());
    assertEquals(List.of(8, 6), q.tcbLevels().stream().map(EnclaveTcbLevel::isvSvn).toList());
    assertEquals(TcbStatus.OUT_OF_DATE, q.tcbLevels().get(1).status());
  }

  @Test
  void parse_miscselectHex_keptAsBytesNotNumber() throws Exception {
    EnclaveIdentity q = EnclaveIdentityParser.parse(replaceOnce(qeIdentity(), "\"miscselect\":\"00000000\"", "\"miscselect\":\"D182B18C\""));
    assertEquals(Bytes.of(new byte[] {(byte) 0xd1, (byte) 0x82, (byte) 0xb1, (byte) 0x8c}), q.miscselect());
  }

  @Test
  void parse_unsortedLevels_sortedDescending() throws Exception {
    EnclaveIdentity q = EnclaveIdentityParser.parse(identity("TD_QE", enclaveLevel(1, "OutOfDate"),
        enclaveLevel(4, "UpToDate"), enclaveLevel(2, "Revoked")));
    assertEquals(List.of(4, 2, 1), q.tcbLevels().stream().map(EnclaveTcbLevel::isvSvn).toList());
  }

  @ParameterizedTest
  @ValueSource(strings = {"UpToDate", "OutOfDate", "ConfigurationNeeded", "OutOfDateConfigurationNeeded", "Revoked"})
  void parse_intelAcceptedStatus_accepted(String status) throws Exception {
    assertEquals(TcbStatus.fromJsonName(status),
        EnclaveIdentityParser.parse(identity("QVE", enclaveLevel(1, status))).tcbLevels().get(0).status());
  }

  @ParameterizedTest
  @ValueSource(strings = {"SWHardeningNeeded", "ConfigurationAndSWHardeningNeeded", "Unknown", ""})
  void parse_otherStatus_throws(String status) {
    rejects(identity("QE", enclaveLevel(1, status)), "enclaveIdentity.tcbLevels[0].tcbStatus");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "3", "\"2\""})
  void parse_versionNot2_throws(String version) {
    rejects(replaceOnce(qeIdentity(), "\"version\":2", "\"version\":" + version), "enclaveIdentity.version");
  }

  @ParameterizedTest
  @ValueSource(strings = {"QAE", "qe", "TDQE", ""})
  void parse_unknownId_throws(String id) {
    rejects(identity(id, enclaveLevel(1, "UpToDate")), "enclaveIdentity.id: must be QE, QVE or TD_QE");
  }

  @Test
  void parse_emptyLevels_throws() {
    rejects(identity("QE"), "enclaveIdentity.tcbLevels: must not be empty");
  }

  @Test
  void parse_duplicateIsvSvn_throws() {
    rejects(identity("QE", enclaveLevel(3, "UpToDate"), enclaveLevel(3, "OutOfDate")), "duplicated level for isvsvn 3");
  }

  @Test
  void parse_isvSvnOutOfRange_throws() {
    rejects(identity("QE", enclaveLevel(65536, "UpToDate")), "enclaveIdentity.tcbLevels[0].tcb.isvsvn");
  }

  @Test
  void parse_isvProdIdOutOfRange_throws() {
    rejects(replaceOnce(qeIdentity(), "\"isvprodid\":1", "\"isvprodid\":65536"), "enclaveIdentity.isvprodid");
  }

  @Test
  void parse_mrSignerWrongLength_throws() {
    rejects(replaceOnce(qeIdentity(), "C57BFF\"", "C57B\""), "enclaveIdentity.mrsigner: expected 64 hex digits");
  }

  @Test
  void parse_attributesWrongLength_throws() {
    rejects(replaceOnce(qeIdentity(), "\"attributes\":\"11000000000000000000000000000000\"", "\"attributes\":\"1100\""),
        "enclaveIdentity.attributes");
  }

  @Test
  void parse_miscselectMaskMissing_throws() {
    rejects(replaceOnce(qeIdentity(), "\"miscselectMask\":\"FFFFFFFF\",", ""), "enclaveIdentity.miscselectMask: missing");
  }

  @Test
  void parse_duplicateKey_throws() {
    rejects(replaceOnce(qeIdentity(), "\"isvprodid\":1", "\"isvprodid\":1,\"isvprodid\":2"), "duplicate key 'isvprodid'");
  }

  @Test
  void parse_levelWithoutTcbDate_throws() {
    rejects(identity("QE", "{\"tcb\":{\"isvsvn\":1},\"tcbStatus\":\"UpToDate\"}"), "tcbLevels[0].tcbDate: missing");
  }

  @Test
  void parse_unknownFields_tolerated() throws Exception {
    EnclaveIdentityParser.parse(replaceOnce(qeIdentity(), "\"isvprodid\":1", "\"isvprodid\":1,\"newField\":[null]"));
  }
}
