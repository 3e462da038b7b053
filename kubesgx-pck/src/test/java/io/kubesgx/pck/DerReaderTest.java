package io.kubesgx.pck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.pck.internal.DerReader;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** Tests of the internal strict DER reader. */
class DerReaderTest {
  private static byte[] b(int... v) {
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return out;
  }

  @Test
  void readOid_sgxOids_dotted() throws Exception {
    assertEquals("1.2.840.113741.1.13.1", DerReader.of(TestDer.oid("1.2.840.113741.1.13.1")).readOid());
    assertEquals("1.2.840.113741.1.13.1.2.18", DerReader.of(TestDer.oid("1.2.840.113741.1.13.1.2.18")).readOid());
    assertEquals("2.5.29.35", DerReader.of(TestDer.oid("2.5.29.35")).readOid());
    assertEquals("2.999.3", DerReader.of(TestDer.oid("2.999.3")).readOid());
    assertEquals("0.0", DerReader.of(b(0x06, 0x01, 0x00)).readOid());
  }

  @Test
  void readOid_malformed_throws() {
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x06, 0x00)).readOid());
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x06, 0x02, 0x2a, 0x86)).readOid());
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x06, 0x03, 0x2a, 0x80, 0x01)).readOid());
    byte[] huge = new byte[12];
    huge[0] = 0x06;
    huge[1] = 10;
    java.util.Arrays.fill(huge, 2, 11, (byte) 0xff);
    huge[11] = 0x7f;
    assertThrows(MalformedInputException.class, () -> DerReader.of(huge).readOid());
  }

  @Test
  void readInteger_minimalForms_decodedSigned() throws Exception {
    assertEquals(BigInteger.valueOf(255), DerReader.of(b(0x02, 0x02, 0x00, 0xff)).readInteger());
    assertEquals(BigInteger.valueOf(-1), DerReader.of(b(0x02, 0x01, 0xff)).readInteger());
    assertEquals(BigInteger.ZERO, DerReader.of(b(0x02, 0x01, 0x00)).readInteger());
    assertEquals(BigInteger.valueOf(-129), DerReader.of(b(0x02, 0x02, 0xff, 0x7f)).readInteger());
  }

  @Test
  void readInteger_nonMinimal_throws() {
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x02, 0x02, 0x00, 0x7f)).readInteger());
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x02, 0x02, 0xff, 0x80)).readInteger());
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x02, 0x00)).readInteger());
  }

  @Test
  void readBoolean_onlyCanonical() throws Exception {
    assertTrue(DerReader.of(b(0x01, 0x01, 0xff)).readBoolean());
    assertFalse(DerReader.of(b(0x01, 0x01, 0x00)).readBoolean());
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x01, 0x01, 0x01)).readBoolean());
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x01, 0x00)).readBoolean());
  }

  @Test
  void lengths_nonMinimalIndefiniteOrTruncated_throw() {
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x04, 0x81, 0x01, 0x00)).readOctetString());
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x04, 0x82, 0x00, 0x90)).readOctetString());
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x30, 0x80, 0x00, 0x00)).readSequence());
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x04, 0x05, 0x00)).readOctetString());
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x04, 0x84, 0x7f, 0xff, 0xff, 0xff)).readOctetString());
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x04)).readOctetString());
    assertThrows(MalformedInputException.class, () -> DerReader.of(b()).readOctetString());
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x1f, 0x81, 0x01, 0x00)).readElement());
  }

  @Test
  void lengths_longForm_accepted() throws Exception {
    byte[] data = new byte[3 + 200];
    data[0] = 0x04;
    data[1] = (byte) 0x81;
    data[2] = (byte) 200;
    assertEquals(200, DerReader.of(data).readOctetString().length());
    assertEquals(203, DerReader.elementLength(data, 0));
  }

  @Test
  void elementLength_outOfRange_throws() {
    assertThrows(MalformedInputException.class, () -> DerReader.elementLength(b(0x30, 0x00), 2));
    assertThrows(MalformedInputException.class, () -> DerReader.elementLength(b(0x30, 0x00), -1));
    assertThrows(MalformedInputException.class, () -> DerReader.elementLength(b(0x30, 0x03, 0x00), 0));
  }

  @Test
  void read_wrongTag_throws() {
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x04, 0x00)).readSequence());
    assertThrows(MalformedInputException.class, () -> DerReader.of(b(0x02, 0x01, 0x00)).readEnumerated());
  }

  @Test
  void expectEnd_trailing_throws() throws Exception {
    DerReader r = DerReader.of(b(0x05, 0x00, 0x05, 0x00));
    r.readElement();
    assertThrows(MalformedInputException.class, r::expectEnd);
  }

  @Test
  void of_copiesInput() throws Exception {
    byte[] data = b(0x04, 0x01, 0x07);
    DerReader r = DerReader.of(data);
    data[2] = 0x09;
    assertEquals("07", r.readOctetString().hex());
  }
}
