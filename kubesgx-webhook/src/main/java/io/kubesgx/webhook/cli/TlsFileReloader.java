package io.kubesgx.webhook.cli;

import io.kubesgx.webhook.WebhookException;
import io.kubesgx.webhook.http.WebhookServer.TlsMaterial;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads {@code --tls-cert}/{@code --tls-key} (e.g. rotated by cert-manager) and applies a
 * changed pair; a pair that cannot be used is logged once and the serving pair kept.
 */
final class TlsFileReloader {
  private static final Logger LOG = LoggerFactory.getLogger(TlsFileReloader.class);

  /** Applies a new pair to the server. */
  @FunctionalInterface
  interface Updater {
    void update(TlsMaterial tls) throws WebhookException;
  }

  private final Path cert;
  private final Path key;
  private final Updater updater;
  private TlsMaterial serving;
  private TlsMaterial rejected;

  TlsFileReloader(Path cert, Path key, TlsMaterial serving, Updater updater) {
    this.cert = Objects.requireNonNull(cert);
    this.key = Objects.requireNonNull(key);
    this.serving = Objects.requireNonNull(serving);
    this.updater = Objects.requireNonNull(updater);
  }

  /** Reads both files; returns whether a changed, usable pair was applied. Never throws. */
  synchronized boolean poll() {
    TlsMaterial now;
    try {
      now = new TlsMaterial(WebhookCommand.read(cert, "--tls-cert"),
          WebhookCommand.read(key, "--tls-key"));
    } catch (IllegalArgumentException e) {
      LOG.warn("TLS files not re-read, keeping the serving certificate: {}", e.getMessage());
      return false;
    }
    if (same(now, serving) || (rejected != null && same(now, rejected))) {
      return false;
    }
    try {
      updater.update(now);
    } catch (WebhookException | RuntimeException e) {
      rejected = now;
      LOG.warn("new TLS certificate/key not used, keeping the serving one: {}", e.getMessage());
      return false;
    }
    serving = now;
    rejected = null;
    LOG.info("serving the new TLS certificate from {}", cert);
    return true;
  }

  private static boolean same(TlsMaterial a, TlsMaterial b) {
    return Arrays.equals(a.certPem(), b.certPem()) && Arrays.equals(a.keyPem(), b.keyPem());
  }
}
