package io.kubesgx.aesm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttKeyIdTest {
  @Test
  void encode_intelQe3_matchesSgxQuoteHLayout() {
    byte[] b = AttKeyId.intelEcdsaQe3().encode();
    assertEquals(256, b.length);
    assertEquals(32, b[4]); // mrsigner_length @4
    assertArrayEquals(HexFormat.of().parseHex(AttKeyId.INTEL_QE3_MRSIGNER), Arrays.copyOfRange(b, 6, 38)); // mrsigner @6
    assertEquals(1, b[54]); // prod_id @54
    assertEquals(2, b[154]); // algorithm_id @154
    assertEquals(158, AttKeyId.intelEcdsaQe3().encodeBase().length);
  }

  @Test
  void parse_roundTripsAllFields() {
    byte[] cfg = new byte[64];
    cfg[63] = 5;
    AttKeyId k = AttKeyId.newBuilder().id(1).version(2).mrSigner(new byte[48]).prodId(0xfffffffeL)
        .extendedProdId(new byte[16]).configId(cfg).familyId(new byte[16]).algorithmId(3)
        .spid(new byte[16]).attKeyType(7).build();
    AttKeyId p = AttKeyId.parse(k.encode());
    assertEquals(k, p);
    assertEquals(0xfffffffeL, p.prodId());
    assertEquals(7, p.attKeyType());
    assertEquals(48, p.mrSignerLength());
    assertEquals(AttKeyId.parse(k.encodeBase()).algorithmId(), 3);
  }

  @Test
  void parse_wrongSizeOrMrSignerLength_throws() {
    assertThrows(IllegalArgumentException.class, () -> AttKeyId.parse(new byte[255]));
    byte[] b = new byte[256];
    b[4] = 49;
    assertThrows(IllegalArgumentException.class, () -> AttKeyId.parse(b));
  }

  @Test
  void list_roundTripsAndChecksSize() {
    AttKeyId a = AttKeyId.intelEcdsaQe3();
    AttKeyId b = AttKeyId.newBuilder().algorithmId(AttKeyId.ALGORITHM_EPID).build();
    byte[] list = AttKeyId.encodeList(List.of(a, b));
    assertEquals(8 + 512, list.length);
    assertEquals(List.of(a, b), AttKeyId.parseList(list));
    assertThrows(IllegalArgumentException.class, () -> AttKeyId.parseList(Arrays.copyOf(list, list.length - 1)));
    assertThrows(IllegalArgumentException.class, () -> AttKeyId.parseList(new byte[3]));
    assertEquals(List.of(a), AttKeyId.split(AttKeyId.concat(List.of(a))));
  }

  @Test
  void sameBase_ignoresExtension() {
    AttKeyId a = AttKeyId.intelEcdsaQe3();
    AttKeyId withSpid = AttKeyId.newBuilder().mrSigner(HexFormat.of().parseHex(AttKeyId.INTEL_QE3_MRSIGNER))
        .prodId(1).algorithmId(2).attKeyType(9).build();
    assertTrue(a.sameBase(withSpid));
    assertFalse(a.equals(withSpid));
    assertFalse(a.sameBase(AttKeyId.newBuilder().build()));
  }

  @Test
  void errorCode_knownAndUnknown() {
    assertEquals(AesmErrorCode.UNSUPPORTED_ATT_KEY_ID, AesmErrorCode.of(38));
    assertEquals("AESM_PARAMETER_ERROR", AesmErrorCode.of(3).intelName());
    assertEquals(AesmErrorCode.UNKNOWN, AesmErrorCode.of(4000));
    assertEquals(AesmErrorCode.UNKNOWN, AesmErrorCode.of(-5));
    AesmException e = AesmException.errorCode("GetQuoteEx", 4000);
    assertEquals(4000, e.code());
    assertEquals(AesmException.Kind.ERROR_CODE, e.kind());
  }
}
