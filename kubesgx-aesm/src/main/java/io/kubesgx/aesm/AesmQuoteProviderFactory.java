package io.kubesgx.aesm;

import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.QuoteProviderFactory;
import io.kubesgx.sdk.ReportSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Makes {@link AesmQuoteProvider}s for the SDK's provider selection ({@link java.util.ServiceLoader},
 * kind {@code aesm}).
 *
 * <p>Environment: {@code KUBESGX_AESM_SOCKET} (socket path, default
 * {@code /var/run/aesmd/aesm.socket}); {@code KUBESGX_AESM_TIMEOUT_MS} (per call, default 15000);
 * {@code KUBESGX_AESM_START_DEADLINE_MS} (wait for a missing socket, default 30000).
 * {@code SGX_AESM_ADDR} only signals out-of-process mode; like Open Enclave we ignore its value.
 */
public final class AesmQuoteProviderFactory implements QuoteProviderFactory {
  /** Per-call timeout variable. */
  public static final String ENV_TIMEOUT_MS = "KUBESGX_AESM_TIMEOUT_MS";
  /** Start-deadline variable. */
  public static final String ENV_START_DEADLINE_MS = "KUBESGX_AESM_START_DEADLINE_MS";

  @Override
  public String kind() {
    return "aesm";
  }

  @Override
  public QuoteProvider open(Map<String, String> environment, ReportSource reportSource) throws QuoteProviderException {
    AesmQuoteProvider.Builder b = AesmQuoteProvider.newBuilder(reportSource);
    String socket = environment.get(AesmQuoteProvider.ENV_SOCKET);
    if (socket != null && !socket.isBlank()) {
      b.socket(Path.of(socket));
    }
    Long timeout = millis(environment, ENV_TIMEOUT_MS, false);
    if (timeout != null) {
      b.callTimeout(Duration.ofMillis(timeout));
    }
    Long start = millis(environment, ENV_START_DEADLINE_MS, true);
    if (start != null) {
      b.startDeadline(Duration.ofMillis(start));
    }
    return b.build();
  }

  private static Long millis(Map<String, String> env, String name, boolean zeroOk) throws QuoteProviderException {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      long ms = Long.parseLong(v.trim());
      if (ms < 0 || (!zeroOk && ms == 0)) {
        throw new NumberFormatException("out of range");
      }
      return ms;
    } catch (NumberFormatException e) {
      throw new QuoteProviderException(QuoteProviderException.Reason.NOT_CONFIGURED,
          name + "=" + v + " is not a valid number of milliseconds", e);
    }
  }
}
