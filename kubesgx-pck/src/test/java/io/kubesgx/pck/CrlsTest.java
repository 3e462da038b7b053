package io.kubesgx.pck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.Hex;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.Pem;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509CRL;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tests of {@link Crls} on synthetic CRLs in every accepted encoding and crafted bad inputs. */
class CrlsTest {
  private static TestPki.Issued ca;
  private static X509CRL crl;
  private static byte[] der;

  @BeforeAll
  static void pki() throws Exception {
    ca = TestPki.root("CRL Test CA");
    crl = TestPki.crl(ca, true, true, 3);
    der = crl.getEncoded();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static void assertRejected(byte[] data) {
    assertThrows(MalformedInputException.class, () -> Crls.parse(data));
  }

  @Test
  void parse_der_parses() throws Exception {
    X509CRL parsed = Crls.parse(der);
    assertEquals(crl, parsed);
    assertEquals(3, parsed.getRevokedCertificates().size());
    assertTrue(Crls.hasRequiredExtensions(parsed));
  }

  @Test
  void parse_pem_parses() throws Exception {
    assertEquals(crl, Crls.parse(ascii(Pem.encode("X509 CRL", Bytes.of(der)))));
    assertEquals(crl, Crls.parse(ascii("\n" + Pem.encode("X509 CRL", Bytes.of(der)) + "\n\0")));
  }

  @Test
  void parse_hex_parses() throws Exception {
    String hex = Hex.encode(der);
    assertEquals(crl, Crls.parse(ascii(hex)));
    assertEquals(crl, Crls.parse(ascii(hex.toUpperCase())));
    assertEquals(crl, Crls.parse(ascii("  " + hex.substring(0, 10) + "\n" + hex.substring(10) + "\n")));
    assertEquals(crl, Crls.parse(ascii("0x" + hex)));
  }

  @Test
  void parse_hexOddOrInvalid_throws() {
    String hex = Hex.encode(der);
    assertRejected(ascii(hex.substring(1)));
    assertRejected(ascii(hex + "g"));
    assertRejected(ascii(hex + "00"));
    assertRejected(ascii("00"));
  }

  @Test
  void parse_pemWrongLabelOrTwoBlocks_throws() {
    assertRejected(ascii(Pem.encode("CERTIFICATE", Bytes.of(der))));
    assertRejected(ascii(Pem.encode("X509 CRL", Bytes.of(der)) + Pem.encode("X509 CRL", Bytes.of(der))));
    assertRejected(ascii(Pem.encode("X509 CRL", Bytes.of(der)) + "junk"));
  }

  @Test
  void parse_pemWrappingCertificateDer_throws() throws Exception {
    assertRejected(ascii(Pem.encode("X509 CRL", Bytes.of(ca.cert().getEncoded()))));
  }

  @Test
  void parse_certificateDer_throws() throws Exception {
    assertRejected(ca.cert().getEncoded());
  }

  @Test
  void parse_derTrailingByte_throws() {
    assertRejected(TestDer.concat(der, new byte[] {0}));
    assertRejected(TestDer.concat(der, der));
  }

  @Test
  void parse_everyTruncation_throws() {
    for (int n = 0; n < der.length; n++) {
      assertRejected(Arrays.copyOf(der, n));
    }
  }

  @Test
  void parse_byteFlips_onlyMalformedInputEscapes() {
    for (int i = 0; i < der.length; i++) {
      byte[] m = der.clone();
      m[i] ^= (byte) 0xa5;
      try {
        Crls.parse(m);
      } catch (MalformedInputException expected) {
        // fine
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  \n", "crl", "{\"crl\":\"x\"}"})
  void parse_emptyOrGarbage_throws(String s) {
    assertRejected(ascii(s));
  }

  @Test
  void parse_nullOrOversized_throws() {
    assertRejected(null);
    assertRejected(new byte[Crls.MAX_INPUT_SIZE + 1]);
  }

  @Test
  void hasRequiredExtensions_missingCrlNumber_false() {
    assertFalse(Crls.hasRequiredExtensions(TestPki.crl(ca, false, true, 0)));
  }

  @Test
  void hasRequiredExtensions_missingAki_false() {
    assertFalse(Crls.hasRequiredExtensions(TestPki.crl(ca, true, false, 0)));
    assertFalse(Crls.hasRequiredExtensions(TestPki.crl(ca, false, false, 0)));
  }

  @Test
  void parse_emptyCrl_parsesWithNoEntries() throws Exception {
    X509CRL empty = TestPki.crl(ca, true, true, 0);
    assertEquals(null, Crls.parse(empty.getEncoded()).getRevokedCertificates());
  }
}
