package io.kubesgx.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ByteReaderTest {
  @Test
  void read_littleEndianValues_decodesInOrder() throws Exception {
    ByteReader r = ByteReader.of(new byte[] {1, 2, 3, 4, 5, 6, 7, (byte) 0xff, 9, 9, 9, 9, 9, 9, 9, 9});
    assertEquals(0x0201, r.u16("a"));
    assertEquals(0x06050403L, r.u32("b"));
    assertEquals(0xff07, r.u16("c"));
    assertEquals(0x0909090909090909L, r.u64("d"));
    assertEquals(0, r.remaining());
  }

  @Test
  void bytes_beyondEnd_throwsMalformedNotIndexOutOfBounds() {
    ByteReader r = ByteReader.of(new byte[3]);
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> r.bytes(4, "field"));
    assertEquals("field: need 4 bytes at offset 0, only 3 left", e.getMessage());
  }

  @Test
  void length32_hugeDeclaredLength_rejectedBeforeAllocation() {
    ByteReader r = ByteReader.of(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1});
    assertThrows(MalformedInputException.class, () -> r.length32("len"));
  }

  @Test
  void expectEnd_leftover_throws() throws Exception {
    ByteReader r = ByteReader.of(new byte[] {1, 2});
    r.u8("x");
    assertThrows(MalformedInputException.class, () -> r.expectEnd("thing"));
  }

  @Test
  void of_mutatingSource_doesNotChangeReader() throws Exception {
    byte[] src = {7, 0};
    ByteReader r = ByteReader.of(src);
    src[0] = 9;
    assertEquals(7, r.u16("v"));
  }

  @Test
  void hex_roundTripAndStrictness() throws Exception {
    assertEquals("00ff10", Bytes.fromHex("00FF10").hex());
    assertThrows(MalformedInputException.class, () -> Hex.decode("abc"));
    assertThrows(MalformedInputException.class, () -> Hex.decode("zz"));
    assertEquals(2, Hex.decodeLenientText(" 0x0a\n0b ").length);
  }

  @Test
  void pem_textOutsideBlocks_rejected() {
    String pem = Pem.encode("CERTIFICATE", Bytes.of(new byte[] {1, 2, 3}));
    assertThrows(MalformedInputException.class, () -> Pem.decodeAll("garbage\n" + pem));
  }

  @Test
  void pem_trailingNul_accepted() throws Exception {
    String pem = Pem.encode("CERTIFICATE", Bytes.of(new byte[] {1, 2, 3}));
    assertEquals(1, Pem.decodeAll(pem + "\0").size());
  }

  @Test
  void zeros_nonZeroByte_throwsWithTheRange() throws Exception {
    ByteReader ok = ByteReader.of(new byte[] {1, 0, 0, 2});
    ok.u8("first");
    ok.zeros(2, "reserved");
    assertEquals(3, ok.offset());
    ByteReader bad = ByteReader.of(new byte[] {0, 0, 5, 0});
    MalformedInputException e = assertThrows(
        MalformedInputException.class, () -> bad.zeros(4, "reserved"));
    assertEquals("reserved: bytes 0..3 must be zero", e.getMessage());
    assertThrows(MalformedInputException.class, () -> ByteReader.of(new byte[2]).zeros(3, "short"));
  }
}
