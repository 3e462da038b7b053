package io.kubesgx.attestation.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import io.kubesgx.testing.MutableClock;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyRingTest {
  static final Duration LIFETIME = Duration.ofHours(8);

  @Test
  void rotate_prePublished_newKeyInJwksAtOnceButSignsOnlyAfterActivation(@TempDir Path dir) throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-29T00:00:00Z"));
    KeyRing ring = KeyRing.directory(dir, true, SigningAlgorithm.RS256, "CN=test", clock, LIFETIME);
    String first = ring.signingKey().kid();
    clock.advance(Duration.ofMinutes(1));
    SigningKey next = ring.rotate(Duration.ofHours(1));
    assertEquals(first, ring.signingKey().kid(), "the old key signs until the new one activates");
    assertEquals(List.of(next.kid(), first), kids(ring));
    clock.advance(Duration.ofMinutes(61));
    assertEquals(next.kid(), ring.signingKey().kid());
    assertEquals(2, ring.published().size(), "the retired key stays published while its tokens live");
    clock.advance(LIFETIME);
    assertEquals(List.of(next.kid()), kids(ring));
  }

  @Test
  void signAndVerify_tokenFromRetiredKey_stillVerifiesWithJwksUntilItExpires(@TempDir Path dir) throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-29T00:00:00Z"));
    KeyRing ring = KeyRing.directory(dir, true, SigningAlgorithm.RS256, "CN=test", clock, LIFETIME);
    TokenIssuer issuer = new TokenIssuer(ring, URI.create("http://x/certs"));
    String oldToken = issuer.sign(Map.of("sub", "a"), true);
    ring.rotate(Duration.ZERO);
    String newToken = issuer.sign(Map.of("sub", "b"), false);
    JWKSet jwks = JWKSet.parse(issuer.jwksJson());
    for (String t : List.of(oldToken, newToken)) {
      SignedJWT jwt = SignedJWT.parse(t);
      RSAKey k = (RSAKey) jwks.getKeyByKeyId(jwt.getHeader().getKeyID());
      assertTrue(jwt.verify(new RSASSAVerifier(k)), t);
    }
    assertNotEquals(SignedJWT.parse(oldToken).getHeader().getKeyID(), SignedJWT.parse(newToken).getHeader().getKeyID());
    assertTrue(SignedJWT.parse(newToken).getHeader().getX509CertChain() == null, "omit_x5c leaves the header without x5c");
  }

  @Test
  void directory_secondReplica_seesRotationOfTheFirst(@TempDir Path dir) throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-29T00:00:00Z"));
    KeyRing a = KeyRing.directory(dir, true, SigningAlgorithm.ES256, "CN=test", clock, LIFETIME);
    KeyRing b = KeyRing.directory(dir, false, SigningAlgorithm.ES256, "CN=test", clock, LIFETIME);
    assertEquals(a.signingKey().kid(), b.signingKey().kid());
    SigningKey fresh = a.rotate(Duration.ZERO);
    Thread.sleep(1100);
    assertEquals(fresh.kid(), b.signingKey().kid());
    assertThrows(java.io.IOException.class, () -> b.rotate(Duration.ZERO));
  }

  @Test
  void directory_keyFilesArePrivate(@TempDir Path dir) throws Exception {
    KeyRing.directory(dir, true, SigningAlgorithm.RS256, "CN=test", new MutableClock(Instant.now()), LIFETIME);
    try (var s = Files.list(dir)) {
      for (Path p : s.collect(Collectors.toList())) {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
      }
    }
  }

  @Test
  void directory_readOnlyWithoutKeysOrMalformedFile_failsWithMessage(@TempDir Path dir) throws Exception {
    GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
        () -> KeyRing.directory(dir, false, SigningAlgorithm.RS256, "CN=t", new MutableClock(Instant.now()), LIFETIME));
    assertTrue(e.getMessage().contains("rotate"), e.getMessage());
    Files.writeString(dir.resolve("broken.json"), "{\"kid\":1}");
    e = assertThrows(GeneralSecurityException.class,
        () -> KeyRing.directory(dir, true, SigningAlgorithm.RS256, "CN=t", new MutableClock(Instant.now()), LIFETIME));
    assertTrue(e.getMessage().contains("broken.json"), e.getMessage());
    assertFalse(e.getMessage().isEmpty());
  }

  private static List<String> kids(KeyRing ring) {
    return ring.published().stream().map(SigningKey::kid).collect(Collectors.toList());
  }
}
