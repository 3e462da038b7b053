package io.kubesgx.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.CollateralLoader;
import io.kubesgx.common.Bytes;
import io.kubesgx.pck.CertificateChains;
import io.kubesgx.pck.CertificateInfo;
import io.kubesgx.pck.Certificates;
import io.kubesgx.pck.Crls;
import io.kubesgx.quote.QuoteParser;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Validity-window boundaries (dcap-verification.md §5: every window is inclusive) on phala-sgx-v3
 * (CRLs present) and oasis-sgx-v3 (no CRLs).
 *
 * <p>The collateral cannot be re-signed, so an item usually cannot be pushed out of its window
 * alone. Instead the test derives every item's window from the collateral itself and an oracle
 * predicts the reason of the <em>first</em> failing check, in the verifier's (Intel QVL's) order:
 *
 * <ol>
 *   <li>PCK chain, leaf first (PCK_CERT_NOT_YET_VALID / PCK_CERT_EXPIRED);
 *   <li>root CA CRL, then PCK CRL (CRL_NOT_YET_VALID / CRL_EXPIRED);
 *   <li>PCK CRL issuer chain (SIGNING_CERT_*);
 *   <li>TCB info signing chain (SIGNING_CERT_*), then the TCB info (TCB_INFO_NOT_YET_VALID /
 *       TCB_INFO_EXPIRED);
 *   <li>QE identity signing chain (SIGNING_CERT_*), then the QE identity (QE_IDENTITY_*);
 *   <li>then the QE report and quote checks, which have no time dependence.
 * </ol>
 *
 * <p>A self-signed root certificate inside a chain only locates the pinned anchor; its validity is
 * not checked, and the test asserts it never binds the window. For every item the test asserts
 * the verdict at {@code from − 1 s}, {@code from}, {@code to} and {@code to + 1 s}; the printed
 * matrix says for which instants the item's own reason is the one reported and which earlier item
 * masks it otherwise.
 */
class TimeBoundaryTest {
  private static final QuoteVerifier INTEL = QuoteVerifier.newBuilder().build();
  private static final QuoteVerifier INTEL_NO_CRLS =
      QuoteVerifier.newBuilder().revocationMode(RevocationMode.INSECURE_ALLOW_MISSING_CRLS).build();
  private static final Duration SECOND = Duration.ofSeconds(1);

  /** One time-checked collateral item, in check order. */
  record Item(String name, Instant from, Instant to, Reason notYetValid, Reason expired) {}

  /** A subject with its stated evaluation time. */
  record Subject(String id, byte[] quote, Collateral collateral, Instant at, QuoteVerifier verifier) {}

  static Subject phalaSgx() throws Exception {
    return new Subject("phala-sgx-v3", Vectors.quote("phala-dcap-qvl/sgx_quote"),
        CollateralLoader.fromDcapQvlJson(Vectors.text("phala-dcap-qvl/sgx_quote_collateral.json")),
        Instant.ofEpochSecond(1752919277), INTEL);
  }

  static Subject oasisSgx() throws Exception {
    return new Subject("oasis-sgx-v3", Vectors.quote("oasis-core/quote_v3_ecdsa_p256_pck_chain.bin"),
        ConformanceTest.oasisSgx(), Instant.ofEpochSecond(1671497404), INTEL_NO_CRLS);
  }

  /** The time-checked items of a subject, in the verifier's check order. */
  static List<Item> items(Subject s) throws Exception {
    List<Item> out = new ArrayList<>();
    List<X509Certificate> pck = CertificateChains.orderLeafFirst(Certificates.parseAll(
        QuoteParser.parse(s.quote()).signatureData().certificationData().data().toByteArray()));
    certs(out, "PCK chain", pck, Reason.PCK_CERT_NOT_YET_VALID, Reason.PCK_CERT_EXPIRED);
    Collateral c = s.collateral();
    crl(out, "root CA CRL", c.rootCaCrl());
    crl(out, "PCK CRL", c.pckCrl());
    certs(out, "PCK CRL issuer chain", ders(c.pckCrlIssuerChain()), Reason.SIGNING_CERT_NOT_YET_VALID,
        Reason.SIGNING_CERT_EXPIRED);
    certs(out, "TCB info chain", ders(c.tcbInfoIssuerChain()), Reason.SIGNING_CERT_NOT_YET_VALID,
        Reason.SIGNING_CERT_EXPIRED);
    out.add(new Item("TCB info", c.tcbInfo().tcbInfo().issueDate(), c.tcbInfo().tcbInfo().nextUpdate(),
        Reason.TCB_INFO_NOT_YET_VALID, Reason.TCB_INFO_EXPIRED));
    certs(out, "QE identity chain", ders(c.qeIdentityIssuerChain()), Reason.SIGNING_CERT_NOT_YET_VALID,
        Reason.SIGNING_CERT_EXPIRED);
    out.add(new Item("QE identity", c.qeIdentity().identity().issueDate(), c.qeIdentity().identity().nextUpdate(),
        Reason.QE_IDENTITY_NOT_YET_VALID, Reason.QE_IDENTITY_EXPIRED));
    return out;
  }

