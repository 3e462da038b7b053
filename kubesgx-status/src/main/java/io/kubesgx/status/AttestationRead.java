package io.kubesgx.status;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of reading the attestation service's status.
 *
 * @param source where it was read: {@code service-proxy <namespace>/<service>:<port>} or the URL
 * @param status the parsed status, when the read succeeded
 * @param error one line saying why it failed, when it did
 */
public record AttestationRead(String source, Optional<AttestationStatus> status, Optional<String> error) {
  /** Checks that exactly one of status and error is present. */
  public AttestationRead {
    Objects.requireNonNull(source, "source");
    if (status.isPresent() == error.isPresent()) {
      throw new IllegalArgumentException("exactly one of status and error");
    }
  }

  /** A successful read. */
  public static AttestationRead ok(String source, AttestationStatus status) {
    return new AttestationRead(source, Optional.of(status), Optional.empty());
  }

  /** A failed read. */
  public static AttestationRead failed(String source, String error) {
    return new AttestationRead(source, Optional.empty(), Optional.of(error));
  }
}
