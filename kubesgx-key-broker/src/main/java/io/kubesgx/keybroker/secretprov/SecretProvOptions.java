package io.kubesgx.keybroker.secretprov;

import io.kubesgx.keybroker.tenant.TenantPath;
import io.kubesgx.ratls.RaTlsPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the secret-provisioning listener.
 *
 * @param host bind address
 * @param port port (0: any free port)
 * @param tenant the tenant whose tagged secrets are served
 * @param deadline absolute time a connection may take from accept to the end of the request
 *     (queue wait, TLS handshake, RA-TLS verification, the 35-byte request); the socket is closed then
 * @param maxConnections most connections open at once; more are closed at accept
 * @param workers threads serving connections
 * @param queue connections waiting for a worker; more are closed at accept
 * @param allowOutdatedTcb DANGEROUS: accept an {@code OutOfDate} TCB and stale collateral (Gramine's
 *     {@code RA_TLS_ALLOW_OUTDATED_TCB_INSECURE})
 * @param allowHwConfigNeeded accept TCB statuses that need a platform configuration change ({@code RA_TLS_ALLOW_HW_CONFIG_NEEDED})
 * @param allowSwHardeningNeeded accept TCB statuses that need enclave software hardening ({@code RA_TLS_ALLOW_SW_HARDENING_NEEDED})
 * @param allowDebugEnclave DANGEROUS: accept debug enclaves, whose memory the host reads ({@code RA_TLS_ALLOW_DEBUG_ENCLAVE_INSECURE})
 */
public record SecretProvOptions(
    String host, int port, String tenant, Duration deadline, int maxConnections, int workers, int queue,
    boolean allowOutdatedTcb, boolean allowHwConfigNeeded, boolean allowSwHardeningNeeded, boolean allowDebugEnclave) {
  /** Gramine's default server port ({@code SECRET_PROVISION_SERVERS} defaults to {@code localhost:4433}). */
  public static final int GRAMINE_DEFAULT_PORT = 4433;
  /** Longest deadline accepted. */
  public static final Duration MAX_DEADLINE = Duration.ofMinutes(2);

  /** Checks the settings; messages say what to change. */
  public SecretProvOptions {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(deadline, "deadline");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--secret-prov-port must be 0..65535");
    }
    if (deadline.isNegative() || deadline.isZero() || deadline.compareTo(MAX_DEADLINE) > 0) {
      throw new IllegalArgumentException("the secret-provisioning deadline must be within (0, " + MAX_DEADLINE.toSeconds() + " s]");
    }
    if (maxConnections < 1 || workers < 1 || queue < 1) {
      throw new IllegalArgumentException("the secret-provisioning connection cap, workers and queue must be positive");
    }
  }

  /**
   * Defaults on {@code host:port} for the default tenant: 10 s deadline, 64 connections, 4 workers,
   * 32 queued, only an UpToDate TCB and no debug enclaves.
   */
  public static SecretProvOptions defaults(String host, int port) {
    return new SecretProvOptions(host, port, TenantPath.DEFAULT, Duration.ofSeconds(10), 64, 4, 32, false, false, false, false);
  }

  /**
   * Returns the RA-TLS policy of the listener: any measurements (each secret's release policy decides
   * which enclave gets it), and the TCB and debug allowances of these options.
   */
  public RaTlsPolicy raTlsPolicy() {
    RaTlsPolicy.Builder b = RaTlsPolicy.builder();
    if (allowOutdatedTcb) {
      b.insecureAllowOutdatedTcb();
    }
    if (allowHwConfigNeeded) {
      b.allowHwConfigNeeded();
    }
    if (allowSwHardeningNeeded) {
      b.allowSwHardeningNeeded();
    }
    if (allowDebugEnclave) {
      b.insecureAllowDebugEnclave();
    }
    return b.build();
  }

  /** Returns a copy serving {@code t}'s secrets. */
  public SecretProvOptions withTenant(String t) {
    return new SecretProvOptions(host, port, t, deadline, maxConnections, workers, queue, allowOutdatedTcb, allowHwConfigNeeded,
        allowSwHardeningNeeded, allowDebugEnclave);
  }

  /** Returns a copy with other connection bounds. */
  public SecretProvOptions withLimits(Duration d, int connections, int w, int q) {
    return new SecretProvOptions(host, port, tenant, d, connections, w, q, allowOutdatedTcb, allowHwConfigNeeded,
        allowSwHardeningNeeded, allowDebugEnclave);
  }

  /** Returns a copy with these TCB and debug allowances (Gramine's {@code RA_TLS_ALLOW_*} knobs). */
  public SecretProvOptions withAllowances(boolean outdatedTcb, boolean hwConfigNeeded, boolean swHardeningNeeded, boolean debugEnclave) {
    return new SecretProvOptions(host, port, tenant, deadline, maxConnections, workers, queue, outdatedTcb, hwConfigNeeded,
        swHardeningNeeded, debugEnclave);
  }
}
