package io.kubesgx.aesm;

import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.QuoteProviderException.Reason;
import io.kubesgx.sdk.ReportSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The out-of-process quote provider: gets quotes from an AESM-compatible service (Intel's
 * {@code aesm_service} or the kubesgx quote helper) over its UNIX socket.
 *
 * <p>One quote is SelectAttKeyID (once, then remembered while it works) → InitQuoteEx (QE
 * TARGETINFO) → {@link ReportSource#report} (EREPORT in the enclave) → GetQuoteSizeEx → GetQuoteEx.
 *
 * <p><b>Start order.</b> When the socket is missing or refuses connections — typically because the
 * application started before the quote helper on its node — every call retries with exponential
 * backoff and jitter until the start deadline (default 30 s), then fails with
 * {@link Reason#UNAVAILABLE} and a message that says what to check. No failure is remembered between
 * calls: the next call tries again from scratch.
 *
 * <pre>{@code
 * QuoteProvider p = AesmQuoteProvider.newBuilder(reportSource).socket(Path.of("/var/run/aesmd/aesm.socket")).build();
 * byte[] quote = p.quote(reportData64);
 * }</pre>
 */
public final class AesmQuoteProvider implements QuoteProvider {
  /** Environment variable overriding the socket path. */
  public static final String ENV_SOCKET = "KUBESGX_AESM_SOCKET";
  /** The default start deadline. */
  public static final Duration DEFAULT_START_DEADLINE = Duration.ofSeconds(30);

  private final AesmClient client;
  private final ReportSource reportSource;
  private final Duration startDeadline;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final AtomicReference<AttKeyId> selected = new AtomicReference<>();

  private AesmQuoteProvider(Builder b) {
    this.client = AesmClient.create(b.socket, b.callTimeout);
    this.reportSource = b.reportSource;
    this.startDeadline = b.startDeadline;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
  }

  /** Returns a builder; the socket defaults to {@link AesmClient#DEFAULT_SOCKET}. */
  public static Builder newBuilder(ReportSource reportSource) {
    return new Builder(reportSource);
  }

  /** Returns the socket this provider talks to. */
  public Path socket() {
    return client.socket();
  }

  @Override
  public byte[] quote(byte[] reportData) throws QuoteProviderException {
    if (reportData == null || reportData.length != REPORT_DATA_SIZE) {
      throw new QuoteProviderException(Reason.INVALID_INPUT,
          "REPORTDATA must be exactly " + REPORT_DATA_SIZE + " bytes, got " + (reportData == null ? "null" : reportData.length));
    }
    long deadline = System.nanoTime() + startDeadline.toNanos();
    long backoff = initialBackoff.toNanos();
    int attempts = 0;
    while (true) {
      attempts++;
      try {
        return attempt(reportData);
      } catch (AesmException e) {
        boolean retryable = e.kind() == AesmException.Kind.UNAVAILABLE
            || (e.kind() == AesmException.Kind.ERROR_CODE
                && (e.errorCode() == AesmErrorCode.BUSY || e.errorCode() == AesmErrorCode.SERVICE_UNAVAILABLE));
        long now = System.nanoTime();
        if (!retryable) {
          throw map(e);
        }
        if (now - deadline >= 0) {
          throw unavailable(e, attempts);
        }
        long jittered = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        long sleep = Math.min(jittered, deadline - now);
        try {
          TimeUnit.NANOSECONDS.sleep(sleep);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new QuoteProviderException(Reason.UNAVAILABLE, "interrupted while waiting for the AESM socket " + socket(), ie);
        }
        backoff = Math.min(backoff * 2, maxBackoff.toNanos());
      }
    }
  }

  private byte[] attempt(byte[] reportData) throws AesmException, QuoteProviderException {
    AttKeyId keyId = keyId();
    AesmClient.InitQuoteExResult init;
    try {
      init = client.initQuoteEx(Optional.of(keyId), false);
    } catch (AesmException e) {
      if (e.errorCode() == AesmErrorCode.UNSUPPORTED_ATT_KEY_ID) {
        selected.set(null); // the service changed; select again on the next attempt
      }
      throw e;
    }
    byte[] report = reportSource.report(init.targetInfo(), reportData.clone());
    int size = client.getQuoteSizeEx(Optional.of(keyId));
    return client.getQuoteEx(report, Optional.of(keyId), Optional.empty(), size).quote();
  }

  private AttKeyId keyId() throws AesmException {
    AttKeyId k = selected.get();
    if (k != null) {
      return k;
    }
    try {
      k = client.selectAttKeyId(List.of());
    } catch (AesmException e) {
      if (e.kind() != AesmException.Kind.PROTOCOL && e.kind() != AesmException.Kind.ERROR_CODE
          || e.errorCode() == AesmErrorCode.BUSY || e.errorCode() == AesmErrorCode.SERVICE_UNAVAILABLE) {
        throw e;
      }
      // An older aesm_service without SelectAttKeyID closes the connection: use Intel's QE3 ID for
      // this call only (a failure is never remembered; the next call selects again).
      return AttKeyId.intelEcdsaQe3();
    }
    selected.set(k);
    return k;
  }

  private QuoteProviderException unavailable(AesmException last, int attempts) {
    return new QuoteProviderException(Reason.UNAVAILABLE,
        "no AESM service answered on " + socket() + " within " + startDeadline.toSeconds() + " s (" + attempts
            + " attempts; last error: " + last.getMessage() + "). Check: (1) is the quote helper DaemonSet running on this node"
            + " (kubectl get pods -A -o wide --field-selector spec.nodeName=$NODE | grep -i -e quote-helper -e aesm)?"
            + " (2) is the hostPath /var/run/aesmd mounted at " + socket().getParent() + " in this container?"
            + " (3) is the path right (set " + ENV_SOCKET + " to override)?",
        last);
  }

  private QuoteProviderException map(AesmException e) {
    return switch (e.kind()) {
      case TIMEOUT -> new QuoteProviderException(Reason.TIMEOUT, e.getMessage(), e);
      case PROTOCOL -> new QuoteProviderException(Reason.PROTOCOL, e.getMessage(), e);
      case ERROR_CODE -> new QuoteProviderException(Reason.REJECTED, e.getMessage(), e);
      case UNAVAILABLE -> new QuoteProviderException(Reason.UNAVAILABLE, e.getMessage(), e);
    };
  }

  @Override
  public String name() {
    return "aesm";
  }

  /**
   * Returns false: the provider cannot know whether the service behind the socket is Intel's or the
   * simulated quote helper. A verifier decides from the quote's certificate chain.
   */
  @Override
  public boolean isSimulated() {
    return false;
  }

  /** Builds an {@link AesmQuoteProvider}. */
  public static final class Builder {
    private final ReportSource reportSource;
    private Path socket = AesmClient.DEFAULT_SOCKET;
    private Duration callTimeout = AesmClient.DEFAULT_TIMEOUT;
    private Duration startDeadline = DEFAULT_START_DEADLINE;
    private Duration initialBackoff = Duration.ofMillis(50);
    private Duration maxBackoff = Duration.ofSeconds(2);

    private Builder(ReportSource reportSource) {
      this.reportSource = Objects.requireNonNull(reportSource, "reportSource");
    }

    /** Sets the AESM socket path. */
    public Builder socket(Path socket) {
      this.socket = Objects.requireNonNull(socket);
      return this;
    }

    /** Sets the timeout of each AESM call (default 15 s). */
    public Builder callTimeout(Duration t) {
      this.callTimeout = positive(t);
      return this;
    }

    /** Sets how long one {@code quote} call waits for a missing socket (default 30 s; zero: no wait). */
    public Builder startDeadline(Duration t) {
      if (t.isNegative()) {
        throw new IllegalArgumentException("start deadline must not be negative");
      }
      this.startDeadline = t;
      return this;
    }

    /** Sets the first and the largest backoff between attempts (defaults 50 ms, 2 s). */
    public Builder backoff(Duration initial, Duration max) {
      this.initialBackoff = positive(initial);
      this.maxBackoff = positive(max);
      return this;
    }

    public AesmQuoteProvider build() {
      return new AesmQuoteProvider(this);
    }

    private static Duration positive(Duration t) {
      if (t.isNegative() || t.isZero()) {
        throw new IllegalArgumentException("duration must be positive");
      }
      return t;
    }
  }
}
