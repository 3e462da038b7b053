package io.kubesgx.sdk.attestation;

import io.kubesgx.sdk.internal.HttpSupport;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.kubesgx.sdk.attestation.TokenVerificationException.Reason;
import io.kubesgx.testing.MutableClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {
  private static final Instant NOW = Instant.parse("2026-11-29T01:00:00Z");

  private final MutableClock clock = new MutableClock(NOW);
  private FakeMaaServer maa;
  private TokenVerifier verifier;

  @BeforeEach
  void setUp() throws Exception {
    maa = new FakeMaaServer(clock, FakeMaaServer.Keys.RSA_1, FakeMaaServer.Keys.RSA_1, FakeMaaServer.Keys.EC_1);
    verifier = builder().build();
  }

  @AfterEach
  void tearDown() {
    maa.close();
  }

  private TokenVerifier.Builder builder() {
    return TokenVerifier.newBuilder(maa.issuer()).insecureAllowPlainHttp().clock(clock);
  }

  private JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .issuer(maa.issuer())
        .issueTime(Date.from(NOW))
        .notBeforeTime(Date.from(NOW))
        .expirationTime(Date.from(NOW.plus(Duration.ofHours(1))))
        .claim("x-ms-sgx-mrenclave", "aa");
  }

  private String signed(JWK key) throws Exception {
    return FakeMaaServer.sign(key, claims().build());
  }

  private Reason reasonOf(String jwt) {
    return assertThrows(TokenVerificationException.class, () -> verifier.verify(jwt)).reason();
  }

  @Test
  void verify_rs256Token_returnsVerifiedClaims() throws Exception {
    VerifiedToken t = verifier.verify(signed(FakeMaaServer.Keys.RSA_1));

    assertEquals("RS256", t.algorithm());
    assertEquals("rsa-1", t.keyId());
    assertEquals("aa", t.claims().getStringClaim("x-ms-sgx-mrenclave"));
    assertEquals(1, maa.discoveryCount.get());
    assertEquals(1, maa.jwksCount.get());
  }

  @Test
  void verify_es256Token_returnsVerifiedClaims() throws Exception {
    VerifiedToken t = verifier.verify(signed(FakeMaaServer.Keys.EC_1));

    assertEquals("ES256", t.algorithm());
    assertEquals("ec-1", t.keyId());
  }

  @Test
  void verify_secondToken_usesCachedKeys() throws Exception {
    verifier.verify(signed(FakeMaaServer.Keys.RSA_1));
    verifier.verify(signed(FakeMaaServer.Keys.EC_1));

    assertEquals(1, maa.discoveryCount.get());
    assertEquals(1, maa.jwksCount.get());
  }

  @Test
  void verify_cacheTtlPassed_fetchesKeysAgain() throws Exception {
    verifier = builder().jwksCacheTtl(Duration.ofMinutes(10)).build();
    verifier.verify(signed(FakeMaaServer.Keys.RSA_1));
    clock.advance(Duration.ofMinutes(11));

    verifier.verify(FakeMaaServer.sign(FakeMaaServer.Keys.RSA_1, claims().expirationTime(Date.from(NOW.plus(Duration.ofHours(2)))).build()));

    assertEquals(2, maa.jwksCount.get());
  }

  @Test
  void verify_tokenFromAttestationEndpoint_verifies() throws Exception {
    // The fake service mints with the clock of this test; the verifier reads the same clock.
    String jwt = FakeMaaServer.sign(FakeMaaServer.Keys.RSA_1, claims().claim("nonce", "abc").build());

    VerifiedToken t = verifier.verify(jwt, "abc");

    assertEquals("abc", t.claims().getStringClaim("nonce"));
  }

  @Test
  void verify_unknownKidThenRotatedJwks_refetchesOnceAndAccepts() throws Exception {
    verifier = builder().minRefetchInterval(Duration.ofSeconds(30)).build();
    verifier.verify(signed(FakeMaaServer.Keys.RSA_1));
    maa.jwks = new JWKSet(List.of(FakeMaaServer.Keys.RSA_2, FakeMaaServer.Keys.RSA_1));
    clock.advance(Duration.ofSeconds(31));

    VerifiedToken t = verifier.verify(signed(FakeMaaServer.Keys.RSA_2));

    assertEquals("rsa-2", t.keyId());
    assertEquals(2, maa.jwksCount.get());
    // Both keys stay valid during the rotation, with no further fetch.
    verifier.verify(signed(FakeMaaServer.Keys.RSA_1));
    assertEquals(2, maa.jwksCount.get());
  }

  @Test
  void verify_unknownKidNotInRefetchedJwks_throwsUnknownKeyAfterOneFetch() throws Exception {
    verifier = builder().minRefetchInterval(Duration.ZERO).build();
    verifier.verify(signed(FakeMaaServer.Keys.RSA_1));

    assertEquals(Reason.UNKNOWN_KEY, reasonOf(signed(FakeMaaServer.Keys.RSA_2)));
    assertEquals(2, maa.jwksCount.get());
  }

  @Test
  void verify_unknownKidSoonAfterFetch_doesNotRefetch() throws Exception {
    verifier.verify(signed(FakeMaaServer.Keys.RSA_1));

    assertEquals(Reason.UNKNOWN_KEY, reasonOf(signed(FakeMaaServer.Keys.RSA_2)));
    assertEquals(1, maa.jwksCount.get());
  }

  @Test
  void verify_expiredToken_throwsExpired() throws Exception {
    clock.advance(Duration.ofHours(1).plusSeconds(61));

    assertEquals(Reason.EXPIRED, reasonOf(signed(FakeMaaServer.Keys.RSA_1)));
  }

  @Test
  void verify_expiredWithinClockSkew_accepted() throws Exception {
    clock.advance(Duration.ofHours(1).plusSeconds(59));

    verifier.verify(signed(FakeMaaServer.Keys.RSA_1));
  }

  @Test
  void verify_zeroSkewAtExp_throwsExpired() throws Exception {
    verifier = builder().clockSkew(Duration.ZERO).build();
    clock.advance(Duration.ofHours(1));

    assertEquals(Reason.EXPIRED, reasonOf(signed(FakeMaaServer.Keys.RSA_1)));
  }

  @Test
  void verify_noExp_throwsExpired() throws Exception {
    assertEquals(Reason.EXPIRED, reasonOf(FakeMaaServer.sign(FakeMaaServer.Keys.RSA_1, claims().expirationTime(null).build())));
  }

  @Test
  void verify_nbfInFuture_throwsNotYetValid() throws Exception {
    String jwt = FakeMaaServer.sign(FakeMaaServer.Keys.RSA_1,
        claims().notBeforeTime(Date.from(NOW.plus(Duration.ofMinutes(5)))).build());

    assertEquals(Reason.NOT_YET_VALID, reasonOf(jwt));
  }

  @Test
  void verify_wrongIssClaim_throwsWrongIssuer() throws Exception {
    String jwt = FakeMaaServer.sign(FakeMaaServer.Keys.RSA_1, claims().issuer("https://evil.example").build());

    assertEquals(Reason.WRONG_ISSUER, reasonOf(jwt));
  }

  @Test
  void verify_metadataNamesOtherIssuer_throwsMetadataUnavailable() throws Exception {
    maa.metadataIssuer = "https://evil.example";

    assertEquals(Reason.METADATA_UNAVAILABLE, reasonOf(signed(FakeMaaServer.Keys.RSA_1)));
    assertEquals(0, maa.jwksCount.get());
  }

  @Test
  void verify_metadataFailsOnce_failureRememberedThenRetriedAfterWindow() throws Exception {
    maa.enqueueMetadata(503, "{}");
    String jwt = signed(FakeMaaServer.Keys.RSA_1);

    assertEquals(Reason.METADATA_UNAVAILABLE, reasonOf(jwt));
    clock.advance(Duration.ofSeconds(4));
    TokenVerificationException remembered = assertThrows(TokenVerificationException.class, () -> verifier.verify(jwt));
    assertEquals(Reason.METADATA_UNAVAILABLE, remembered.reason());
    assertTrue(remembered.getMessage().contains("HTTP 503"), remembered.getMessage());
    assertEquals(1, maa.discoveryCount.get(), "a remembered failure must not ask the issuer again");
    clock.advance(Duration.ofSeconds(1));
    verifier.verify(jwt);
    assertEquals(2, maa.discoveryCount.get());
  }

  @Test
  void verify_zeroFailureMemory_retriesOnNextCall() throws Exception {
    verifier = builder().failureMemory(Duration.ZERO).build();
    maa.enqueueMetadata(503, "{}");
    String jwt = signed(FakeMaaServer.Keys.RSA_1);

    assertEquals(Reason.METADATA_UNAVAILABLE, reasonOf(jwt));
    verifier.verify(jwt);
    assertEquals(2, maa.discoveryCount.get());
  }

  @Test
  void verify_concurrentCallersHangingIssuer_shareOneFetchAndFinishInAboutOneTimeout() throws Exception {
    Duration timeout = Duration.ofMillis(600);
    int callers = 8;
    try (ServerSocket hanging = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      AtomicInteger accepted = new AtomicInteger();
      List<Socket> held = new CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(hanging.accept()); // never answers
            accepted.incrementAndGet();
          }
        } catch (IOException e) {
          // closed at the end of the test
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      String issuer = "http://127.0.0.1:" + hanging.getLocalPort();
      TokenVerifier v = TokenVerifier.newBuilder(issuer).insecureAllowPlainHttp().clock(clock)
          .requestTimeout(timeout).build();
      String jwt = FakeMaaServer.sign(FakeMaaServer.Keys.RSA_1, claims().issuer(issuer).build());
      ExecutorService pool = Executors.newFixedThreadPool(callers);
      try {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Reason>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
          results.add(pool.submit(() -> {
            go.await();
            return assertThrows(TokenVerificationException.class, () -> v.verify(jwt)).reason();
          }));
        }
        long start = System.nanoTime();
        go.countDown();
        for (Future<Reason> f : results) {
          assertEquals(Reason.METADATA_UNAVAILABLE, f.get(30, TimeUnit.SECONDS));
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(1, accepted.get(), "concurrent callers must share one fetch");
        // Serialised fetches would take callers x timeout (4.8 s); one shared fetch takes ~1 timeout.
        assertTrue(elapsedMs < 3 * timeout.toMillis(), "took " + elapsedMs + " ms");
        // remembered: an immediate retry neither connects nor waits
        long again = System.nanoTime();
        assertEquals(Reason.METADATA_UNAVAILABLE,
            assertThrows(TokenVerificationException.class, () -> v.verify(jwt)).reason());
        assertTrue((System.nanoTime() - again) / 1_000_000 < timeout.toMillis());
        assertEquals(1, accepted.get());
      } finally {
        pool.shutdownNow();
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }

  @Test
  void verify_fetchThrewError_nextCallFetchesAgainInsteadOfWaitingForever() throws Exception {
    TokenVerifier v = builder().failureMemory(Duration.ZERO).httpClient(new HookedHttpClient(call -> {
      if (call == 1) {
        throw new AssertionError("simulated failure inside the HTTP client");
      }
    })).build();
    String jwt = signed(FakeMaaServer.Keys.RSA_1);

    assertThrows(AssertionError.class, () -> v.verify(jwt));
    VerifiedToken t = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20),
        () -> v.verify(jwt));

    assertEquals("aa", t.claims().getStringClaim("x-ms-sgx-mrenclave"));
  }

  @Test
  void verify_otherCallersFetchNeverEnds_waiterFailsWithinTwiceRequestTimeoutPlusOneSecond() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TokenVerifier v = builder().requestTimeout(Duration.ofMillis(300)).httpClient(new HookedHttpClient(call -> {
      if (call == 1) {
        entered.countDown();
        release.await(); // a client that ignores every deadline
      }
    })).build();
    String jwt = signed(FakeMaaServer.Keys.RSA_1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> stuck = pool.submit(() -> v.verify(jwt));
      assertTrue(entered.await(10, TimeUnit.SECONDS));

      long start = System.nanoTime();
      TokenVerificationException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
          Duration.ofSeconds(20), () -> assertThrows(TokenVerificationException.class, () -> v.verify(jwt)));
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;

      assertEquals(Reason.METADATA_UNAVAILABLE, e.reason());
      assertTrue(e.getMessage().contains("were not fetched within 1600 ms"), e.getMessage());
      assertTrue(elapsedMs >= 1500, "waited only " + elapsedMs + " ms");
      release.countDown();
      stuck.get(20, TimeUnit.SECONDS);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void verify_oversizedKeySet_throwsMetadataUnavailable() throws Exception {
    maa.jwks = new JWKSet(List.of(FakeMaaServer.Keys.RSA_1));
    maa.jwksPadding = HttpSupport.MAX_BODY + 1;

    assertEquals(Reason.METADATA_UNAVAILABLE, reasonOf(signed(FakeMaaServer.Keys.RSA_1)));
  }

  @Test
  void verify_algNone_throwsUnsigned() {
    String jwt = new PlainJWT(claims().build()).serialize();

    assertEquals(Reason.UNSIGNED, reasonOf(jwt));
  }

  @Test
  void verify_hs256_throwsAlgorithmNotAllowed() throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), claims().build());
    jwt.sign(new MACSigner(new byte[32]));

    assertEquals(Reason.ALGORITHM_NOT_ALLOWED, reasonOf(jwt.serialize()));
  }

  @Test
  void verify_algorithmNotInMetadata_throwsAlgorithmNotAllowed() throws Exception {
    maa.algorithms = List.of("RS256");

    assertEquals(Reason.ALGORITHM_NOT_ALLOWED, reasonOf(signed(FakeMaaServer.Keys.EC_1)));
  }

  @Test
  void verify_signedByOtherKeyWithSameKid_throwsBadSignature() throws Exception {
    RSAKey impostor = new RSAKey.Builder(FakeMaaServer.Keys.RSA_2).keyID("rsa-1").build();

    assertEquals(Reason.BAD_SIGNATURE, reasonOf(signed(impostor)));
  }

  @Test
  void verify_tamperedPayload_throwsBadSignature() throws Exception {
    String original = signed(FakeMaaServer.Keys.RSA_1);
    String other = FakeMaaServer.sign(FakeMaaServer.Keys.RSA_1, claims().claim("x-ms-sgx-mrenclave", "bb").build());
    String tampered = other.substring(0, other.lastIndexOf('.')) + original.substring(original.lastIndexOf('.'));

    assertEquals(Reason.BAD_SIGNATURE, reasonOf(tampered));
  }

  @Test
  void verify_rsaKeyUsedAsEs256_throwsUnknownKey() throws Exception {
    // An ES256 header naming an RSA key must not find a key.
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("rsa-1").build(), claims().build());
    jwt.sign(new com.nimbusds.jose.crypto.ECDSASigner(FakeMaaServer.Keys.EC_1));

    assertEquals(Reason.UNKNOWN_KEY, reasonOf(jwt.serialize()));
  }

  @Test
  void verify_nonceMismatch_throwsNonceMismatch() throws Exception {
    String jwt = FakeMaaServer.sign(FakeMaaServer.Keys.RSA_1, claims().claim("nonce", "abc").build());

    assertEquals(Reason.NONCE_MISMATCH,
        assertThrows(TokenVerificationException.class, () -> verifier.verify(jwt, "xyz")).reason());
    assertEquals(Reason.NONCE_MISMATCH,
        assertThrows(TokenVerificationException.class, () -> verifier.verify(signed(FakeMaaServer.Keys.RSA_1), "abc")).reason());
  }

  @Test
  void verify_garbage_throwsMalformed() {
    assertEquals(Reason.MALFORMED, reasonOf("not.a.jwt"));
    assertEquals(Reason.MALFORMED, reasonOf(""));
  }

  @Test
  void parseUnverified_draftPolicyToken_returnsClaimsMarkedUnsigned() throws Exception {
    AttestationToken t = TokenVerifier.parseUnverified(new PlainJWT(claims().claim("nonce", "d").build()).serialize());

    assertTrue(t.isUnsigned());
    assertEquals("d", t.unverifiedClaims().getStringClaim("nonce"));
  }

  @Test
  void build_invalidSettings_rejected() {
    assertThrows(IllegalArgumentException.class, () -> TokenVerifier.newBuilder("http://attest.example").build());
    assertThrows(IllegalArgumentException.class, () -> TokenVerifier.newBuilder("not a url").build());
    assertThrows(IllegalArgumentException.class,
        () -> TokenVerifier.newBuilder("https://attest.example").clockSkew(Duration.ofMinutes(6)));
  }
}
