package io.kubesgx.keybroker.kbs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.json.Json;
import io.kubesgx.testing.MutableClock;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The bounded session table: the cap, absolute expiry, single use of a nonce and concurrent attests. */
class KbsSessionsTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static KbsSessions.Attested attested(String token) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    return new KbsSessions.Attested(token, new TeePubKey(Json.parseObject("{}"), TeePubKey.ECDH_ES_A256KW,
        g.generateKeyPair().getPublic()), null);
  }

  @Test
  void open_atCapacity_refusesUntilSessionsExpire() {
    MutableClock clock = new MutableClock(Instant.parse("2026-12-06T12:00:00Z"));
    KbsSessions s = new KbsSessions(2, Duration.ofMinutes(5), clock, RANDOM);
    KbsSessions.Session a = s.open("default").orElseThrow();
    assertEquals(32, Base64.getDecoder().decode(a.nonce()).length);
    assertTrue(s.open("default").isPresent());
    assertTrue(s.open("default").isEmpty(), "a third session beyond the cap");
    clock.advance(Duration.ofMinutes(5));
    assertTrue(s.get(a.id()).isEmpty(), "expired at the absolute deadline");
    assertTrue(s.open("default").isPresent(), "expired sessions make room");
    assertTrue(s.size() <= 2);
  }

  @Test
  void remove_staleStateAfterAConcurrentAttest_keepsTheAttestedSession() throws Exception {
    KbsSessions s = new KbsSessions(10, Duration.ofMinutes(5), new MutableClock(Instant.now()), RANDOM);
    KbsSessions.Session open = s.open("default").orElseThrow();
    assertTrue(s.attest(open, attested("t1")));
    assertFalse(s.attest(open, attested("t2")), "the loser of a concurrent attest");
    s.remove(open); // the loser ends the session state it saw
    assertTrue(s.get(open.id()).orElseThrow().attested().isPresent());
    assertTrue(s.byToken("t1").isPresent());
    assertTrue(s.byToken("t2").isEmpty());
  }

  @Test
  void byToken_afterTheSessionEnds_isEmpty() throws Exception {
    KbsSessions s = new KbsSessions(10, Duration.ofMinutes(5), new MutableClock(Instant.now()), RANDOM);
    KbsSessions.Session open = s.open("default").orElseThrow();
    s.attest(open, attested("tok"));
    s.remove(s.get(open.id()).orElseThrow());
    assertTrue(s.byToken("tok").isEmpty());
    assertTrue(s.get(open.id()).isEmpty());
  }
}
