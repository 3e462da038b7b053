package io.kubesgx.quotehelper;

import io.kubesgx.aesm.proto.AesmMessages.Response;
import java.util.Optional;

/**
 * Answers the quoting requests the quote helper serves; the server does framing, parsing,
 * concurrency, timeouts and metrics around it. Implementations are thread-safe.
 */
public interface Backend extends AutoCloseable {
  /**
   * Answers {@code request} (one of the six served types), or returns empty to close the connection
   * without an answer (what Intel's service does for requests it cannot handle).
   */
  Optional<Response> handle(AesmRequest request);

  /** Returns a short name for logs and metrics ({@code sim}, {@code relay}). */
  String name();

  /** Returns true when the backend can serve requests now (the {@code /readyz} probe). */
  default boolean ready() {
    return true;
  }

  /** Returns backend-specific event counters for {@code /metrics} (name → count). */
  default java.util.Map<String, Long> counters() {
    return java.util.Map.of();
  }

  @Override
  default void close() {}
}
