package io.kubesgx.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StructuresTest {

  private static Bytes seq(int n, int start) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (start + i);
    }
    return Bytes.of(b);
  }

  @Test
  void attributes_encodingAndHelpers() throws Exception {
    Attributes a = new Attributes(Attributes.INIT | Attributes.DEBUG | Attributes.MODE64BIT, 3);
    assertEquals("07000000000000000300000000000000", a.toBytes().hex());
    assertEquals(a, Attributes.parse(a.toBytes()));
    assertTrue(a.has(Attributes.DEBUG));
    assertTrue(a.has(Attributes.DEBUG | Attributes.INIT));
    assertFalse(a.has(Attributes.KSS));
    assertEquals(new Attributes(0x5, 1), a.and(new Attributes(~Attributes.DEBUG, 1)));
    assertEquals(new Attributes(0x87, 3), a.withFlags(Attributes.KSS));
    assertThrows(IllegalArgumentException.class, () -> Attributes.parse(Bytes.zeros(15)));
  }

  @Test
  void targetInfo_roundTripAndLayout() throws Exception {
    TargetInfo t = new TargetInfo(seq(32, 0), new Attributes(0x87, 0xe7), 0x1234, 0x89abcdefL, seq(64, 0x40));
    Bytes b = t.toBytes();
    assertEquals(TargetInfo.SIZE, b.length());
    assertEquals(seq(32, 0), b.slice(0, 32));
    assertEquals("8700000000000000e700000000000000", b.slice(32, 48).hex());
    assertEquals("00003412efcdab89", b.slice(48, 56).hex());
    assertEquals(seq(64, 0x40), b.slice(64, 128));
    assertTrue(b.slice(128, 512).isAllZero());
    assertEquals(t, TargetInfo.parse(b));
  }

  @Test
  void targetInfo_malformed_rejected() {
    TargetInfo t = new TargetInfo(seq(32, 0), new Attributes(7, 3), 0, 0, Bytes.zeros(64));
    byte[] good = t.toBytes().toByteArray();
    expect(() -> TargetInfo.parse(Bytes.of(Arrays.copyOf(good, 511))), "exactly 512");
    expect(() -> TargetInfo.parse(Bytes.of(Arrays.copyOf(good, 513))), "exactly 512");
    for (int off : new int[] {48, 49, 56, 63, 128, 511}) {
      byte[] b = good.clone();
      b[off] = 1;
      expect(() -> TargetInfo.parse(Bytes.of(b)), "reserved");
    }
    assertThrows(IllegalArgumentException.class, () -> new TargetInfo(Bytes.zeros(31), t.attributes(), 0, 0, Bytes.zeros(64)));
    assertThrows(IllegalArgumentException.class, () -> new TargetInfo(Bytes.zeros(32), t.attributes(), 70000, 0, Bytes.zeros(64)));
  }

  @Test
  void report_roundTrip() throws Exception {
    Bytes raw = seq(432, 9);
    Report r = Report.parse(raw);
    assertEquals(raw, r.toBytes());
    assertEquals(raw.slice(384, 416), r.keyId());
    assertEquals(raw.slice(416, 432), r.mac());
    assertEquals(raw.slice(64, 96), r.body().mrEnclave());
    assertEquals(raw.slice(320, 384), r.body().reportData());
    expect(() -> Report.parse(Bytes.zeros(431)), "exactly 432");
    expect(() -> Report.parse(Bytes.zeros(433)), "exactly 432");
    expect(() -> Report.parse(Bytes.empty()), "exactly 432");
  }

  @Test
  void keyRequest_roundTripLayoutAndReserved() throws Exception {
    KeyRequest k = new KeyRequest(KeyRequest.KEYNAME_SEAL, KeyRequest.POLICY_MRSIGNER, 2, seq(16, 0x10),
        new Attributes(0xff0000000000000bL, 0), seq(32, 0xa0), 0xf0000000L, 5);
    Bytes b = k.toBytes();
    assertEquals(KeyRequest.SIZE, b.length());
    assertEquals("0400020002000000", b.slice(0, 8).hex());
    assertEquals(seq(16, 0x10), b.slice(8, 24));
    assertEquals("0b000000000000ff0000000000000000", b.slice(24, 40).hex());
    assertEquals(seq(32, 0xa0), b.slice(40, 72));
    assertEquals("000000f00500", b.slice(72, 78).hex());
    assertTrue(b.slice(78, 512).isAllZero());
    KeyRequest p = KeyRequest.parse(b);
    assertEquals(k, p);
    assertFalse(p.hasNonZeroReserved());
    for (int off : new int[] {6, 7, 78, 511}) {
      byte[] raw = b.toByteArray();
      raw[off] = 1;
      KeyRequest q = KeyRequest.parse(Bytes.of(raw));
      assertTrue(q.hasNonZeroReserved(), "offset " + off);
      assertEquals(Bytes.of(raw), q.toBytes(), "reserved bytes are kept for round trips");
    }
    expect(() -> KeyRequest.parse(Bytes.zeros(511)), "exactly 512");
    expect(() -> KeyRequest.parse(Bytes.zeros(1000)), "exactly 512");
    assertThrows(IllegalArgumentException.class, () -> new KeyRequest(70000, 0, 0, Bytes.zeros(16),
        new Attributes(0, 0), Bytes.zeros(32), 0, 0));
  }

  interface Parse {
    void run() throws MalformedInputException;
  }

  private static void expect(Parse p, String part) {
    MalformedInputException e = assertThrows(MalformedInputException.class, p::run);
    assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should mention " + part);
  }
}
