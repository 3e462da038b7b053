package io.kubesgx.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.ByteReader;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SgxsImageTest {
  @TempDir Path tmp;

  @Test
  void parse_fortanixTestEnclave_mrEnclaveAndCounts() throws Exception {
    SgxsImage img = SgxsImage.read(TestVectors.path("fortanix_test_enclave.sgxs"));
    JsonObject e = TestVectors.json("expected.json").object("fortanix_test_enclave.sgxs");
    assertEquals(e.string("sha256_of_measured_records == mrenclave"), img.mrEnclave().hex());
    assertEquals("784acfd7d5096a8f0fbd3265760bff21b120f62407a9a9e5ba31aa3c8ed198fc", img.mrEnclave().hex());
    assertEquals(e.object("ecreate").integer("ssaframesize_pages"), img.ssaFrameSizePages());
    assertEquals(e.object("ecreate").integer("size"), img.enclaveSize());
    assertEquals(1, e.object("records").integer("ECREATE"));
    assertEquals(e.object("records").integer("EADD"), img.eaddCount());
    assertEquals(e.object("records").integer("EEXTEND"), img.eextendCount());
    assertEquals(0, img.unmeasuredCount());
    assertEquals(9, img.eaddCount());
    assertEquals(144, img.eextendCount());
    assertEquals(262144, img.enclaveSize());
    assertEquals(1, img.ssaFrameSizePages());
  }

  @Test
  void parse_fortanixReportTest_mrEnclaveAndCounts() throws Exception {
    SgxsImage img = SgxsImage.parse(Bytes.of(TestVectors.read("fortanix_report_test.sgxs")));
    JsonObject e = TestVectors.json("expected.json").object("fortanix_report_test.sgxs");
    assertEquals(e.string("mrenclave_COMPUTED_HERE_no_upstream_sig"), img.mrEnclave().hex());
    assertEquals("a06a560b26f5e397b2d7872fac66fe4b43bf4f507296ee048f110be6fb1a2290", img.mrEnclave().hex());
    assertEquals(3, img.eaddCount());
    assertEquals(48, img.eextendCount());
    assertEquals(16384, img.enclaveSize());
    assertEquals(1, img.ssaFrameSizePages());
  }

  /** Walks the records independently of the parser and feeds them to the builder. */
  @Test
  void measurementBuilder_replayOfVectorRecords_sameMrEnclaveAndStream() throws Exception {
    for (String name : new String[] {"fortanix_test_enclave.sgxs", "fortanix_report_test.sgxs"}) {
      byte[] file = TestVectors.read(name);
      ByteReader r = ByteReader.of(file);
      assertEquals(Measurement.TAG_ECREATE, r.u64("tag"));
      long ssa = r.u32("ssa");
      long size = r.u64("size");
      r.bytes(44, "pad");
      Measurement m = Measurement.ecreateRecording(ssa, size);
      while (r.remaining() > 0) {
        long tag = r.u64("tag");
        long offset = r.u64("offset");
        if (tag == Measurement.TAG_EADD) {
          long flags = r.u64("flags");
          r.bytes(40, "pad");
          m.eadd(offset, flags);
        } else {
          assertEquals(Measurement.TAG_EEXTEND, tag);
          r.bytes(48, "pad");
          m.eextend(offset, r.bytes(256, "data"));
        }
      }
      assertEquals(Bytes.of(file), m.sgxs(), name);
      assertEquals(SgxsImage.parse(Bytes.of(file)).mrEnclave(), m.mrEnclave(), name);
      assertEquals(Bytes.of(file).sha256(), m.mrEnclave(), name);
    }
  }

  @Test
  void measurement_recordingWithUnmeasuredPage_parsesBackWithSameMrEnclave() throws Exception {
    Measurement rec = Measurement.ecreateRecording(2, 0x10000);
    Measurement plain = Measurement.ecreate(2, 0x10000);
    byte[] page = new byte[4096];
    Arrays.fill(page, (byte) 0x5a);
    for (Measurement m : new Measurement[] {rec, plain}) {
      m.addPage(0, Measurement.PT_TCS, Bytes.of(page), true);
      m.addPage(0x1000, Measurement.PT_REG | Measurement.SECINFO_R | Measurement.SECINFO_W, Bytes.of(page), false);
      m.addPage(0x3000, Measurement.PT_REG | Measurement.SECINFO_R | Measurement.SECINFO_X, Bytes.zeros(4096), true);
    }
    assertEquals(3, rec.eaddCount());
    assertEquals(32, rec.eextendCount());
    assertEquals(16, rec.unmeasuredCount());
    Bytes sgxs = rec.sgxs();
    assertEquals(64 + 3 * 64 + 48 * 320, sgxs.length());
    SgxsImage img = SgxsImage.parse(sgxs);
    assertEquals(plain.mrEnclave(), rec.mrEnclave());
    assertEquals(rec.mrEnclave(), img.mrEnclave());
    assertEquals(new SgxsImage(2, 0x10000, 3, 32, 16, rec.mrEnclave()), img);
    assertNotEquals(sgxs.sha256(), img.mrEnclave(), "unmeasured data is not hashed");
  }

  @Test
  void measurement_misuse_rejectedWithClearMessages() {
    assertThrows(IllegalArgumentException.class, () -> Measurement.ecreate(1, 3 * 4096));
    assertThrows(IllegalArgumentException.class, () -> Measurement.ecreate(1, 2048));
    assertThrows(IllegalArgumentException.class, () -> Measurement.ecreate(0, 4096));
    Measurement m = Measurement.ecreate(1, 0x4000);
    assertThrows(IllegalArgumentException.class, () -> m.eadd(0x800, Measurement.PT_REG));
    assertThrows(IllegalArgumentException.class, () -> m.eadd(0x4000, Measurement.PT_REG));
    assertThrows(IllegalArgumentException.class, () -> m.eadd(0, Measurement.PT_SECS));
    assertThrows(IllegalArgumentException.class, () -> m.eadd(0, Measurement.PT_REG | 0x10000));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.eextend(0x1000, Bytes.zeros(256)));
    assertTrue(e.getMessage().contains("never added"), e.getMessage());
    m.eadd(0x1000, Measurement.PT_REG | Measurement.SECINFO_R);
    e = assertThrows(IllegalArgumentException.class, () -> m.eadd(0x1000, Measurement.PT_REG));
    assertTrue(e.getMessage().contains("already added"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> m.eextend(0x1080, Bytes.zeros(256)));
    assertThrows(IllegalArgumentException.class, () -> m.eextend(0x1000, Bytes.zeros(255)));
    assertThrows(IllegalArgumentException.class, () -> m.addPage(0x2000, Measurement.PT_REG, Bytes.zeros(100), true));
    m.eextend(0x1100, Bytes.zeros(256));
    Bytes mr = m.mrEnclave();
    assertEquals(mr, m.mrEnclave());
    assertThrows(IllegalStateException.class, () -> m.eadd(0x2000, Measurement.PT_REG));
    assertThrows(IllegalStateException.class, m::sgxs);
  }

  @Test
  void parse_malformedStreams_rejectedWithClearMessages() throws Exception {
    Measurement rec = Measurement.ecreateRecording(1, 0x4000);
    rec.addPage(0x1000, Measurement.PT_REG | Measurement.SECINFO_R, Bytes.zeros(4096), true);
    byte[] good = rec.sgxs().toByteArray();
    SgxsImage.parse(Bytes.of(good));

    expectMalformed(new byte[0], "empty");
    expectMalformed(Arrays.copyOf(good, 63), "truncated");
    expectMalformed(Arrays.copyOf(good, good.length - 1), "EEXTEND data");
    expectMalformed(Arrays.copyOf(good, good.length + 10), "truncated");
    expectMalformed(Arrays.copyOf(good, good.length + 64), "unknown SGXS record tag");
    expectMalformed(Arrays.copyOfRange(good, 64, good.length), "must start with an ECREATE");

    byte[] twoEcreate = new byte[good.length + 64];
    System.arraycopy(good, 0, twoEcreate, 0, good.length);
    System.arraycopy(good, 0, twoEcreate, good.length, 64);
    expectMalformed(twoEcreate, "second");

    byte[] b = good.clone();
    b[12] = 0x01; // size 0x4001: not a power of two
    expectMalformed(b, "power of two");
    b = good.clone();
    b[40] = 1; // ECREATE padding
    expectMalformed(b, "padding");
    b = good.clone();
    b[64 + 8] = 0x10; // EADD offset 0x1010: misaligned
    expectMalformed(b, "page aligned");
    b = good.clone();
    b[64 + 10] = 0x01; // EADD offset 0x11000: outside 0x4000
    expectMalformed(b, "inside the enclave");
    b = good.clone();
    b[128 + 9] = 0x20; // first EEXTEND at 0x2000: page never added
    expectMalformed(b, "never added");
    b = good.clone();
    b[128 + 8] = 0x01; // EEXTEND at 0x1001: misaligned
    expectMalformed(b, "256-byte aligned");
    b = good.clone();
    b[128 + 20] = 0x01; // EEXTEND padding
    expectMalformed(b, "padding");
    b = good.clone();
    b[64 + 17] = 0x00; // EADD SECINFO page type 0 (SECS)
    expectMalformed(b, "page type");

    byte[] unsized = good.clone();
    System.arraycopy("UNSIZED\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, unsized, 0, 8);
    expectMalformed(unsized, "UNSIZED");

    byte[] garbage = new byte[4096];
    new java.util.Random(1).nextBytes(garbage);
    expectMalformed(garbage, "ECREATE");
  }

  @Test
  void read_tooLargeOrMissingFile_errors() throws Exception {
    Path missing = tmp.resolve("none.sgxs");
    assertThrows(java.io.IOException.class, () -> SgxsImage.read(missing));
    Path big = tmp.resolve("big.sgxs");
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(SgxsImage.MAX_FILE_SIZE + 1); // sparse
    }
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> SgxsImage.read(big));
    assertTrue(e.getMessage().contains("1 GiB"), e.getMessage());
    Files.delete(big);
  }

  private static void expectMalformed(byte[] stream, String messagePart) {
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> SgxsImage.parse(Bytes.of(stream)));
    assertTrue(e.getMessage().contains(messagePart), "message '" + e.getMessage() + "' should mention " + messagePart);
  }
}
