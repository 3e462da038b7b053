package io.kubesgx.collateral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Synthetic collateral JSON written for these tests (no third-party data). */
final class Samples {
  static final String ISSUE = "2025-01-01T00:00:00Z";
  static final String NEXT = "2025-01-31T00:00:00Z";
  static final String MRSIGNER48 = "00".repeat(48);

  private Samples() {}

  /** Returns the shared vectors directory (may not exist). */
  static Path vectors() {
    return Path.of(System.getProperty("kubesgx.shared", "../shared"), "vectors");
  }

  static boolean vectorsPresent() {
    return Files.isDirectory(vectors());
  }

  static int[] svns(int... v) {
    int[] out = new int[16];
    System.arraycopy(v, 0, out, 0, v.length);
    return out;
  }

  static String components(int[] svns) {
    return Arrays.stream(svns)
        .mapToObj(s -> "{\"svn\":" + s + ",\"category\":\"BIOS\"}")
        .collect(Collectors.joining(",", "[", "]"));
  }

  static String sgxLevel(int[] sgx, int pce, String status, String... advisories) {
    return "{\"tcb\":{\"sgxtcbcomponents\":" + components(sgx) + ",\"pcesvn\":" + pce
        + "},\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"" + status + "\""
        + advisories(advisories) + "}";
  }

  static String tdxLevel(int[] sgx, int pce, int[] tdx, String status) {
    return "{\"tcb\":{\"sgxtcbcomponents\":" + components(sgx) + ",\"pcesvn\":" + pce
        + ",\"tdxtcbcomponents\":" + components(tdx)
        + "},\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"" + status + "\"}";
  }

  static String v2Level(int[] sgx, int pce, String status) {
    StringBuilder sb = new StringBuilder("{\"tcb\":{");
    for (int i = 0; i < 16; i++) {
      sb.append(String.format("\"sgxtcbcomp%02dsvn\":%d,", i + 1, sgx[i]));
    }
    return sb.append("\"pcesvn\":").append(pce)
        .append("},\"tcbDate\":\"2019-09-01T00:00:00Z\",\"tcbStatus\":\"").append(status).append("\"}")
        .toString();
  }

  private static String advisories(String... ids) {
    if (ids.length == 0) {
      return "";
    }
    return Arrays.stream(ids).map(s -> "\"" + s + "\"")
        .collect(Collectors.joining(",", ",\"advisoryIDs\":[", "]"));
  }

  static String header(String idAndVersion) {
    return "{" + idAndVersion + ",\"issueDate\":\"" + ISSUE + "\",\"nextUpdate\":\"" + NEXT
        + "\",\"fmspc\":\"00A067110000\",\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":17";
  }

  static String sgxInfo(String... levels) {
    return header("\"id\":\"SGX\",\"version\":3") + ",\"tcbLevels\":[" + String.join(",", levels) + "]}";
  }

  /** A valid SGX v3 TCB info with two levels. */
  static String sgxInfo() {
    return sgxInfo(
        sgxLevel(svns(11, 11, 2, 2, 255, 1, 12), 13, "UpToDate"),
        sgxLevel(svns(11, 11, 2, 2, 255, 1, 0), 13, "ConfigurationAndSWHardeningNeeded",
            "INTEL-SA-00289", "INTEL-SA-00615"));
  }

  static String tdxModule() {
    return "\"tdxModule\":{\"mrsigner\":\"" + MRSIGNER48
        + "\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\"}";
  }

  static String moduleIdentity(String id, String levels) {
    return "{\"id\":\"" + id + "\",\"mrsigner\":\"" + MRSIGNER48
        + "\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\",\"tcbLevels\":["
        + levels + "]}";
  }

  static String enclaveLevel(int isvsvn, String status) {
    return "{\"tcb\":{\"isvsvn\":" + isvsvn + "},\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\""
        + status + "\"}";
  }

  static String tdxInfo(String moduleIdentities, String... levels) {
    return header("\"id\":\"TDX\",\"version\":3") + "," + tdxModule()
        + (moduleIdentities == null ? "" : ",\"tdxModuleIdentities\":[" + moduleIdentities + "]")
        + ",\"tcbLevels\":[" + String.join(",", levels) + "]}";
  }

  /** A valid TDX v3 TCB info with module identities TDX_03 and TDX_01. */
  static String tdxInfo() {
    return tdxInfo(
        moduleIdentity("TDX_03", enclaveLevel(3, "UpToDate"))
            + "," + moduleIdentity("TDX_01", enclaveLevel(2, "OutOfDate") + "," + enclaveLevel(4, "UpToDate")),
        tdxLevel(svns(2, 2, 2, 2, 3, 1, 0, 5), 11, svns(5, 0, 2), "UpToDate"),
        tdxLevel(svns(2, 2, 2, 2, 3, 1, 0, 5), 5, svns(5, 0, 2), "OutOfDate"));
  }

  /** A valid TCB info version 2 (flat components). */
  static String v2Info() {
    return "{\"version\":2,\"issueDate\":\"" + ISSUE + "\",\"nextUpdate\":\"" + NEXT
        + "\",\"fmspc\":\"00707F000000\",\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":3,\"tcbLevels\":["
        + v2Level(svns(0, 3, 0, 0, 0, 1, 1), 3, "UpToDate") + ","
        + v2Level(svns(0, 3, 0, 0, 0, 1, 0), 3, "ConfigurationNeeded") + "]}";
  }

  static String identity(String id, String... levels) {
    return "{\"id\":\"" + id + "\",\"version\":2,\"issueDate\":\"" + ISSUE + "\",\"nextUpdate\":\"" + NEXT
        + "\",\"tcbEvaluationDataNumber\":17,\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\","
        + "\"attributes\":\"11000000000000000000000000000000\",\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\","
        + "\"mrsigner\":\"8C4F5775D796503E96137F77C68A829A0056AC8DED70140B081B094490C57BFF\",\"isvprodid\":1,"
        + "\"tcbLevels\":[" + String.join(",", levels) + "]}";
  }

  /** A valid QE identity. */
  static String qeIdentity() {
    return identity("QE", enclaveLevel(8, "UpToDate"), enclaveLevel(6, "OutOfDate"));
  }

  /** Decodes hex known to be valid. */
  static Bytes hex(String hex) {
    try {
      return Bytes.fromHex(hex);
    } catch (io.kubesgx.common.MalformedInputException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static String signatureHex() {
    return "ab".repeat(64);
  }

  static String pcsBody(String key, String inner) {
    return "{\"" + key + "\":" + inner + ",\"signature\":\"" + signatureHex() + "\"}";
  }

  /** A fake certificate: any DER SEQUENCE passes the loader (X.509 is parsed elsewhere). */
  static Bytes fakeCert(int tag) {
    return Bytes.of(new byte[] {0x30, 0x03, 0x02, 0x01, (byte) tag});
  }

  static String pem(Bytes... certs) {
    StringBuilder sb = new StringBuilder();
    for (Bytes c : certs) {
      sb.append(Pem.encode("CERTIFICATE", c));
    }
    return sb.toString();
  }

  /** Replaces exactly one occurrence, failing the test when the pattern is not found once. */
  static String replaceOnce(String s, String from, String to) {
    int i = s.indexOf(from);
    assertTrue(i >= 0, "pattern not found: " + from);
    assertEquals(-1, s.indexOf(from, i + 1), "pattern found more than once: " + from);
    return s.substring(0, i) + to + s.substring(i + from.length());
  }
}
