package io.kubesgx.keybroker.kbs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.keybroker.store.Envelope;
import io.kubesgx.keybroker.store.KeyStore;
import io.kubesgx.keybroker.store.SecretStore;
import io.kubesgx.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The KBS service without HTTP: the session cookie's attributes and the absolute session deadline. */
class KbsServiceTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] AUTH = "{\"version\":\"0.4.0\",\"tee\":\"sgx\",\"extra-params\":\"\"}".getBytes(StandardCharsets.UTF_8);

  private interface Body {
    void run(KbsService kbs, MutableClock clock) throws Exception;
  }

  private static void withService(Path dir, Body body) throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-12-06T12:00:00Z"));
    try (KeyStore store = KeyStore.open("jdbc:sqlite:" + dir.resolve("kb.db"), null, null, Envelope.of(RANDOM.generateSeed(32), RANDOM),
            clock);
        SgxEvidenceVerifier v = SgxEvidenceVerifier.intel(KbsOptions.INTEL_PCS, Optional.empty(), clock)) {
      KbsService kbs = new KbsService(SecretStore.over(store), store, v, new KbsSessions(10, Duration.ofMinutes(5), clock, RANDOM),
          payload -> "h.p.s", "https://broker.example/kbs/v0", clock, RANDOM);
      body.run(kbs, clock);
    }
  }

  @Test
  void auth_overTls_cookieIsSecureAndHttpOnlyWithTheSessionExpiry(@TempDir Path dir) throws Exception {
    withService(dir, (kbs, clock) -> {
      KbsService.Response r = kbs.handle("default", new KbsService.Request("POST", "/auth", null, null, AUTH, true));
      assertEquals(200, r.status());
      String cookie = r.headers().get("Set-Cookie");
      assertTrue(cookie.matches("kbs-session-id=[0-9a-f]{32}; Expires=Sun, 6 Dec 2026 12:05:00 GMT; Secure; HttpOnly"), cookie);
    });
  }

  @Test
  void auth_plainHttp_cookieWithoutSecure(@TempDir Path dir) throws Exception {
    withService(dir, (kbs, clock) -> {
      String cookie = kbs.handle("default", new KbsService.Request("POST", "/auth", null, null, AUTH, false)).headers().get("Set-Cookie");
      assertFalse(cookie.contains("Secure"), cookie);
    });
  }

  @Test
  void attest_afterTheSessionDeadline_attestationError(@TempDir Path dir) throws Exception {
    withService(dir, (kbs, clock) -> {
      String cookie = kbs.handle("default", new KbsService.Request("POST", "/auth", null, null, AUTH, true)).headers().get("Set-Cookie")
          .split(";")[0];
      clock.advance(Duration.ofMinutes(5));
      KbsService.Response r = kbs.handle("default", new KbsService.Request("POST", "/attest", cookie, null, "{}".getBytes(StandardCharsets.UTF_8), true));
      assertEquals(401, r.status());
      assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("unknown or has expired"));
    });
  }

  @Test
  void attest_sessionOfAnotherTenant_isNotFound(@TempDir Path dir) throws Exception {
    withService(dir, (kbs, clock) -> {
      String cookie = kbs.handle("a", new KbsService.Request("POST", "/auth", null, null, AUTH, true)).headers().get("Set-Cookie")
          .split(";")[0];
      KbsService.Response r = kbs.handle("b", new KbsService.Request("POST", "/attest", cookie, null, "{}".getBytes(StandardCharsets.UTF_8), true));
      assertEquals(401, r.status());
    });
  }

  @Test
  void cookie_malformedOrForeign_isIgnored() {
    assertNull(KbsService.cookie("kbs-session-id=../../etc"));
    assertNull(KbsService.cookie(null));
    assertEquals("0123456789abcdef0123456789abcdef", KbsService.cookie("a=b; kbs-session-id=0123456789abcdef0123456789abcdef"));
  }
}