  private static List<X509Certificate> ders(List<Bytes> ders) throws Exception {
    List<X509Certificate> l = new ArrayList<>();
    for (Bytes b : ders) {
      l.add(Certificates.parse(b));
    }
    return l.isEmpty() ? l : CertificateChains.orderLeafFirst(l);
  }

  private static boolean isRoot(X509Certificate c) {
    return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
  }

  private static void certs(List<Item> out, String chain, List<X509Certificate> certs, Reason notYet, Reason expired)
      throws Exception {
    for (X509Certificate c : certs) {
      if (!isRoot(c)) {
        out.add(new Item(chain + ": " + CertificateInfo.commonName(c.getSubjectX500Principal()),
            c.getNotBefore().toInstant(), c.getNotAfter().toInstant(), notYet, expired));
      }
    }
  }

  private static void crl(List<Item> out, String name, Optional<Bytes> der) throws Exception {
    if (der.isPresent()) {
      X509CRL crl = Crls.parse(der.get().toByteArray());
      out.add(new Item(name, crl.getThisUpdate().toInstant(), crl.getNextUpdate().toInstant(),
          Reason.CRL_NOT_YET_VALID, Reason.CRL_EXPIRED));
    }
  }

  /** The reason of the first item out of its inclusive window at {@code t}, or empty. */
  static Optional<Item> firstOutside(List<Item> items, Instant t) {
    for (Item i : items) {
      if (t.isBefore(i.from()) || t.isAfter(i.to())) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  static Optional<Reason> expected(List<Item> items, Instant t) {
    return firstOutside(items, t).map(i -> t.isBefore(i.from()) ? i.notYetValid() : i.expired());
  }

  /** The verifier's verdict at {@code t}: empty when it verifies, else the reason. */
  static Optional<Reason> actual(Subject s, Instant t) {
    try {
      s.verifier().verify(s.quote(), s.collateral(), t);
      return Optional.empty();
    } catch (AttestationException e) {
      return Optional.of(e.reason());
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void verify_phalaSgxWindowBounds_inclusiveAndBindingItemsReasons() throws Exception {
    checkBounds(phalaSgx(), "TCB info", Reason.TCB_INFO_NOT_YET_VALID, "QE identity", Reason.QE_IDENTITY_EXPIRED);
  }

  @Test
  void verify_oasisSgxWindowBounds_inclusiveAndBindingItemsReasons() throws Exception {
    checkBounds(oasisSgx(), "TCB info", Reason.TCB_INFO_NOT_YET_VALID, "QE identity", Reason.QE_IDENTITY_EXPIRED);
  }

  /**
   * The window reported by the verifier equals the one computed from the items (expected.json:
   * binding_lower tcbInfo, binding_upper qeIdentity for both vectors); it verifies exactly at both
   * bounds and fails one second outside with the binding item's own reason.
   */
  private static void checkBounds(Subject s, String lowerItem, Reason lowerReason, String upperItem, Reason upperReason)
      throws Exception {
    List<Item> items = items(s);
    VerifiedQuote v = s.verifier().verify(s.quote(), s.collateral(), s.at());
    Instant latestIssue = items.stream().map(Item::from).max(Instant::compareTo).orElseThrow();
    Instant earliestExpiry = items.stream().map(Item::to).min(Instant::compareTo).orElseThrow();
    assertEquals(latestIssue, v.latestIssue(), s.id() + " latest issue");
    assertEquals(earliestExpiry, v.earliestExpiry(), s.id() + " earliest expiry");
    assertEquals(lowerItem, binding(items, latestIssue, true), s.id() + " lower bound item");
    assertEquals(upperItem, binding(items, earliestExpiry, false), s.id() + " upper bound item");
    assertRootsNeverBind(s, latestIssue, earliestExpiry);

    VerifiedQuote atLower = s.verifier().verify(s.quote(), s.collateral(), latestIssue);
    VerifiedQuote atUpper = s.verifier().verify(s.quote(), s.collateral(), earliestExpiry);
    assertEquals(v.status(), atLower.status());
    assertEquals(v.status(), atUpper.status());
    assertEquals(Optional.of(lowerReason), actual(s, latestIssue.minus(SECOND)), s.id() + " one second before latestIssue");
    assertEquals(Optional.of(upperReason), actual(s, earliestExpiry.plus(SECOND)), s.id() + " one second after earliestExpiry");
    System.out.printf("TimeBoundaryTest: %s window [%s (%s), %s (%s)]: ok at both bounds; -1s %s, +1s %s%n",
        s.id(), latestIssue, lowerItem, earliestExpiry, upperItem, lowerReason, upperReason);
  }

  private static String binding(List<Item> items, Instant t, boolean lower) {
    for (Item i : items) {
      if ((lower ? i.from() : i.to()).equals(t)) {
        return i.name();
      }
    }
    return null;
  }

  private static void assertRootsNeverBind(Subject s, Instant latestIssue, Instant earliestExpiry) throws Exception {
    Collateral c = s.collateral();
    List<Bytes> all = new ArrayList<>(c.tcbInfoIssuerChain());
    all.addAll(c.qeIdentityIssuerChain());
    all.addAll(c.pckCrlIssuerChain());
    List<X509Certificate> certs = new ArrayList<>();
    for (Bytes b : all) {
      certs.add(Certificates.parse(b));
    }
    certs.addAll(Certificates.parseAll(
        QuoteParser.parse(s.quote()).signatureData().certificationData().data().toByteArray()));
    for (X509Certificate r : certs) {
      if (isRoot(r)) {
        assertTrue(r.getNotBefore().toInstant().isBefore(latestIssue) && r.getNotAfter().toInstant().isAfter(earliestExpiry),
            "the root certificate's validity (not checked by design) must not bind the window");
      }
    }
  }

  @Test
  void verify_phalaSgxEachItemOneSecondOutside_firstFailingCheckInQvlOrder() throws Exception {
    checkItems(phalaSgx());
  }

  @Test
  void verify_oasisSgxEachItemOneSecondOutside_firstFailingCheckInQvlOrder() throws Exception {
    checkItems(oasisSgx());
  }

  /**
   * For each item: at {@code from − 1 s} and {@code to + 1 s} the verdict is the oracle's (the item's
   * own reason when no earlier-checked item is out of window), and at {@code from} and {@code to} the
   * item itself does not fail (inclusive).
   */
  private static void checkItems(Subject s) throws Exception {
    List<Item> items = items(s);
    List<String> failures = new ArrayList<>();
    int own = 0;
    for (Item item : items) {
      Instant[] instants = {item.from().minus(SECOND), item.from(), item.to(), item.to().plus(SECOND)};
      StringBuilder row = new StringBuilder(String.format("TimeBoundaryTest: %s %-45s", s.id(), item.name()));
      for (int k = 0; k < instants.length; k++) {
        Instant t = instants[k];
        Optional<Reason> want = expected(items, t);
        Optional<Reason> got = actual(s, t);
        if (!want.equals(got)) {
          failures.add(item.name() + " at " + t + ": want " + want + " got " + got);
        }
        boolean outside = k == 0 || k == 3;
        Optional<Item> first = firstOutside(items, t);
        if (outside) {
          assertTrue(first.isPresent(), "an item one second outside its window fails");
          if (first.get() == item) {
            own++;
            row.append(String.format(" | %s %s (own)", k == 0 ? "-1s" : "+1s", got.map(Reason::name).orElse("ok")));
          } else {
            row.append(String.format(" | %s %s (masked by %s)", k == 0 ? "-1s" : "+1s",
                got.map(Reason::name).orElse("ok"), first.get().name()));
          }
        } else {
          assertFalse(first.isPresent() && first.get() == item, "inclusive bound of " + item.name());
          if (k == 1) {
            row.append(" | at bounds: ").append(got.map(Reason::name).orElse("ok"));
          } else {
            row.append("/").append(got.map(Reason::name).orElse("ok"));
          }
        }
      }
      System.out.println(row);
    }
    assertEquals(List.of(), failures, s.id());
    // The PCK leaf is checked first and the TCB info / QE identity bind the window, so at least the
    // leaf's two bounds and the binding lower/upper bounds report their own reasons.
    assertTrue(own >= 4, s.id() + ": own reasons " + own);
  }

  @Test
  void verify_pckLeafOutsideItsWindow_reportsPckCertReasonsFirst() throws Exception {
    for (Subject s : List.of(phalaSgx(), oasisSgx())) {
      Item leaf = items(s).get(0);
      assertTrue(leaf.name().startsWith("PCK chain: Intel SGX PCK Certificate"), leaf.name());
      assertEquals(Optional.of(Reason.PCK_CERT_NOT_YET_VALID), actual(s, leaf.from().minus(SECOND)), s.id());
      assertEquals(Optional.of(Reason.PCK_CERT_EXPIRED), actual(s, leaf.to().plus(SECOND)), s.id());
    }
  }

  @Test
  void verify_crlsOutsideTheirWindows_reportCrlReasons() throws Exception {
    Subject s = phalaSgx();
    List<Item> items = items(s);
    for (Item i : items) {
      if (i.name().endsWith("CRL")) {
        Instant before = i.from().minus(SECOND);
        Instant after = i.to().plus(SECOND);
        // When the CRL is the first item out of window it must report its own reason.
        if (firstOutside(items, before).orElseThrow() == i) {
          assertEquals(Optional.of(Reason.CRL_NOT_YET_VALID), actual(s, before), i.name());
        }
        if (firstOutside(items, after).orElseThrow() == i) {
          assertEquals(Optional.of(Reason.CRL_EXPIRED), actual(s, after), i.name());
        }
      }
    }
  }
}
