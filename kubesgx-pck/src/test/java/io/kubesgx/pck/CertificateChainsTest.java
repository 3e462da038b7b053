package io.kubesgx.pck;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubesgx.common.MalformedInputException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tests of {@link CertificateChains#orderLeafFirst} on synthetic chains. */
class CertificateChainsTest {
  private static TestPki.Issued root;
  private static TestPki.Issued intermediate;
  private static TestPki.Issued leaf;

  @BeforeAll
  static void pki() {
    root = TestPki.root("Chain Root");
    intermediate = TestPki.issue("CN=Chain Intermediate", root, true, true, null);
    leaf = TestPki.issue("CN=Chain Leaf", intermediate, false, true, null);
  }

  private static List<X509Certificate> expected() {
    return List.of(leaf.cert(), intermediate.cert(), root.cert());
  }

  private static void assertRejected(X509Certificate... certs) {
    assertThrows(MalformedInputException.class, () -> CertificateChains.orderLeafFirst(Arrays.asList(certs)));
  }

  @Test
  void orderLeafFirst_everyPermutation_leafIntermediateRoot() throws Exception {
    List<X509Certificate> base = expected();
    int[][] perms = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int[] p : perms) {
      List<X509Certificate> in = List.of(base.get(p[0]), base.get(p[1]), base.get(p[2]));
      assertEquals(base, CertificateChains.orderLeafFirst(in), Arrays.toString(p));
    }
  }

  @Test
  void orderLeafFirst_withoutRoot_leafIntermediate() throws Exception {
    assertEquals(List.of(leaf.cert(), intermediate.cert()),
        CertificateChains.orderLeafFirst(List.of(intermediate.cert(), leaf.cert())));
  }

  @Test
  void orderLeafFirst_single_returnsIt() throws Exception {
    assertEquals(List.of(leaf.cert()), CertificateChains.orderLeafFirst(List.of(leaf.cert())));
    assertEquals(List.of(root.cert()), CertificateChains.orderLeafFirst(List.of(root.cert())));
  }

  @Test
  void orderLeafFirst_withoutKeyIdentifiers_matchesByName() throws Exception {
    TestPki.Issued r = TestPki.issue("CN=NoKid Root", null, true, false, null);
    TestPki.Issued i = TestPki.issue("CN=NoKid Intermediate", r, true, false, null);
    TestPki.Issued l = TestPki.issue("CN=NoKid Leaf", i, false, false, null);
    assertEquals(List.of(l.cert(), i.cert(), r.cert()),
        CertificateChains.orderLeafFirst(List.of(r.cert(), l.cert(), i.cert())));
  }

  @Test
  void orderLeafFirst_empty_throws() {
    assertRejected();
    assertThrows(MalformedInputException.class, () -> CertificateChains.orderLeafFirst(null));
    assertThrows(MalformedInputException.class,
        () -> CertificateChains.orderLeafFirst(Collections.singletonList(null)));
  }

  @Test
  void orderLeafFirst_duplicate_throws() {
    assertRejected(leaf.cert(), intermediate.cert(), root.cert(), intermediate.cert());
    assertRejected(leaf.cert(), leaf.cert());
  }

  @Test
  void orderLeafFirst_sameSubjectDifferentCertificates_throws() {
    // Two intermediates with the same name (different keys) make the path ambiguous.
    TestPki.Issued twin = TestPki.issue("CN=Chain Intermediate", root, true, true, null);
    assertRejected(leaf.cert(), intermediate.cert(), twin.cert(), root.cert());
  }

  @Test
  void orderLeafFirst_branch_throws() {
    TestPki.Issued sibling = TestPki.issue("CN=Chain Leaf 2", intermediate, false, true, null);
    assertRejected(leaf.cert(), sibling.cert(), intermediate.cert(), root.cert());
  }

  @Test
  void orderLeafFirst_disconnectedExtra_throws() {
    TestPki.Issued other = TestPki.root("Unrelated Root");
    assertRejected(leaf.cert(), intermediate.cert(), root.cert(), other.cert());
    assertRejected(leaf.cert(), root.cert());
  }

  @Test
  void orderLeafFirst_twoUnrelatedLeaves_throws() {
    TestPki.Issued a = TestPki.issue("CN=A", null, false, true, null);
    TestPki.Issued b = TestPki.issue("CN=B", null, false, true, null);
    assertRejected(a.cert(), b.cert());
  }

  @Test
  void orderLeafFirst_cycle_throws() {
    // A is named as issued by B and B by A (signatures are irrelevant here).
    KeyPair ka = TestPki.newKeyPair();
    KeyPair kb = TestPki.newKeyPair();
    TestPki.Issued fakeB = new TestPki.Issued(TestPki.issue("CN=Cycle B", null, kb, true, false, null).cert(), kb);
    TestPki.Issued a = TestPki.issue("CN=Cycle A", fakeB, ka, true, false, null);
    TestPki.Issued b = TestPki.issue("CN=Cycle B", a, kb, true, false, null);
    assertRejected(a.cert(), b.cert());
  }

  @Test
  void orderLeafFirst_cycleWithTail_throws() {
    KeyPair ka = TestPki.newKeyPair();
    KeyPair kb = TestPki.newKeyPair();
    TestPki.Issued fakeB = new TestPki.Issued(TestPki.issue("CN=Tail B", null, kb, true, false, null).cert(), kb);
    TestPki.Issued a = TestPki.issue("CN=Tail A", fakeB, ka, true, false, null);
    TestPki.Issued b = TestPki.issue("CN=Tail B", a, kb, true, false, null);
    TestPki.Issued l = TestPki.issue("CN=Tail Leaf", a, false, false, null);
    assertRejected(l.cert(), a.cert(), b.cert());
  }

  @Test
  void orderLeafFirst_nameMatchButKeyIdentifierMismatch_throws() {
    // Same issuer name as the intermediate, but signed by (and AKI of) another key.
    TestPki.Issued impostor = new TestPki.Issued(intermediate.cert(), TestPki.newKeyPair());
    TestPki.Issued strayLeaf = TestPki.issue("CN=Stray Leaf", impostor, false, true, null);
    assertRejected(strayLeaf.cert(), intermediate.cert(), root.cert());
  }

  @Test
  void orderLeafFirst_moreThanMax_throwsAndMaxOrders() {
    List<X509Certificate> many = new ArrayList<>();
    TestPki.Issued prev = TestPki.root("Long Root");
    many.add(prev.cert());
    for (int i = 0; i < Certificates.MAX_CERTIFICATES; i++) {
      prev = TestPki.issue("CN=Long " + i, prev, true, true, null);
      many.add(prev.cert());
    }
    assertThrows(MalformedInputException.class, () -> CertificateChains.orderLeafFirst(many));
    List<X509Certificate> max = new ArrayList<>(many.subList(1, many.size()));
    assertEquals(Certificates.MAX_CERTIFICATES, max.size());
    List<X509Certificate> reversed = new ArrayList<>(max);
    Collections.reverse(reversed);
    assertEquals(reversed, assertDoesNotThrow(() -> CertificateChains.orderLeafFirst(max)));
  }

  @Test
  void orderLeafFirst_result_isUnmodifiable() throws Exception {
    List<X509Certificate> out = CertificateChains.orderLeafFirst(expected());
    assertThrows(UnsupportedOperationException.class, () -> out.remove(0));
  }
}
