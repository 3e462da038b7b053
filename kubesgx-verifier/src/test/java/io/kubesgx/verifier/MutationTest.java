package io.kubesgx.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.CollateralLoader;
import io.kubesgx.collateral.SignedEnclaveIdentity;
import io.kubesgx.collateral.SignedTcbInfo;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.common.json.JsonValue.JsonString;
import io.kubesgx.pck.Certificates;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.quote.QuoteSignatureData;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Flips bytes in every signed part of the real quotes and in every collateral item, and asserts
 * that no mutation yields a verified quote with a different identity or a better TCB status.
 *
 * <p>Subjects: the five valid real vectors of {@code expected.json} at their stated times —
 * phala-sgx-v3, phala-tdx-v4, phala-near-tdx-v4 (dcap-qvl collateral, default verifier: CRLs
 * required) and oasis-sgx-v3, oasis-tdx-v4 (PCS bodies, no CRLs, {@link
 * RevocationMode#INSECURE_ALLOW_MISSING_CRLS}).
 *
 * <p>Mutations: a byte is XORed with {@code 0x01} (smallest change) or {@code 0x80} (top bit;
 * turns ASCII into non-ASCII). Large regions are strided, the two patterns at interleaved offsets
 * so together they touch twice as many bytes; the unsigned outer encoding of every certificate and
 * CRL (signatureAlgorithm and signatureValue after the signed TBS part) is mutated at every byte
 * with both patterns. {@code -Dkubesgx.mutation.exhaustive=true} mutates every byte everywhere
 * (about 150,000 mutations; minutes).
 *
 * <p>Every verification uses a verifier without a cache ({@link VerificationCache#none()}, the
 * builder default) so a cached "signature verified" fact can never mask a mutation.
 *
 * <p>Collateral: the signed JSON texts are mutated as text and re-loaded through {@link
 * CollateralLoader#fromDcapQvlJson} (a {@link MalformedInputException} from the loader counts as a
 * rejection). DER certificates, CRLs and signatures are mutated as bytes and put directly into the
 * {@link Collateral} record, so the verifier's own parsing — not the loader's — must reject them.
 * The quote's PCK chain is mutated twice: as the PEM text inside the certification data, and as
 * DER supplied through {@link Collateral#pckCertificateChain()} (which takes precedence).
 *
 * <p>Accepted mutations (verified, same identity, equal or worse status) are allowed, counted, and
 * each must be one of these investigated cases ({@link #explained}):
 *
 * <ul>
 *   <li><b>PEM whitespace in the quote's certification data</b>: {@code '\n'} (0x0a) XOR 0x01 is
 *       0x0b (vertical tab), which the PEM decoder skips as whitespace. The DER bytes, hence
 *       everything verified, are unchanged. The certification data is not covered by the quote
 *       signature; each certificate is covered only by its own issuer's signature over its DER.
 *   <li><b>The self-signed root certificate inside a chain</b> (PCK chain, TCB/QE signing chains,
 *       PCK CRL issuer chain): by design (dcap-verification.md §3.2, {@code ChainVerifier}) a root
 *       certificate in a chain only locates the pinned anchor by its public key; its signature,
 *       validity and extensions are neither trusted nor checked. A flip outside its names and key
 *       that still parses (validity, extensions, serial, signature) verifies. Trust comes from the
 *       pinned key, so identity and status cannot change. Side effect, reported separately: the
 *       root's (unchecked) validity still enters {@code latestIssue}/{@code earliestExpiry}.
 * </ul>
 *
 * <p>Found and fixed: the JDK decodes a signatureValue BIT STRING with a non-zero unused-bits
 * count by masking the padding bits, so a certificate or CRL whose unused-bits byte was flipped from
 * 0 to 1 still verified when the last signature byte was even (11 accepted mutations: PCK leaf and
 * intermediate certificates, PCK CRL issuer, PCK CRL). OpenSSL (Intel's QVL) rejects such signatures
 * ({@code ASN1_R_INVALID_BIT_STRING_BITS_LEFT}). kubesgx-pck now rejects them; a flip of that byte
 * is no longer an explained acceptance, and {@link
 * #verify_certificateSignatureBitStringWithUnusedBits_isRejected} pins the fix.
 */
class MutationTest {
  private static final QuoteVerifier INTEL = QuoteVerifier.newBuilder().build();
  private static final QuoteVerifier INTEL_NO_CRLS =
      QuoteVerifier.newBuilder().revocationMode(RevocationMode.INSECURE_ALLOW_MISSING_CRLS).build();
  private static final boolean EXHAUSTIVE = Boolean.getBoolean("kubesgx.mutation.exhaustive");
  private static final int[] PATTERNS = {0x01, 0x80};

  @BeforeAll
  static void providers() {
    // Production installs ACCP first; with it a verification costs about 1 ms of CPU.
    System.out.println("MutationTest: ECDSA provider " + CryptoProviders.installPreferred());
  }

  /** A verifiable subject: quote, collateral, time and the verifier that accepts it. */
  record Subject(String id, byte[] quote, Collateral collateral, Instant at, QuoteVerifier verifier) {}

  /** What a verified quote asserts about the platform and the enclave or TD. */
  record Identity(Bytes signedRegion, Bytes body, Bytes reportData, Bytes fmspc, Bytes pceId) {
    static Identity of(VerifiedQuote v) {
      return new Identity(
          v.quote().signedRegion(), v.quote().body().raw(), v.reportData(), v.fmspc(), v.pceId());
    }
  }

  /** Classification of an accepted mutation (see the class javadoc). */
  enum Kind {
    /** A flip in a region no accepted flip was expected in. */
    UNEXPECTED,
    /** PEM whitespace in the quote's certification data. */
    PEM_WHITESPACE,
    /** The unchecked body of a self-signed root certificate in a chain. */
    ROOT_CERTIFICATE
  }

  /** One mutation: where, how, how an acceptance would be classified, and how to run it. */
  record Mutation(String subject, String region, int offset, int pattern, Kind ifAccepted, Run run) {
    String label() {
      return subject + " " + region + "@" + offset + "^0x" + Integer.toHexString(pattern);
    }
  }

  /** Runs one mutated verification with the given verifier. */
  interface Run {
    VerifiedQuote run(QuoteVerifier verifier) throws Exception;
  }

  static List<Subject> subjects() throws Exception {
    List<Subject> out = new ArrayList<>();
    for (JsonValue v : Vectors.expected().array("cases")) {
      JsonObject c = (JsonObject) v;
      String id = c.string("id");
      if (!c.has("verification_time")) {
        continue;
      }
      Instant at = Instant.ofEpochSecond(c.object("verification_time").integer("unix"));
      switch (id) {
        case "phala-sgx-v3":
        case "phala-tdx-v4":
        case "phala-near-tdx-v4":
          out.add(new Subject(id, Vectors.quote(c.string("quote")),
              CollateralLoader.fromDcapQvlJson(Vectors.text(c.object("collateral").string("file"))), at, INTEL));
          break;
        case "oasis-sgx-v3":
          out.add(new Subject(id, Vectors.quote(c.string("quote")), ConformanceTest.oasisSgx(), at, INTEL_NO_CRLS));
          break;
        case "oasis-tdx-v4":
          out.add(new Subject(id, Vectors.quote(c.string("quote")), ConformanceTest.oasisTdx(), at, INTEL_NO_CRLS));
          break;
        default:
          break;
      }
    }
    assertEquals(5, out.size(), "five valid real vectors");
    return out;
  }

  @Test
  void verify_mutatedQuoteOrCollateral_neverChangesIdentityOrImprovesStatus() throws Exception {
    List<Subject> subjects = subjects();
    List<Mutation> mutations = mutations(subjects);
    Map<String, QuoteVerifier> cold = new LinkedHashMap<>();
    for (Subject s : subjects) {
      cold.put(s.id(), s.verifier());
    }
    runAll("cold", subjects, mutations, cold);
    assertTrue(mutations.size() >= 10_000, "at least 10,000 mutations, got " + mutations.size());
  }

  /**
   * The same assertion through verifiers sharing one bounded {@link VerificationCache} that has
   * already verified every unmutated input (as a long-running service's would): a cached fact about
   * the genuine bytes must never vouch for mutated ones. Every third mutation.
   */
  @Test
  void verify_mutationsThroughWarmSharedCache_neverChangeIdentityOrImproveStatus() throws Exception {
    List<Subject> subjects = subjects();
    List<Mutation> all = mutations(subjects);
    List<Mutation> some = new ArrayList<>();
    for (int i = 0; i < all.size(); i += 3) {
      some.add(all.get(i));
    }
    VerificationCache cache = VerificationCache.bounded(4096);
    Map<String, QuoteVerifier> warm = new LinkedHashMap<>();
    for (Subject s : subjects) {
      QuoteVerifier v = QuoteVerifier.newBuilder().cache(cache)
          .revocationMode(s.verifier() == INTEL ? RevocationMode.REQUIRE_CRLS : RevocationMode.INSECURE_ALLOW_MISSING_CRLS)
          .build();
      v.verify(s.quote(), s.collateral(), s.at());
      warm.put(s.id(), v);
    }
    runAll("warm shared cache", subjects, some, warm);
  }

  private static List<Mutation> mutations(List<Subject> subjects) throws Exception {
    List<Mutation> mutations = new ArrayList<>();
    for (Subject s : subjects) {
      quoteMutations(s, mutations);
      collateralMutations(s, mutations);
    }
    return mutations;
  }

  /** Runs every mutation, prints the totals and asserts no false accept and no unexplained accept. */
  private static void runAll(String what, List<Subject> subjects, List<Mutation> mutations,
      Map<String, QuoteVerifier> verifiers) throws Exception {
    Map<String, VerifiedQuote> baselines = new LinkedHashMap<>();
    for (Subject s : subjects) {
      baselines.put(s.id(), verifiers.get(s.id()).verify(s.quote(), s.collateral(), s.at()));
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    ConcurrentLinkedQueue<String> falseAccepts = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> unexpectedErrors = new ConcurrentLinkedQueue<>();
    Map<Kind, ConcurrentLinkedQueue<String>> accepted = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<String> windowOutside = new ConcurrentLinkedQueue<>();
    Map<String, AtomicInteger> byReason = new ConcurrentHashMap<>();
    AtomicInteger rejected = new AtomicInteger();
    AtomicLong cpuNanos = new AtomicLong();
    long start = System.nanoTime();
    mutations.parallelStream().forEach(m -> {
      VerifiedQuote base = baselines.get(m.subject());
      long cpu0 = threads.getCurrentThreadCpuTime();
      VerifiedQuote got = null;
      try {
        got = m.run().run(verifiers.get(m.subject()));
      } catch (AttestationException e) {
        rejected.incrementAndGet();
        byReason.computeIfAbsent(e.reason().name(), k -> new AtomicInteger()).incrementAndGet();
      } catch (MalformedInputException e) {
        rejected.incrementAndGet();
        byReason.computeIfAbsent("(loader) MalformedInputException", k -> new AtomicInteger()).incrementAndGet();
      } catch (Exception | Error e) {
        unexpectedErrors.add(m.label() + ": " + e);
      }
      cpuNanos.addAndGet(threads.getCurrentThreadCpuTime() - cpu0);
      if (got == null) {
        return;
      }
      if (!Identity.of(got).equals(Identity.of(base))) {
        falseAccepts.add(m.label() + ": identity changed");
      } else if (got.status().ordinal() < base.status().ordinal()) {
        falseAccepts.add(m.label() + ": status " + got.status() + " is better than " + base.status());
      } else {
        accepted.computeIfAbsent(m.ifAccepted(), k -> new ConcurrentLinkedQueue<>()).add(m.label());
        if (got.latestIssue().isAfter(got.verifiedAt()) || got.earliestExpiry().isBefore(got.verifiedAt())) {
          windowOutside.add(m.label() + " [" + got.latestIssue() + ", " + got.earliestExpiry() + "]");
        }
      }
    });
    long wallMillis = (System.nanoTime() - start) / 1_000_000;

    int acceptedTotal = accepted.values().stream().mapToInt(ConcurrentLinkedQueue::size).sum();
    String tag = "MutationTest (" + what + "): ";
    System.out.printf(
        "%s%d mutations (%d rejected, %d accepted-equal, %d false accepts, %d unexpected errors)"
            + " in %d ms wall, %d ms CPU%n",
        tag, mutations.size(), rejected.get(), acceptedTotal, falseAccepts.size(), unexpectedErrors.size(),
        wallMillis, cpuNanos.get() / 1_000_000);
    System.out.println(tag + "rejections by reason " + new TreeMap<>(byReason));
    for (Map.Entry<Kind, ConcurrentLinkedQueue<String>> e : new TreeMap<>(accepted).entrySet()) {
      Map<String, Integer> byRegion = new TreeMap<>();
      for (String a : e.getValue()) {
        byRegion.merge(a.substring(0, a.indexOf('@')), 1, Integer::sum);
      }
      System.out.println(tag + "accepted-equal " + e.getKey() + " " + e.getValue().size() + " " + byRegion);
    }
    System.out.println(tag + "accepted with evaluation time outside [latestIssue, earliestExpiry]: "
        + windowOutside.size() + (windowOutside.isEmpty() ? "" : ", e.g. " + windowOutside.peek()));

    assertEquals(List.of(), sorted(falseAccepts), "mutations that verified with a different identity or a better status");
    assertEquals(List.of(), sorted(unexpectedErrors), "mutations that escaped with something other than AttestationException");
    assertEquals(List.of(), sorted(accepted.getOrDefault(Kind.UNEXPECTED, new ConcurrentLinkedQueue<>())),
        "accepted mutations outside the investigated classes");
  }

  private static List<String> sorted(ConcurrentLinkedQueue<String> q) {
    List<String> l = new ArrayList<>(q);
    l.sort(null);
    return l;
  }

  /**
   * Regression (found by this test, fixed in kubesgx-pck): a certificate or CRL whose outer
   * signatureValue BIT STRING declares unused bits used to verify, because the JDK masks the
   * padding bits off and the re-encoding check compared against the JDK's cached input bytes. A PCK
   * CRL issuer certificate and a PCK CRL whose signatures end in an even byte (so masking one bit
   * changes nothing) are patched here; both must be rejected.
   */
  @Test
  void verify_certificateSignatureBitStringWithUnusedBits_isRejected() throws Exception {
    List<Subject> subjects = subjects();
    // phala-tdx-v4: its PCK CRL issuer (Platform CA) signature ends in 0x7e.
    Subject tdx = subjects.get(1);
    Collateral c = tdx.collateral();
    byte[] cert = withOneUnusedBit(c.pckCrlIssuerChain().get(0).toByteArray());
    List<Bytes> chain = new ArrayList<>(c.pckCrlIssuerChain());
    chain.set(0, Bytes.of(cert));
    Collateral badCert = new Collateral(c.rootCaCrl(), c.pckCrl(), chain, c.tcbInfo(), c.tcbInfoIssuerChain(),
        c.qeIdentity(), c.qeIdentityIssuerChain(), c.pckCertificateChain());
    assertThrows(AttestationException.class, () -> tdx.verifier().verify(tdx.quote(), badCert, tdx.at()));

    // phala-sgx-v3: its PCK CRL signature ends in an even byte.
    Subject sgx = subjects.get(0);
    Collateral d = sgx.collateral();
    byte[] crl = withOneUnusedBit(d.pckCrl().orElseThrow().toByteArray());
    Collateral badCrl = new Collateral(d.rootCaCrl(), Optional.of(Bytes.of(crl)), d.pckCrlIssuerChain(), d.tcbInfo(),
        d.tcbInfoIssuerChain(), d.qeIdentity(), d.qeIdentityIssuerChain(), d.pckCertificateChain());
    assertThrows(AttestationException.class, () -> sgx.verifier().verify(sgx.quote(), badCrl, sgx.at()));
  }

  private static byte[] withOneUnusedBit(byte[] der) {
    int unusedBits = signatureUnusedBitsOffset(der);
    assertEquals(0, der[unusedBits], "a DER ECDSA signature BIT STRING has no unused bits");
    assertEquals(0, der[der.length - 1] & 1, "the last signature byte is even, so masking one bit changes nothing");
    byte[] m = der.clone();
    m[unusedBits] = 1;
    return m;
  }

  // ---------------------------------------------------------------------------------------------
  // Quote regions

  private static void quoteMutations(Subject s, List<Mutation> out) throws Exception {
    Quote q = QuoteParser.parse(s.quote());
    QuoteSignatureData sd = q.signatureData();
    byte[] b = s.quote();
    int signedEnd = q.signedRegion().length();
    Map<String, int[]> regions = new LinkedHashMap<>();
    int at = signedEnd;
    at = region(regions, "signedRegion", 0, signedEnd);
    at = region(regions, "signatureDataLength", at, at + 4);
    at = region(regions, "quoteSignature", at, at + 64);
    at = region(regions, "attestationKey", at, at + 64);
    if (q.header().version() != 3) {
      at = region(regions, "outerCertificationTypeAndSize", at, at + 6);
    }
    at = region(regions, "qeReport", at, at + 384);
    at = region(regions, "qeReportSignature", at, at + 64);
    at = region(regions, "qeAuthData", at, at + 2 + sd.qeAuthData().length());
    at = region(regions, "certificationTypeAndSize", at, at + 6);
    at = region(regions, "pckChainPem", at, at + sd.certificationData().data().length());
    assertEquals(q.quoteLength(), at, s.id() + ": the regions cover the quote");
    check(b, regions.get("quoteSignature"), sd.quoteSignature());
    check(b, regions.get("attestationKey"), sd.attestationKey());
    check(b, regions.get("qeReport"), sd.qeReport().raw());
    check(b, regions.get("qeReportSignature"), sd.qeReportSignature());
    check(b, regions.get("pckChainPem"), sd.certificationData().data());

    int[] rootPem = rootPemBlock(sd.certificationData().data().toByteArray());
    for (Map.Entry<String, int[]> r : regions.entrySet()) {
      int from = r.getValue()[0];
      int to = r.getValue()[1];
      String name = r.getKey();
      boolean pem = name.equals("pckChainPem");
      strided(to - from, stride(name), (i, p) -> {
        Kind kind = !pem ? Kind.UNEXPECTED
            : b[from + i] == '\n' && p == 0x01 ? Kind.PEM_WHITESPACE
            : i >= rootPem[0] && i < rootPem[1] ? Kind.ROOT_CERTIFICATE
            : Kind.UNEXPECTED;
        out.add(new Mutation(s.id(), name, i, p, kind, v -> {
          byte[] m = b.clone();
          m[from + i] ^= (byte) p;
          return v.verify(m, s.collateral(), s.at());
        }));
      });
    }

    // The same PCK chain as DER, through the collateral (which takes precedence over the quote's).
    List<Bytes> pckChain = new ArrayList<>();
    for (X509Certificate c : Certificates.parseAll(sd.certificationData().data().toByteArray())) {
      pckChain.add(Bytes.of(c.getEncoded()));
    }
    Collateral c = s.collateral();
    Function<List<Bytes>, Collateral> withPck = l -> new Collateral(c.rootCaCrl(), c.pckCrl(), c.pckCrlIssuerChain(),
        c.tcbInfo(), c.tcbInfoIssuerChain(), c.qeIdentity(), c.qeIdentityIssuerChain(), l);
    assertEquals(Identity.of(s.verifier().verify(s.quote(), s.collateral(), s.at())),
        Identity.of(s.verifier().verify(s.quote(), withPck.apply(pckChain), s.at())),
        s.id() + ": the PCK chain as collateral verifies like the quote's");
    chainMutations(s, "pckCertificateChain", pckChain, withPck, out);
  }

  /** Returns the [begin, end) offsets of the PEM block of the self-signed root in the PCK chain text. */
  private static int[] rootPemBlock(byte[] pemText) throws Exception {
    String text = new String(pemText, java.nio.charset.StandardCharsets.ISO_8859_1);
    String end = "-----END CERTIFICATE-----";
    int from = 0;
    while (true) {
      int begin = text.indexOf("-----BEGIN CERTIFICATE-----", from);
      assertTrue(begin >= 0, "the PCK chain has a self-signed root");
      int stop = text.indexOf(end, begin) + end.length();
      X509Certificate c = Certificates.parsePemText(text.substring(begin, stop)).get(0);
      if (c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
        return new int[] {begin, stop};
      }
      from = stop;
    }
  }

  private static int region(Map<String, int[]> regions, String name, int from, int to) {
    regions.put(name, new int[] {from, to});
    return to;
  }

  private static void check(byte[] quote, int[] range, Bytes expected) {
    assertEquals(expected, Bytes.of(Arrays.copyOfRange(quote, range[0], range[1])));
  }

  // ---------------------------------------------------------------------------------------------
  // Collateral items

  private static void collateralMutations(Subject s, List<Mutation> out) throws Exception {
    Collateral c = s.collateral();
    JsonObject envelope = Json.parseObject(CollateralLoader.toDcapQvlJson(c));
    assertEquals(c, CollateralLoader.fromDcapQvlJson(Json.write(envelope)), "the dcap-qvl envelope round-trips");

    textMutations(s, "tcbInfoJson", c.tcbInfo().signedJson(), envelope, "tcb_info", out);
    textMutations(s, "qeIdentityJson", c.qeIdentity().signedJson(), envelope, "qe_identity", out);

    byteMutations(s, "tcbInfoSignature", c.tcbInfo().signature(), sig -> new Collateral(c.rootCaCrl(), c.pckCrl(),
        c.pckCrlIssuerChain(), new SignedTcbInfo(c.tcbInfo().signedJson(), sig, c.tcbInfo().tcbInfo()),
        c.tcbInfoIssuerChain(), c.qeIdentity(), c.qeIdentityIssuerChain(), c.pckCertificateChain()), false, out);
    byteMutations(s, "qeIdentitySignature", c.qeIdentity().signature(), sig -> new Collateral(c.rootCaCrl(), c.pckCrl(),
        c.pckCrlIssuerChain(), c.tcbInfo(), c.tcbInfoIssuerChain(),
        new SignedEnclaveIdentity(c.qeIdentity().signedJson(), sig, c.qeIdentity().identity()),
        c.qeIdentityIssuerChain(), c.pckCertificateChain()), false, out);

    chainMutations(s, "pckCrlIssuerChain", c.pckCrlIssuerChain(), l -> new Collateral(c.rootCaCrl(), c.pckCrl(), l,
        c.tcbInfo(), c.tcbInfoIssuerChain(), c.qeIdentity(), c.qeIdentityIssuerChain(), c.pckCertificateChain()), out);
    chainMutations(s, "tcbInfoIssuerChain", c.tcbInfoIssuerChain(), l -> new Collateral(c.rootCaCrl(), c.pckCrl(),
        c.pckCrlIssuerChain(), c.tcbInfo(), l, c.qeIdentity(), c.qeIdentityIssuerChain(), c.pckCertificateChain()), out);
    chainMutations(s, "qeIdentityIssuerChain", c.qeIdentityIssuerChain(), l -> new Collateral(c.rootCaCrl(), c.pckCrl(),
        c.pckCrlIssuerChain(), c.tcbInfo(), c.tcbInfoIssuerChain(), c.qeIdentity(), l, c.pckCertificateChain()), out);
    if (c.rootCaCrl().isPresent()) {
      byteMutations(s, "rootCaCrl", c.rootCaCrl().get(), crl -> new Collateral(Optional.of(crl), c.pckCrl(),
          c.pckCrlIssuerChain(), c.tcbInfo(), c.tcbInfoIssuerChain(), c.qeIdentity(), c.qeIdentityIssuerChain(),
          c.pckCertificateChain()), true, out);
    }
    if (c.pckCrl().isPresent()) {
      byteMutations(s, "pckCrl", c.pckCrl().get(), crl -> new Collateral(c.rootCaCrl(), Optional.of(crl),
          c.pckCrlIssuerChain(), c.tcbInfo(), c.tcbInfoIssuerChain(), c.qeIdentity(), c.qeIdentityIssuerChain(),
          c.pckCertificateChain()), true, out);
    }
  }

  /** Mutates the signed JSON text char by char and re-runs the dcap-qvl loader on the envelope. */
  private static void textMutations(
      Subject s, String region, String text, JsonObject envelope, String key, List<Mutation> out) {
    strided(text.length(), stride(region), (i, p) -> out.add(new Mutation(s.id(), region, i, p, Kind.UNEXPECTED, v -> {
      char[] chars = text.toCharArray();
      chars[i] ^= (char) p;
      Map<String, JsonValue> members = new LinkedHashMap<>(envelope.members());
      members.put(key, new JsonString(new String(chars)));
      Collateral m = CollateralLoader.fromDcapQvlJson(Json.write(new JsonObject(members)));
      return v.verify(s.quote(), m, s.at());
    })));
  }

  /**
   * Mutates a binary item; for DER certificates and CRLs ({@code der}) every byte of the unsigned
   * outer part (after the TBS element) is mutated with both patterns.
   */
  private static void byteMutations(
      Subject s, String region, Bytes item, Function<Bytes, Collateral> rebuild, boolean der, List<Mutation> out) {
    byte[] b = item.toByteArray();
    boolean root = region.contains(",root]");
    int signedEnd = der ? tbsEnd(b) : b.length;
    Operation add = (i, p) -> {
      Kind kind = root ? Kind.ROOT_CERTIFICATE : Kind.UNEXPECTED;
      out.add(new Mutation(s.id(), region, i, p, kind, v -> {
        byte[] m = b.clone();
        m[i] ^= (byte) p;
        return v.verify(s.quote(), rebuild.apply(Bytes.of(m)), s.at());
      }));
    };
    // The same Intel root certificate appears in 18 chains; it is thinned out (its body is not
    // checked by design, see the class javadoc), every other certificate and CRL is not.
    strided(signedEnd, root && !EXHAUSTIVE ? 36 : stride(region), add);
    int outerStride = root && !EXHAUSTIVE ? 4 : 1;
    for (int i = signedEnd; i < b.length; i += outerStride) {
      for (int p : PATTERNS) {
        add.accept(i, p);
      }
    }
  }

  private static void chainMutations(
      Subject s, String region, List<Bytes> chain, Function<List<Bytes>, Collateral> rebuild, List<Mutation> out)
      throws Exception {
    for (int k = 0; k < chain.size(); k++) {
      final int index = k;
      X509Certificate cert = Certificates.parse(chain.get(k));
      String role = cert.getSubjectX500Principal().equals(cert.getIssuerX500Principal()) ? "root" : "cert";
      String name = region.replace("Chain", "Chain[" + k + "," + role + "]");
      byteMutations(s, name, chain.get(k), der -> {
        List<Bytes> l = new ArrayList<>(chain);
        l.set(index, der);
        return rebuild.apply(l);
      }, true, out);
    }
  }

  /** Receives one (offset, pattern) pair. */
  interface Operation {
    void accept(int offset, int pattern);
  }

  /**
   * Calls {@code op} for offsets {@code 0, stride, 2·stride, …} with pattern 0x01 and for offsets
   * {@code stride/2, stride/2 + stride, …} with pattern 0x80, so both patterns together touch two
   * bytes per stride.
   */
  private static void strided(int length, int stride, Operation op) {
    for (int k = 0; k < PATTERNS.length; k++) {
      int first = stride == 1 ? 0 : k * stride / PATTERNS.length;
      for (int i = first; i < length; i += stride) {
        op.accept(i, PATTERNS[k]);
      }
    }
  }

  /**
   * Stride per region, chosen for about 15,000 mutations in total (about 20 s of CPU with ACCP;
   * JSON mutations cost about 3.5 ms each because the whole envelope is re-loaded).
   */
  private static int stride(String region) {
    if (EXHAUSTIVE) {
      return 1;
    }
    String r = region.replaceAll("\\[.*", "");
    switch (r) {
      case "signatureDataLength":
      case "outerCertificationTypeAndSize":
      case "certificationTypeAndSize":
      case "quoteSignature":
      case "attestationKey":
      case "qeReportSignature":
      case "qeAuthData":
      case "tcbInfoSignature":
      case "qeIdentitySignature":
        return 1;
      case "signedRegion":
      case "qeReport":
        return 4;
      case "qeIdentityJson":
        return 6;
      case "rootCaCrl":
        return 4;
      case "pckChainPem":
        return 24;
      case "tcbInfoJson":
        return 16;
      default:
        // DER certificates (TBS part) and the PCK CRL (TBS part, mostly revoked serials).
        return 12;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Minimal DER walking for certificates and CRLs: SEQUENCE { tbs, signatureAlgorithm, BIT STRING }

  /** Returns the offset just after the element starting at {@code off}. */
  private static int elementEnd(byte[] b, int off) {
    int len = b[off + 1] & 0xff;
    int header = 2;
    if (len >= 0x80) {
      int n = len & 0x7f;
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (b[off + 2 + i] & 0xff);
      }
      header += n;
    }
    return off + header + len;
  }

  /** Returns the offset of the first content byte of the outer SEQUENCE. */
  private static int contentStart(byte[] b, int off) {
    int len = b[off + 1] & 0xff;
    return off + 2 + (len >= 0x80 ? len & 0x7f : 0);
  }

  /** Returns the end of the signed TBS element of a certificate or CRL. */
  static int tbsEnd(byte[] der) {
    return elementEnd(der, contentStart(der, 0));
  }

  /** Returns the offset of the unused-bits byte of the outer signatureValue BIT STRING. */
  static int signatureUnusedBitsOffset(byte[] der) {
    int algEnd = elementEnd(der, tbsEnd(der));
    assertEquals(0x03, der[algEnd], "signatureValue is a BIT STRING");
    return contentStart(der, algEnd);
  }
}
