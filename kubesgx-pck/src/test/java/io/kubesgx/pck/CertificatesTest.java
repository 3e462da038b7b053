package io.kubesgx.pck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.Pem;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tests of {@link Certificates} on synthetic certificates and crafted encodings. */
class CertificatesTest {
  private static X509Certificate root;
  private static X509Certificate leaf;
  private static byte[] rootDer;
  private static byte[] leafDer;

  @BeforeAll
  static void pki() throws Exception {
    TestPki.Issued r = TestPki.root("Test Root");
    TestPki.Issued l = TestPki.issue("CN=Test Leaf", r, false, true, null);
    root = r.cert();
    leaf = l.cert();
    rootDer = root.getEncoded();
    leafDer = leaf.getEncoded();
  }

  private static String pem(byte[] der) {
    return Pem.encode("CERTIFICATE", Bytes.of(der));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static void assertRejected(byte[] data) {
    assertThrows(MalformedInputException.class, () -> Certificates.parseAll(data));
  }

  @Test
  void parseAll_pemChain_returnsInOrder() throws Exception {
    assertEquals(List.of(leaf, root), Certificates.parseAll(ascii(pem(leafDer) + pem(rootDer))));
  }

  @Test
  void parseAll_pemWithTrailingNulAndWhitespace_accepted() throws Exception {
    assertEquals(List.of(leaf, root), Certificates.parseAll(ascii("\r\n" + pem(leafDer) + pem(rootDer) + "\n\0")));
    assertEquals(List.of(leaf), Certificates.parseAll(ascii(pem(leafDer) + "\0\0 \n\0")));
  }

  @Test
  void parseAll_pemWithNulBetweenBlocks_throws() {
    assertRejected(ascii(pem(leafDer) + "\0" + pem(rootDer)));
  }

  @Test
  void parseAll_pemWithLeadingNul_throws() {
    assertRejected(ascii("\0" + pem(leafDer)));
  }

  @Test
  void parseAll_pemWithTextOutsideBlocks_throws() {
    assertRejected(ascii(pem(leafDer) + "subject=foo\n" + pem(rootDer)));
    assertRejected(ascii(pem(leafDer) + "x"));
  }

  @Test
  void parseAll_pemWithOtherLabel_throws() {
    assertRejected(ascii(pem(leafDer) + Pem.encode("PRIVATE KEY", Bytes.of(rootDer))));
    assertRejected(ascii(Pem.encode("X509 CRL", Bytes.of(rootDer))));
    assertRejected(ascii(Pem.encode("TRUSTED CERTIFICATE", Bytes.of(rootDer))));
  }

  @Test
  void parseAll_pemWithBadBase64_throws() {
    String p = pem(leafDer);
    assertRejected(ascii(p.replace("-----\n", "-----\n!")));
    assertRejected(ascii(p.substring(0, p.length() - 10)));
  }

  @Test
  void parseAll_pemWithNonAscii_throws() {
    byte[] data = ascii(pem(leafDer));
    data[40] = (byte) 0xc3;
    assertRejected(data);
  }

  @Test
  void parseAll_pemWrappingTwoDerCertificates_throws() {
    byte[] two = TestDer.concat(leafDer, rootDer);
    assertRejected(ascii(pem(two)));
  }

  @Test
  void parseAll_pemWrappingNonCertificate_throws() {
    assertRejected(ascii(pem(new byte[] {0x30, 0x03, 0x02, 0x01, 0x01})));
  }

  @Test
  void parseAll_concatenatedDer_returnsInOrder() throws Exception {
    assertEquals(List.of(root, leaf), Certificates.parseAll(TestDer.concat(rootDer, leafDer)));
  }

  @Test
  void parseAll_concatenatedDerWithTrailingByte_throws() {
    assertRejected(TestDer.concat(rootDer, leafDer, new byte[] {0}));
    assertRejected(TestDer.concat(rootDer, new byte[] {0x30, 0x00}));
  }

  @Test
  void parseAll_derWithLeadingWhitespace_throws() {
    assertRejected(TestDer.concat(new byte[] {' '}, rootDer));
  }

  @Test
  void parseAll_everyDerTruncation_throws() {
    for (int n = 0; n < rootDer.length; n++) {
      assertRejected(Arrays.copyOf(rootDer, n));
    }
  }

  @Test
  void parseAll_derWithTamperedTbs_throwsOrParses() {
    for (int i = 0; i < rootDer.length; i++) {
      byte[] m = rootDer.clone();
      m[i] ^= 0x5a;
      try {
        Certificates.parseAll(m);
      } catch (MalformedInputException expected) {
        // fine
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\n\r\t ", "\0", "hello", "MIIB"})
  void parseAll_emptyOrNotPemNorDer_throws(String s) {
    assertRejected(ascii(s));
  }

  @Test
  void parseAll_base64WithoutHeaders_throws() {
    assertRejected(ascii(Base64.getEncoder().encodeToString(rootDer)));
  }

  @Test
  void parseAll_null_throws() {
    assertRejected(null);
  }

  @Test
  void parseAll_tooManyCertificates_throws() {
    StringBuilder sb = new StringBuilder();
    byte[][] ders = new byte[Certificates.MAX_CERTIFICATES + 1][];
    for (int i = 0; i <= Certificates.MAX_CERTIFICATES; i++) {
      sb.append(pem(leafDer));
      ders[i] = leafDer;
    }
    assertRejected(ascii(sb.toString()));
    assertRejected(TestDer.concat(ders));
  }

  @Test
  void parseAll_maxCertificates_accepted() throws Exception {
    List<byte[]> ders = new ArrayList<>();
    for (int i = 0; i < Certificates.MAX_CERTIFICATES; i++) {
      ders.add(leafDer);
    }
    assertEquals(Certificates.MAX_CERTIFICATES, Certificates.parseAll(TestDer.concat(ders.toArray(new byte[0][]))).size());
  }

  @Test
  void parseAll_oversizedInput_throws() {
    assertRejected(new byte[Certificates.MAX_INPUT_SIZE + 1]);
  }

  @Test
  void parse_singleDer_returnsCertificate() throws Exception {
    assertEquals(root, Certificates.parse(Bytes.of(rootDer)));
  }

  @Test
  void parse_derWithTrailingByteOrPem_throws() {
    assertThrows(MalformedInputException.class, () -> Certificates.parse(Bytes.of(TestDer.concat(rootDer, new byte[] {0}))));
    assertThrows(MalformedInputException.class, () -> Certificates.parse(Bytes.of(TestDer.concat(rootDer, leafDer))));
    assertThrows(MalformedInputException.class, () -> Certificates.parse(Bytes.of(ascii(pem(rootDer)))));
    assertThrows(MalformedInputException.class, () -> Certificates.parse(Bytes.empty()));
    assertThrows(MalformedInputException.class, () -> Certificates.parse(null));
  }

  @Test
  void parse_berLongFormLength_throws() {
    // Re-encode the outer length with one extra (non-minimal) length byte.
    int lenBytes = rootDer[1] & 0x7f;
    byte[] ber = new byte[rootDer.length + 1];
    ber[0] = 0x30;
    ber[1] = (byte) (0x80 | (lenBytes + 1));
    ber[2] = 0;
    System.arraycopy(rootDer, 2, ber, 3, rootDer.length - 2);
    assertThrows(MalformedInputException.class, () -> Certificates.parse(Bytes.of(ber)));
  }

  @Test
  void parsePemText_chain_parses() throws Exception {
    assertEquals(List.of(leaf, root), Certificates.parsePemText(pem(leafDer) + pem(rootDer) + "\0"));
    assertThrows(MalformedInputException.class, () -> Certificates.parsePemText(""));
    assertThrows(MalformedInputException.class, () -> Certificates.parsePemText(null));
  }

  @Test
  void parseAll_returnsUnmodifiableList() throws Exception {
    List<X509Certificate> l = Certificates.parseAll(rootDer);
    assertThrows(UnsupportedOperationException.class, () -> l.add(leaf));
  }
}
