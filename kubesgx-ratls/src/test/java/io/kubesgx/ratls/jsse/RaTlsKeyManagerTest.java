package io.kubesgx.ratls.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.ratls.RaTlsException;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.testing.MutableClock;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Presenting, rotating and withdrawing RA-TLS credentials, driven by a hand-moved clock and a hand-run executor. */
class RaTlsKeyManagerTest {
  private static final Duration ROTATE = Duration.ofHours(1);

  @TempDir Path dir;

  private SimEnclaves sim;
  private MutableClock clock;
  private final Queue<Runnable> tasks = new ArrayDeque<>();
  private final Executor manual = tasks::add;
  private final AtomicBoolean failQuotes = new AtomicBoolean();
  private final List<LogRecord> logged = new ArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      synchronized (logged) {
        logged.add(r);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final Logger logger = Logger.getLogger(RaTlsKeyManager.class.getName());

  @BeforeEach
  void setUp() throws Exception {
    sim = SimEnclaves.create(dir);
    clock = new MutableClock(SimEnclaves.NOW);
    logger.addHandler(capture);
  }

  @AfterEach
  void tearDown() {
    logger.removeHandler(capture);
  }

  private RaTlsKeyManager keyManager() throws Exception {
    QuoteProvider real = sim.quotes(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_A, false));
    QuoteProvider flaky = new QuoteProvider() {
      @Override
      public byte[] quote(byte[] reportData) throws QuoteProviderException {
        if (failQuotes.get()) {
          throw new QuoteProviderException(QuoteProviderException.Reason.UNAVAILABLE, "quote helper down (test)");
        }
        return real.quote(reportData);
      }

      @Override
      public String name() {
        return "flaky";
      }

      @Override
      public boolean isSimulated() {
        return true;
      }
    };
    return RaTlsKeyManager.builder().issuer(sim.issuer(flaky)).clock(clock).rotateAfter(ROTATE).executor(manual).build();
  }

  private void runTasks() {
    for (Runnable r; (r = tasks.poll()) != null; ) {
      r.run();
    }
  }

  @Test
  void build_quoteProviderFails_throwsRaTlsExceptionAtIssue() {
    failQuotes.set(true);

    RaTlsException e = assertThrows(RaTlsException.class, this::keyManager);

    assertEquals(RaTlsException.Step.ISSUE, e.step());
  }

  @Test
  void chooseServerAlias_ecKeyType_presentsRaTlsCertificateAndItsKey() throws Exception {
    RaTlsKeyManager km = keyManager();

    String alias = km.chooseEngineServerAlias("EC", null, null);

    assertNotNull(alias);
    X509Certificate[] chain = km.getCertificateChain(alias);
    assertEquals(1, chain.length);
    assertSame(km.certificate(), chain[0]);
    assertTrue(chain[0].getPublicKey() instanceof ECPublicKey);
    assertEquals("EC", km.getPrivateKey(alias).getAlgorithm());
    assertArrayEquals(new String[] {alias}, km.getServerAliases("EC", null));
    assertEquals(alias, km.chooseClientAlias(new String[] {"RSA", "EC"}, null, null));
  }

  @Test
  void chooseServerAlias_rsaKeyType_returnsNull() throws Exception {
    RaTlsKeyManager km = keyManager();

    assertNull(km.chooseServerAlias("RSA", null, null));
    assertNull(km.chooseEngineClientAlias(new String[] {"RSA", "RSASSA-PSS"}, null, null));
    assertNull(km.getClientAliases("RSA", null));
    assertNull(km.getCertificateChain("someone-else"));
  }

  @Test
  void chooseServerAlias_beforeThreeQuartersOfRotateAfter_noReissue() throws Exception {
    RaTlsKeyManager km = keyManager();
    clock.advance(ROTATE.multipliedBy(3).dividedBy(4).minusSeconds(1));

    km.chooseServerAlias("EC", null, null);

    assertTrue(tasks.isEmpty());
  }

