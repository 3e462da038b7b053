package io.kubesgx.collateralservice;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateralservice.CollateralException.Reason;
import io.kubesgx.collateralservice.CollateralResult.Source;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.quote.CertificationData;
import io.kubesgx.quote.Quote;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Provides DCAP verification collateral for quotes: fetched from Intel PCS v4 or a PCCS, cached in
 * memory and on disk, refreshed ahead of {@code nextUpdate}, served stale for a bounded time when
 * the PCS is down, and importable from offline bundles.
 *
 * <pre>{@code
 * try (CollateralService collateral = CollateralService.builder()
 *     .baseUrl(URI.create("https://pccs.example:8081"))
 *     .cacheDirectory(Path.of("/var/cache/kubesgx/collateral"))
 *     .build()) {
 *   CollateralResult r = collateral.collateralFor(QuoteParser.parse(quoteBytes));
 *   VerifiedQuote v = verifier.verify(quoteBytes, r.collateral(), clock.instant());
 * }
 * }</pre>
 *
 * <p>One collateral set is the TCB info and QE identity of the key's TEE (with their issuer
 * chains), the PCK CRL of the key's CA (DER, with its issuer chain) and the Intel SGX Root CA CRL.
 * The set's {@code nextUpdate} is the earliest {@code nextUpdate} of the four. Fresh sets are
 * served from memory (the same {@link Collateral} instance every time); within {@code
 * refreshAhead} of {@code nextUpdate} a hit triggers one background refresh; after {@code
 * nextUpdate} a call fetches synchronously and, only if that fails, serves the old set with {@code
 * stale=true} and a warning until {@code nextUpdate + maxStale}, after which it fails with {@link
 * Reason#EXPIRED}. Concurrent callers for one key share one fetch. After a failed fetch a key is
 * not retried for {@code retryBackoff}; the remembered failure is reported instead.
 *
 * <p>The disk cache keeps one subdirectory per source (the PCS/PCCS base URL, or the name set with
 * {@link Builder#cacheSource}), so collateral cached from one PCS is never served by a service
 * pointed at another. When a caller's verification fails for a collateral-side reason it calls
 * {@link #refetchAfterFailure}: the set is fetched again once, at most once per key per {@code
 * refetchInterval} and within the outbound rate limit, and replaces the cached one in memory and on
 * disk.
 *
 * <p>Nothing here verifies signatures: the collateral is parsed and checked to belong to its key
 * (FMSPC, TEE, QE identity, PCK CRL issuer), and the verifier checks everything else. Plain {@code
 * http} base URLs are therefore safe for integrity, though a tampering network can still deny
 * service.
 *
 * <p>This class is thread-safe.
 */
public final class CollateralService implements AutoCloseable {
  /** Largest PCS response body accepted. */
  static final int MAX_RESPONSE_BYTES = 1 << 20;
  /** Most keys tracked at once (bounds memory when quotes carry arbitrary forged FMSPCs). */
  static final int MAX_KEYS = 10_000;
  private static final int MAX_QUOTE_KEY_CACHE = 1024;

  private final Optional<PcsClient> client;
  private final Optional<String> apiKey;
  private final Clock clock;
  private final Duration refreshAhead;
  private final Duration maxStale;
  private final Duration retryBackoff;
  private final Duration refetchInterval;
  private final long waitNanos;
  private final UpdateType updateType;
  private final boolean offline;
  private final double requestsPerSecond;
  private final int burst;
  private final TokenBucket bucket;
  private final Optional<DiskCache> disk;
  private final ConcurrentHashMap<CollateralKey, KeyState> states = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<QuoteKeys.DataKey, QuoteKeys.PckInfo> pckInfos = new ConcurrentHashMap<>();
  private final ThreadPoolExecutor executor;
  private final AtomicInteger backgroundRunning = new AtomicInteger();
  private final List<String> startupProblems = new ArrayList<>();
  private volatile boolean closed;

  private CollateralService(Builder b, Optional<PcsClient> client, Optional<DiskCache> disk) {
    this.client = client;
    this.apiKey = Optional.ofNullable(b.apiKey);
    this.clock = b.clock;
    this.refreshAhead = b.refreshAhead;
    this.maxStale = b.maxStale;
    this.retryBackoff = b.retryBackoff;
    this.refetchInterval = b.refetchInterval;
    this.waitNanos = b.requestTimeout.multipliedBy(2).plusSeconds(2).toNanos();
    this.updateType = b.updateType;
    this.offline = b.offline;
    this.requestsPerSecond = b.requestsPerSecond;
    this.burst = b.burst;
    this.bucket = new TokenBucket(b.clock, b.requestsPerSecond, b.burst);
    this.disk = disk;
    this.executor = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256), r -> {
      Thread t = new Thread(r, "kubesgx-collateral-refresh");
      t.setDaemon(true);
      return t;
    });
    executor.allowCoreThreadTimeOut(true);
  }

  /** Returns a builder; {@link Builder#baseUrl} is required unless the service is offline. */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------------------------------------
  // Lookups

  /**
   * Returns collateral for a quote, keyed by its TEE type and the FMSPC and issuing CA of the PCK
   * certificate in its certification data (type 5, or type 4), with the configured update type.
   *
   * @throws CollateralException MALFORMED_QUOTE or NO_PCK_CERTIFICATE for the quote, or any reason
   *     of {@link #collateralFor(CollateralKey)}
   */
  public CollateralResult collateralFor(Quote quote) throws CollateralException {
    return collateralFor(keyFor(quote));
  }

  /**
   * Returns the collateral key of a quote (TEE type, FMSPC and CA of its PCK certificate, the
   * configured update type).
   *
   * @throws CollateralException MALFORMED_QUOTE or NO_PCK_CERTIFICATE
   */
  public CollateralKey keyFor(Quote quote) throws CollateralException {
    Objects.requireNonNull(quote, "quote");
    CertificationData cd = quote.signatureData().certificationData();
    QuoteKeys.DataKey dk = QuoteKeys.DataKey.of(cd);
    QuoteKeys.PckInfo info = pckInfos.get(dk);
    if (info == null) {
      info = QuoteKeys.pckInfo(cd);
      if (pckInfos.size() >= MAX_QUOTE_KEY_CACHE) {
        pckInfos.clear();
      }
      pckInfos.put(dk, info);
    }
    return new CollateralKey(quote.teeType(), info.fmspc(), info.ca(), updateType);
  }

  /**
   * Returns the collateral set of {@code key}.
   *
   * @throws CollateralException UNKNOWN_FMSPC, PCS_UNREACHABLE, PCS_ERROR, MALFORMED_RESPONSE or
   *     RATE_LIMITED when nothing usable is cached and the fetch fails; OFFLINE_MISS when offline
   *     and nothing is cached; EXPIRED when the only collateral available is past {@code nextUpdate
   *     + maxStale}
   */
  public CollateralResult collateralFor(CollateralKey key) throws CollateralException {
    KeyState st = states.get(Objects.requireNonNull(key, "key"));
    CachedEntry e = st == null ? null : st.entry;
    if (e != null) {
      // Hot path: one map lookup, one clock read, no allocation.
      if (clock.millis() < e.refreshAtMillis) {
        return e.serveFresh();
      }
      return serveAging(st, e, clock.instant());
    }
    return miss(key);
  }

  private CollateralResult serveAging(KeyState st, CachedEntry e, Instant now) throws CollateralException {
    if (!now.isAfter(e.nextUpdate)) {
      maybeRefreshInBackground(st, now);
      return e.serveFresh();
    }
    CollateralException why;
    if (offline || client.isEmpty()) {
      why = new CollateralException(Reason.OFFLINE_MISS, "the service is offline; import a fresh bundle");
    } else {
      try {
        return afterFetch(await(joinOrStart(st, now)), now);
      } catch (CollateralException ex) {
        why = ex;
      }
    }
    return staleOrExpired(st, e, now, why);
  }

  private CollateralResult miss(CollateralKey key) throws CollateralException {
    KeyState st = state(key);
    if (disk.isPresent()) {
      synchronized (st) {
        if (st.entry == null && !st.diskChecked) {
          st.diskChecked = true;
          try {
            Optional<BundleCodec.Entry> stored = disk.get().read(key);
            if (stored.isPresent()) {
              st.entry = fromStored(stored.get(), clock.instant());
            }
          } catch (IOException | MalformedInputException ex) {
            st.diskProblem = ex.getMessage();
          }
        }
      }
    }
    CachedEntry e = st.entry;
    Instant now = clock.instant();
    if (e != null) {
      return now.isBefore(e.refreshAt) ? e.serveFresh() : serveAging(st, e, now);
    }
    if (offline || client.isEmpty()) {
      throw new CollateralException(Reason.OFFLINE_MISS,
          "no collateral for FMSPC " + key.fmspcHex() + " (" + key + ") in the cache or imported bundles, and the service is"
              + " offline; export a bundle containing it on a connected machine and import it here");
    }
    return afterFetch(await(joinOrStart(st, now)), now);
  }

  private KeyState state(CollateralKey key) throws CollateralException {
    KeyState st = states.get(key);
    if (st != null) {
      return st;
    }
    if (states.size() >= MAX_KEYS) {
      Instant now = clock.instant();
      states.values().removeIf(s -> s.isIdle(now, retryBackoff));
      if (states.size() >= MAX_KEYS) {
        throw new CollateralException(Reason.RATE_LIMITED, "more than " + MAX_KEYS
            + " distinct collateral keys are tracked; refusing " + key + " (are quotes with made-up PCK certificates being submitted?)");
      }
    }
    return states.computeIfAbsent(key, KeyState::new);
  }

  private CollateralResult afterFetch(CachedEntry n, Instant now) {
    if (!now.isAfter(n.nextUpdate)) {
      return n.result(Source.NETWORK, false, Optional.empty());
    }
    return n.result(Source.NETWORK, true, Optional.of("the PCS at " + base() + " serves collateral for " + n.key
        + " whose nextUpdate " + n.nextUpdate + " has passed; serving it until " + n.staleLimit
        + " (check that the PCCS refreshes its cache from Intel)"));
  }

  private CollateralResult staleOrExpired(KeyState st, CachedEntry e, Instant now, CollateralException why)
      throws CollateralException {
    String cause = causePhrase(st, why);
    if (!now.isAfter(e.staleLimit)) {
      return e.result(e.hitSource(), true, Optional.of("collateral for FMSPC " + e.key.fmspcHex() + " (" + e.key
          + ") passed its nextUpdate at " + e.nextUpdate + " and is served stale until " + e.staleLimit + " because " + cause));
    }
    throw new CollateralException(Reason.EXPIRED, "collateral for FMSPC " + e.key.fmspcHex() + " (" + e.key + ") expired at "
        + e.nextUpdate + " (served stale until " + e.staleLimit + "); " + cause, why);
  }

  private String causePhrase(KeyState st, CollateralException why) {
    if (why.reason() == Reason.OFFLINE_MISS) {
      return "the service is offline; import a fresh bundle";
    }
    Instant since;
    synchronized (st) {
      since = st.failingSince;
    }
    String sinceText = since == null ? "" : " since " + since;
    if (why.reason() == Reason.PCS_UNREACHABLE && why.getCause() != null) {
      return "the PCS at " + base() + " is unreachable" + sinceText + " (" + PcsClient.cause(why.getCause()) + ")";
    }
    return "the PCS at " + base() + " is failing" + sinceText + ": " + why.getMessage();
  }

  private String base() {
    return client.map(c -> c.base().toString()).orElse("(none: offline)");
  }

  // ---------------------------------------------------------------------------------------------
  // Fetching

  /**
   * Joins the key's in-flight fetch or starts one in this thread.
   *
   * @throws CollateralException the remembered failure while the key is backing off, or
   *     RATE_LIMITED when the outbound budget is exhausted
   */
  private CompletableFuture<CachedEntry> joinOrStart(KeyState st, Instant now) throws CollateralException {
    return joinOrStart(st, now, false);
  }

  private CompletableFuture<CachedEntry> joinOrStart(KeyState st, Instant now, boolean refetch) throws CollateralException {
    CompletableFuture<CachedEntry> f;
    synchronized (st) {
      if (st.inflight != null) {
        return st.inflight;
      }
      if (!refetch && !st.attemptAllowed(now, retryBackoff)) {
        Instant retryAt = st.lastAttempt.plus(retryBackoff);
        if (st.lastError != null) {
          throw new CollateralException(st.lastError.reason(),
              st.lastError.getMessage() + " [remembered failure from " + st.lastErrorAt + "; retried after " + retryAt + "]",
              st.lastError);
        }
        throw new CollateralException(Reason.PCS_ERROR, "the PCS at " + base() + " still served collateral for " + st.key
            + " that is past its nextUpdate at " + st.lastAttempt + "; retried after " + retryAt);
      }
      if (!bucket.tryAcquire(PcsClient.REQUESTS_PER_SET)) {
        CollateralException ex = rateLimited(st.key);
        st.lastError = ex;
        st.lastErrorAt = now;
        throw ex;
      }
      f = new CompletableFuture<>();
      st.inflight = f;
    }
    runFetch(st, f);
    return f;
  }

  /**
   * Fetches a key's collateral set again because {@code failed}, the set this service handed out,
   * did not verify for a collateral-side reason (bad signature, chain, CRL, expired or foreign
   * data). The new set replaces the cached one in memory and on disk. At most one such refetch runs
   * per key per {@code refetchInterval} (so hostile quotes that fail verification cannot make the
   * service hammer the PCS), and each one also spends the outbound rate limit.
   *
   * @param key the key {@code failed} was served for
   * @param failed the collateral that failed verification
   * @return the newer cached set when another caller already replaced {@code failed}, the freshly
   *     fetched set, or empty when no refetch is allowed now (rate limit, offline, not cached) or
   *     the refetch failed; the cached set is then left as it was
   */
  public Optional<CollateralResult> refetchAfterFailure(CollateralKey key, Collateral failed) {
    Objects.requireNonNull(failed, "failed");
    KeyState st = states.get(Objects.requireNonNull(key, "key"));
    if (st == null || offline || closed || client.isEmpty()) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    synchronized (st) {
      CachedEntry e = st.entry;
      if (e != null && e.collateral != failed) {
        return Optional.of(e.serveFresh());
      }
      if (st.lastRefetch != null && now.isBefore(st.lastRefetch.plus(refetchInterval))) {
        return Optional.empty();
      }
      st.lastRefetch = now;
      st.refetches++;
    }
    try {
      return Optional.of(afterFetch(await(joinOrStart(st, now, true)), now));
    } catch (CollateralException ex) {
      return Optional.empty();
    }
  }

  /** Returns how many refetches after a verification failure were started for a key; for tests. */
  int refetchCount(CollateralKey key) {
    KeyState st = states.get(key);
    if (st == null) {
      return 0;
    }
    synchronized (st) {
      return st.refetches;
    }
  }

  private CollateralException rateLimited(CollateralKey key) {
    return new CollateralException(Reason.RATE_LIMITED, "the outbound PCS rate limit (" + requestsPerSecond
        + " requests/s, burst " + burst + "; a collateral set costs " + PcsClient.REQUESTS_PER_SET
        + ") is exhausted; the next fetch for " + key + " is possible in " + bucket.timeUntil(PcsClient.REQUESTS_PER_SET).toMillis()
        + " ms");
  }

  private void maybeRefreshInBackground(KeyState st, Instant now) {
    if (offline || closed || client.isEmpty()) {
      return;
    }
    CompletableFuture<CachedEntry> f;
    synchronized (st) {
      if (st.inflight != null || !st.attemptAllowed(now, retryBackoff)) {
        return;
      }
      if (!bucket.tryAcquire(PcsClient.REQUESTS_PER_SET)) {
        st.lastAttempt = now;
        st.lastError = rateLimited(st.key);
        st.lastErrorAt = now;
        return;
      }
      f = new CompletableFuture<>();
      st.inflight = f;
    }
    backgroundRunning.incrementAndGet();
    try {
      executor.execute(() -> {
        try {
          runFetch(st, f);
        } finally {
          backgroundRunning.decrementAndGet();
        }
      });
    } catch (RejectedExecutionException ex) {
      backgroundRunning.decrementAndGet();
      synchronized (st) {
        st.inflight = null;
      }
      f.completeExceptionally(new CollateralException(Reason.PCS_UNREACHABLE, "background refresh not started: " + ex));
    }
  }

  /** Fetches the key's set and completes {@code f}; never throws. */
  private void runFetch(KeyState st, CompletableFuture<CachedEntry> f) {
    try {
      PcsClient c = client.orElseThrow();
      Collateral fetched = c.fetch(st.key);
      Instant now = clock.instant();
      Instant nextUpdate = nextUpdate(fetched, c);
      if (now.isAfter(nextUpdate.plus(maxStale))) {
        throw new CollateralException(Reason.EXPIRED, "the PCS at " + c.base() + " serves collateral for FMSPC "
            + st.key.fmspcHex() + " (" + st.key + ") that expired at " + nextUpdate + ", more than maxStale (" + maxStale
            + ") ago; the PCS's data is out of date (a PCCS must refresh its cache from Intel)");
      }
      CachedEntry n;
      synchronized (st) {
        CachedEntry old = st.entry;
        // Unchanged content keeps the old instance, so identity-keyed caches downstream stay warm.
        Collateral instance = old != null && old.collateral.equals(fetched) ? old.collateral : fetched;
        n = new CachedEntry(st.key, instance, now, nextUpdate, Source.NETWORK, refreshAhead, maxStale);
        st.entry = n;
        st.lastSuccess = now;
        st.lastAttempt = now;
        st.lastError = null;
        st.lastErrorAt = null;
        st.failingSince = null;
      }
      persist(st, n, false);
      f.complete(n);
    } catch (CollateralException ex) {
      fail(st, f, ex);
    } catch (RuntimeException ex) {
      fail(st, f, new CollateralException(Reason.MALFORMED_RESPONSE,
          "unexpected failure while fetching " + st.key + " from the PCS at " + base() + ": " + ex, ex));
    } finally {
      synchronized (st) {
        if (st.inflight == f) {
          st.inflight = null;
        }
      }
    }
  }

  private static Instant nextUpdate(Collateral c, PcsClient client) throws CollateralException {
    try {
      return PcsProtocol.nextUpdate(c);
    } catch (MalformedInputException e) {
      throw new CollateralException(Reason.MALFORMED_RESPONSE, "the PCS at " + client.base() + " returned a CRL without a"
          + " usable nextUpdate: " + e.getMessage(), e);
    }
  }

  private void fail(KeyState st, CompletableFuture<CachedEntry> f, CollateralException ex) {
    Instant now = clock.instant();
    synchronized (st) {
      st.lastAttempt = now;
      st.lastError = ex;
      st.lastErrorAt = now;
      if (st.failingSince == null) {
        st.failingSince = now;
      }
    }
    f.completeExceptionally(ex);
  }

  private CachedEntry await(CompletableFuture<CachedEntry> f) throws CollateralException {
    try {
      return f.get(waitNanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof CollateralException ce) {
        throw new CollateralException(ce.reason(), ce.getMessage(), ce);
      }
      throw new CollateralException(Reason.PCS_ERROR, "collateral fetch failed: " + c, c);
    } catch (TimeoutException e) {
      throw new CollateralException(Reason.PCS_UNREACHABLE,
          "no collateral from the PCS at " + base() + " within " + Duration.ofNanos(waitNanos).toSeconds() + " s", e);
    } catch (CancellationException e) {
      throw new CollateralException(Reason.PCS_UNREACHABLE, "the collateral fetch was cancelled (service closed?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CollateralException(Reason.PCS_UNREACHABLE, "interrupted while waiting for collateral", e);
    }
  }

  private void persist(KeyState st, CachedEntry e, boolean fromBundle) {
    if (disk.isEmpty()) {
      return;
    }
    try {
      disk.get().write(new BundleCodec.Entry(e.key, e.collateral, e.nextUpdate, Optional.of(e.fetchedAt), fromBundle),
          clock.instant());
      synchronized (st) {
        st.diskProblem = null;
      }
    } catch (IOException | RuntimeException ex) {
      synchronized (st) {
        st.diskProblem = "cannot write " + disk.get().directory() + ": " + ex.getMessage();
      }
    }
  }

  private CachedEntry fromStored(BundleCodec.Entry s, Instant now) {
    return new CachedEntry(s.key(), s.collateral(), s.fetchedAt().orElse(now), s.nextUpdate(),
        s.fromBundle() ? Source.BUNDLE : Source.DISK, refreshAhead, maxStale);
  }

  // ---------------------------------------------------------------------------------------------
  // Bundles

  /**
   * Imports an offline bundle (see {@link #exportBundle} for the format) into the memory and disk
   * caches. The whole file is validated before anything is imported. An entry is skipped when the
   * cache already holds a set for its key with a later {@code nextUpdate}.
   *
   * @return the number of entries imported
   * @throws CollateralException BUNDLE_INVALID naming the file, entry and problem; entries past
   *     {@code nextUpdate + maxStale} are invalid too
   */
  public int importBundle(Path file) throws CollateralException {
    byte[] data;
    try (InputStream in = Files.newInputStream(file)) {
      data = in.readNBytes(BundleCodec.MAX_BUNDLE_BYTES + 1);
    } catch (IOException e) {
      throw new CollateralException(Reason.BUNDLE_INVALID, "cannot read bundle " + file + ": " + e, e);
    }
    List<BundleCodec.Entry> entries;
    try {
      entries = BundleCodec.parse(data);
    } catch (MalformedInputException e) {
      throw new CollateralException(Reason.BUNDLE_INVALID, "bundle " + file + ": " + e.getMessage(), e);
    }
    Instant now = clock.instant();
    for (int i = 0; i < entries.size(); i++) {
      BundleCodec.Entry e = entries.get(i);
      if (now.isAfter(e.nextUpdate().plus(maxStale))) {
        throw new CollateralException(Reason.BUNDLE_INVALID, "bundle " + file + ": entry " + (i + 1) + " (" + e.key()
            + "): collateral expired at " + e.nextUpdate() + ", more than maxStale (" + maxStale + ") ago; export a fresh bundle");
      }
    }
    List<KeyState> targets = new ArrayList<>();
    for (BundleCodec.Entry e : entries) {
      targets.add(state(e.key()));
    }
    int imported = 0;
    for (int i = 0; i < entries.size(); i++) {
      BundleCodec.Entry e = entries.get(i);
      KeyState st = targets.get(i);
      CachedEntry n;
      synchronized (st) {
        CachedEntry old = st.entry;
        if (old != null && old.nextUpdate.isAfter(e.nextUpdate())) {
          continue;
        }
        n = new CachedEntry(e.key(), e.collateral(), e.fetchedAt().orElse(now), e.nextUpdate(), Source.BUNDLE,
            refreshAhead, maxStale);
        st.entry = n;
        st.diskChecked = true;
      }
      persist(st, n, true);
      imported++;
    }
    return imported;
  }

  /**
   * Writes an offline bundle with the collateral of {@code keys} (fetched when not cached); an empty
   * collection exports every cached key. The file is written atomically.
   *
   * <p>Format: {@code {"format":"kubesgx-collateral-bundle","version":1,"createdAt":…,"entries":[
   * {"tee":"sgx","fmspc":"00906ED50000","ca":"processor","update":"standard","fetchedAt":…,
   * "origin":"network","collateral":{…}}]}} where {@code collateral} is dcap-qvl collateral JSON
   * ({@code CollateralLoader.toDcapQvlJson}).
   *
   * @throws CollateralException any reason of {@link #collateralFor(CollateralKey)} for a key that
   *     cannot be provided, or BUNDLE_INVALID when the file cannot be written
   */
  public void exportBundle(Path file, Collection<CollateralKey> keys) throws CollateralException {
    LinkedHashSet<CollateralKey> wanted = new LinkedHashSet<>(keys);
    if (wanted.isEmpty()) {
      states.values().stream().filter(s -> s.entry != null).map(s -> s.key)
          .sorted(Comparator.comparing(CollateralKey::toString)).forEach(wanted::add);
    }
    List<BundleCodec.Entry> out = new ArrayList<>();
    for (CollateralKey k : wanted) {
      CollateralResult r = collateralFor(k);
      out.add(new BundleCodec.Entry(k, r.collateral(), r.nextUpdate(), Optional.of(r.fetchedAt()),
          r.source() == Source.BUNDLE));
    }
    try {
      io.kubesgx.common.io.AtomicFiles.write(file, BundleCodec.write(out, clock.instant()).getBytes(StandardCharsets.UTF_8), false);
    } catch (IOException | RuntimeException e) {
      throw new CollateralException(Reason.BUNDLE_INVALID, "cannot write bundle " + file + ": " + e, e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Health and lifecycle

  /** Returns the state of every known key, sorted by key. */
  public List<FmspcHealth> health() {
    Instant now = clock.instant();
    List<FmspcHealth> out = new ArrayList<>();
    for (KeyState st : states.values()) {
      synchronized (st) {
        CachedEntry e = st.entry;
        String err = st.lastError == null ? null : st.lastError.reason() + ": " + st.lastError.getMessage();
        if (st.diskProblem != null) {
          err = (err == null ? "" : err + "; ") + "disk cache: " + st.diskProblem;
        }
        out.add(new FmspcHealth(st.key,
            e == null ? Optional.empty() : Optional.of(e.origin),
            Optional.ofNullable(st.lastSuccess),
            Optional.ofNullable(st.lastErrorAt),
            Optional.ofNullable(err),
            e == null ? Optional.empty() : Optional.of(e.nextUpdate),
            e != null && now.isAfter(e.nextUpdate),
            e == null || now.isAfter(e.staleLimit)));
      }
    }
    out.sort(Comparator.comparing(h -> h.key().toString()));
    return List.copyOf(out);
  }

  /** Stops background refresh; lookups keep working from the cache and by synchronous fetches. */
  @Override
  public void close() {
    closed = true;
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Returns the configured PCS API key (reserved for {@code pckcert}, which this version never calls). */
  Optional<String> apiKey() {
    return apiKey;
  }

  /** Returns problems met while loading the disk cache at start-up. */
  List<String> startupProblems() {
    synchronized (startupProblems) {
      return List.copyOf(startupProblems);
    }
  }

  /** Waits until no background refresh is running; for tests. */
  boolean awaitBackgroundIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (backgroundRunning.get() > 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(2);
    }
    return true;
  }

  private void loadDisk() {
    if (disk.isEmpty()) {
      return;
    }
    List<String> problems = new ArrayList<>();
    Instant now = clock.instant();
    for (BundleCodec.Entry e : disk.get().readAll(problems)) {
      KeyState st = states.computeIfAbsent(e.key(), KeyState::new);
      synchronized (st) {
        st.entry = fromStored(e, now);
        st.diskChecked = true;
      }
    }
    synchronized (startupProblems) {
      startupProblems.addAll(problems);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Cache state

  /** An immutable cached collateral set with its precomputed hit result. */
  private static final class CachedEntry {
    final CollateralKey key;
    final Collateral collateral;
    final Instant fetchedAt;
    final Instant nextUpdate;
    final Instant refreshAt;
    final long refreshAtMillis;
    final Instant staleLimit;
    final Source origin;
    final CollateralResult hit;
    final AtomicBoolean announceDisk;

    CachedEntry(CollateralKey key, Collateral collateral, Instant fetchedAt, Instant nextUpdate, Source origin,
        Duration refreshAhead, Duration maxStale) {
      this.key = key;
      this.collateral = collateral;
      this.fetchedAt = fetchedAt;
      this.nextUpdate = nextUpdate;
      this.refreshAt = nextUpdate.minus(refreshAhead);
      this.refreshAtMillis = refreshAt.toEpochMilli();
      this.staleLimit = nextUpdate.plus(maxStale);
      this.origin = origin;
      this.hit = result(hitSource(), false, Optional.empty());
      this.announceDisk = new AtomicBoolean(origin == Source.DISK);
    }

    Source hitSource() {
      return origin == Source.BUNDLE ? Source.BUNDLE : Source.MEMORY;
    }

    CollateralResult result(Source source, boolean stale, Optional<String> warning) {
      return new CollateralResult(collateral, key, source, fetchedAt, nextUpdate, stale, warning);
    }

    /** The first use of an entry loaded from disk reports DISK; every other fresh use the shared hit result. */
    CollateralResult serveFresh() {
      if (announceDisk.get() && announceDisk.getAndSet(false)) {
        return result(Source.DISK, false, Optional.empty());
      }
      return hit;
    }
  }

  /** Per-key state; fields other than {@code entry} are guarded by the instance's monitor. */
  private static final class KeyState {
    final CollateralKey key;
    volatile CachedEntry entry;
    CompletableFuture<CachedEntry> inflight;
    boolean diskChecked;
    Instant lastAttempt;
    Instant lastSuccess;
    Instant lastErrorAt;
    Instant failingSince;
    CollateralException lastError;
    String diskProblem;
    Instant lastRefetch;
    int refetches;

    KeyState(CollateralKey key) {
      this.key = key;
    }

    boolean attemptAllowed(Instant now, Duration backoff) {
      return lastAttempt == null || !now.isBefore(lastAttempt.plus(backoff));
    }

    synchronized boolean isIdle(Instant now, Duration backoff) {
      return entry == null && inflight == null && attemptAllowed(now, backoff);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Builder

  /** Configures a {@link CollateralService}; every setting but {@link #baseUrl} has a default. */
  public static final class Builder {
    private URI baseUrl;
    private URI rootCaCrlUrl;
    private String apiKey;
    private Path cacheDirectory;
    private Clock clock = Clock.systemUTC();
    private HttpClient httpClient;
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration refreshAhead = Duration.ofHours(1);
    private Duration maxStale = Duration.ofHours(24);
    private Duration retryBackoff = Duration.ofSeconds(30);
    private Duration refetchInterval = Duration.ofMinutes(1);
    private String cacheSource;
    private double requestsPerSecond = 5;
    private int burst = 20;
    private UpdateType updateType = UpdateType.STANDARD;
    private boolean offline;

    private Builder() {}

    /**
     * Sets the PCS or PCCS base URL, such as {@code https://api.trustedservices.intel.com} or
     * {@code https://pccs:8081}; {@code /sgx/certification/v4/} and {@code /tdx/certification/v4/}
     * are appended (a URL already ending in one of them is accepted).
     */
    public Builder baseUrl(URI baseUrl) {
      this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
      return this;
    }

    /**
     * Sets where the Intel SGX Root CA CRL is fetched (DER, PEM or hex of DER are accepted).
     *
     * <p>Default: for Intel's PCS ({@code api.trustedservices.intel.com}), which has no root CRL
     * endpoint, Intel's certificate distribution point {@code
     * https://certificates.trustedservices.intel.com/IntelSGXRootCA.der} (the CRL distribution
     * point named in Intel's certificates); for any other base URL (a PCCS) its {@code
     * /sgx/certification/v4/rootcacrl} endpoint, which answers with hex of the DER CRL. Set this
     * when a PCCS sits behind a proxy that does not forward that path.
     */
    public Builder rootCaCrlUrl(URI rootCaCrlUrl) {
      Objects.requireNonNull(rootCaCrlUrl, "rootCaCrlUrl");
      String scheme = rootCaCrlUrl.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))
          || rootCaCrlUrl.getRawAuthority() == null) {
        throw new IllegalArgumentException("rootCaCrlUrl must be an absolute http or https URL, got " + rootCaCrlUrl);
      }
      this.rootCaCrlUrl = rootCaCrlUrl;
      return this;
    }

    /**
     * Sets the Intel PCS subscription key. Intel requires it only for {@code pckcert}, which this
     * version does not call, so it is never sent: the collateral endpoints are public.
     */
    public Builder apiKey(String apiKey) {
      Objects.requireNonNull(apiKey, "apiKey");
      if (apiKey.isBlank()) {
        throw new IllegalArgumentException("apiKey is blank");
      }
      this.apiKey = apiKey;
      return this;
    }

    /**
     * Enables the on-disk cache in {@code dir} (created with mode 0700; files 0600, written
     * atomically); a new service on the same directory serves from it without network.
     */
    public Builder cacheDirectory(Path dir) {
      this.cacheDirectory = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * Names the source of the collateral for the disk cache (default: the base URL, or {@code
     * offline} without one). Entries live in a subdirectory per source; set this when the base URL
     * changes between runs but the source does not (a simulated PCS on an ephemeral port).
     */
    public Builder cacheSource(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("cacheSource must not be empty");
      }
      this.cacheSource = name;
      return this;
    }

    /**
     * Sets the least time between two refetches of one key after verification failures (default 1
     * minute; see {@link CollateralService#refetchAfterFailure}).
     */
    public Builder refetchInterval(Duration d) {
      this.refetchInterval = positive(d, "refetchInterval", Duration.ofDays(1));
      return this;
    }

    /** Sets the clock used for freshness, backoff and the rate limiter (default: system UTC). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Sets the HTTP client (default: a new client with connect timeout = request timeout). */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    /** Sets the per-request timeout (default 10 s; at most 5 minutes). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout", Duration.ofMinutes(5));
      return this;
    }

    /** Sets how long before {@code nextUpdate} a hit triggers a background refresh (default 1 h). */
    public Builder refreshAhead(Duration d) {
      this.refreshAhead = nonNegative(d, "refreshAhead");
      return this;
    }

    /**
     * Sets how long after {@code nextUpdate} a set may still be served, marked stale, while the PCS
     * is unreachable or failing (default 24 h; at most 30 days).
     */
    public Builder maxStale(Duration d) {
      nonNegative(d, "maxStale");
      if (d.compareTo(Duration.ofDays(30)) > 0) {
        throw new IllegalArgumentException("maxStale must be at most 30 days, got " + d);
      }
      this.maxStale = d;
      return this;
    }

    /** Sets how long a key is not fetched again after a fetch attempt failed (default 30 s). */
    public Builder retryBackoff(Duration d) {
      this.retryBackoff = nonNegative(d, "retryBackoff");
      return this;
    }

    /**
     * Limits outbound PCS requests with a token bucket (default 5 requests/s, burst 20). A
     * collateral set costs 4 requests, so {@code burst} must be at least 4. When the bucket is
     * empty a lookup fails at once with RATE_LIMITED (or serves stale collateral) instead of
     * waiting.
     */
    public Builder rateLimit(double requestsPerSecond, int burst) {
      if (!(requestsPerSecond > 0) || Double.isInfinite(requestsPerSecond)) {
        throw new IllegalArgumentException("requestsPerSecond must be positive and finite, got " + requestsPerSecond);
      }
      if (burst < PcsClient.REQUESTS_PER_SET) {
        throw new IllegalArgumentException("burst must be at least " + PcsClient.REQUESTS_PER_SET
            + " (the requests of one collateral set), got " + burst);
      }
      this.requestsPerSecond = requestsPerSecond;
      this.burst = burst;
      return this;
    }

    /** Sets the TCB update stream used for keys derived from quotes (default STANDARD). */
    public Builder updateType(UpdateType updateType) {
      this.updateType = Objects.requireNonNull(updateType, "updateType");
      return this;
    }

    /** Serves only the disk cache and imported bundles and never touches the network. */
    public Builder offline(boolean offline) {
      this.offline = offline;
      return this;
    }

    /**
     * Builds the service and loads the disk cache.
     *
     * @throws IllegalStateException when no base URL is set and the service is not offline
     * @throws UncheckedIOException when the cache directory cannot be created
     */
    public CollateralService build() {
      Optional<PcsClient> client = Optional.empty();
      if (baseUrl != null) {
        URI base = PcsProtocol.apiBase(baseUrl);
        HttpClient http = httpClient != null
            ? httpClient
            : HttpClient.newBuilder().connectTimeout(requestTimeout).followRedirects(HttpClient.Redirect.NORMAL).build();
        URI root = rootCaCrlUrl != null ? rootCaCrlUrl : PcsProtocol.defaultRootCaCrlUri(base);
        client = Optional.of(new PcsClient(base, root, http, requestTimeout, MAX_RESPONSE_BYTES));
      } else if (!offline) {
        throw new IllegalStateException("set baseUrl (the PCS or PCCS) or offline(true)");
      }
      Optional<DiskCache> disk = Optional.empty();
      if (cacheDirectory != null) {
        try {
          String source = cacheSource != null ? cacheSource : baseUrl != null ? PcsProtocol.apiBase(baseUrl).toString() : "offline";
          disk = Optional.of(new DiskCache(cacheDirectory, source));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot use " + cacheDirectory + " as the collateral cache directory: " + e.getMessage(), e);
        }
      }
      CollateralService s = new CollateralService(this, client, disk);
      s.loadDisk();
      return s;
    }

    private static Duration nonNegative(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative()) {
        throw new IllegalArgumentException(what + " must not be negative, got " + d);
      }
      return d;
    }

    private static Duration positive(Duration d, String what, Duration max) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero() || d.compareTo(max) > 0) {
        throw new IllegalArgumentException(what + " must be positive and at most " + max + ", got " + d);
      }
      return d;
    }
  }
}