  @Test
  void chooseServerAlias_dueForRotation_oldKeepsServingUntilNewIssuedInBackground() throws Exception {
    RaTlsKeyManager km = keyManager();
    X509Certificate first = km.certificate();
    String firstAlias = km.chooseServerAlias("EC", null, null);
    clock.advance(ROTATE.multipliedBy(3).dividedBy(4));

    String during = km.chooseServerAlias("EC", null, null);
    assertEquals(firstAlias, during, "the handshake got the old credential without waiting");
    assertEquals(1, tasks.size(), "one re-issue handed to the executor");
    km.chooseServerAlias("EC", null, null);
    assertEquals(1, tasks.size(), "no second re-issue while one is under way");
    runTasks();

    String after = km.chooseServerAlias("EC", null, null);
    assertNotEquals(firstAlias, after);
    assertNotEquals(first, km.certificate());
    assertSame(first, km.getCertificateChain(firstAlias)[0], "the previous alias still resolves to its own certificate");
    assertEquals(first.getPublicKey().getAlgorithm(), km.getPrivateKey(firstAlias).getAlgorithm());
  }

  @Test
  void reissue_fails_oldCredentialKeepsServingAndFailureLoggedOnce() throws Exception {
    RaTlsKeyManager km = keyManager();
    String alias = km.chooseServerAlias("EC", null, null);
    failQuotes.set(true);

    for (int i = 0; i < 5; i++) {
      clock.advance(ROTATE);
      assertEquals(alias, km.chooseServerAlias("EC", null, null), "attempt " + i);
      runTasks();
    }

    assertEquals(alias, km.chooseServerAlias("EC", null, null));
    assertEquals(1, warnings().size(), warnings().toString());
    assertTrue(warnings().get(0).getMessage().contains("re-issuing the credential failed"));
    failQuotes.set(false);
    clock.advance(Duration.ofMinutes(5));
    km.chooseServerAlias("EC", null, null);
    runTasks();
    assertNotEquals(alias, km.chooseServerAlias("EC", null, null), "recovered");
  }

  @Test
  void reissue_failsRepeatedly_retriesNoMoreOftenThanRetryDelay() throws Exception {
    RaTlsKeyManager km = keyManager();
    failQuotes.set(true);
    clock.advance(ROTATE);
    km.chooseServerAlias("EC", null, null);
    runTasks();

    km.chooseServerAlias("EC", null, null);
    assertTrue(tasks.isEmpty(), "no retry right after a failure");
    clock.advance(ROTATE.dividedBy(16));
    km.chooseServerAlias("EC", null, null);
    assertEquals(1, tasks.size(), "retried after rotateAfter/16");
  }

  @Test
  void chooseServerAlias_credentialOlderThanMaxAge_withdrawn() throws Exception {
    RaTlsKeyManager km = keyManager();
    failQuotes.set(true);

    clock.advance(RaTlsKeyManager.DEFAULT_MAX_AGE.minusSeconds(1));
    assertNotNull(km.chooseServerAlias("EC", null, null));
    runTasks();
    clock.advance(Duration.ofSeconds(1));

    assertNull(km.chooseServerAlias("EC", null, null), "stale evidence is not presented");
    assertNull(km.chooseEngineClientAlias(new String[] {"EC"}, null, null));
  }

  @Test
  void builder_maxAgeShorterThanRotateAfter_rejected() {
    RaTlsKeyManager.Builder b = RaTlsKeyManager.builder().issuer(sim.issuer(sim.quotes(enclaveA()))).maxAge(Duration.ofMinutes(10));

    assertThrows(IllegalStateException.class, b::build);
  }

  @Test
  void builder_noIssuer_rejected() {
    assertThrows(IllegalStateException.class, () -> RaTlsKeyManager.builder().build());
  }

  @Test
  void create_ownTimer_reissuesWithoutHandshakes() throws Exception {
    // rotateAfter 4 s: the timer ticks every second and re-issues after 3 s of the system clock.
    try (RaTlsKeyManager km = RaTlsKeyManager.builder().issuer(sim.issuer(sim.quotes(enclaveA())))
        .rotateAfter(Duration.ofSeconds(4)).build()) {
      X509Certificate first = km.certificate();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (km.certificate() == first && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertNotEquals(first, km.certificate());
    }
  }

  private static io.kubesgx.enclave.sim.SimEnclave enclaveA() {
    try {
      return SimEnclaves.enclave(SimEnclaves.MRENCLAVE_A, false);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private List<LogRecord> warnings() {
    synchronized (logged) {
      return logged.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue()).toList();
    }
  }
}
