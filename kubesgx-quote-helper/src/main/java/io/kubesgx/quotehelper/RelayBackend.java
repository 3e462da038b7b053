package io.kubesgx.quotehelper;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kubesgx.aesm.AesmClient;
import io.kubesgx.aesm.AesmErrorCode;
import io.kubesgx.aesm.AesmException;
import io.kubesgx.aesm.proto.AesmMessages.Response;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Forwards each request frame unchanged to another AESM socket (Intel's {@code aesm_service}) and
 * returns its answer, adding what aesmd lacks: a bounded timeout per request, metrics and clear logs.
 *
 * <ul>
 *   <li>upstream socket missing or refusing: {@code AESM_SERVICE_UNAVAILABLE} (30) in the response
 *       type of the request, so clients see a typed error instead of a hang;
 *   <li>upstream did not answer within the request's timeout: {@code AESM_BUSY} (18);
 *   <li>upstream closed without an answer (what aesmd does for requests it does not know): the relay
 *       closes too — it stays transparent;
 *   <li>upstream answered bytes that are not an {@code aesm.message.Response}:
 *       {@code AESM_UNEXPECTED_ERROR} (1).
 * </ul>
 */
public final class RelayBackend implements Backend {
  private static final System.Logger LOG = System.getLogger(RelayBackend.class.getName());

  private final Path upstream;
  private final LongAdder forwarded = new LongAdder();
  private final LongAdder unavailable = new LongAdder();
  private final LongAdder timeouts = new LongAdder();
  private final LongAdder closed = new LongAdder();
  private final LongAdder invalid = new LongAdder();

  /** Creates a relay to the AESM socket at {@code upstream}. */
  public RelayBackend(Path upstream) {
    this.upstream = Objects.requireNonNull(upstream);
  }

  /** Returns the upstream socket. */
  public Path upstream() {
    return upstream;
  }

  @Override
  public String name() {
    return "relay";
  }

  @Override
  public Optional<Response> handle(AesmRequest request) {
    AesmClient client = AesmClient.create(upstream, request.timeout());
    byte[] answer;
    try {
      answer = client.exchange(request.raw());
    } catch (AesmException e) {
      return switch (e.kind()) {
        case UNAVAILABLE -> {
          unavailable.increment();
          LOG.log(Level.WARNING, "relay: upstream AESM socket {0} is not available ({1}); answering AESM_SERVICE_UNAVAILABLE",
              upstream, e.getMessage());
          yield Optional.of(Responses.error(request.type(), AesmErrorCode.SERVICE_UNAVAILABLE));
        }
        case TIMEOUT -> {
          timeouts.increment();
          LOG.log(Level.WARNING, "relay: upstream {0} did not answer {1} within {2} ms; answering AESM_BUSY",
              upstream, request.type().label(), request.timeout().toMillis());
          yield Optional.of(Responses.error(request.type(), AesmErrorCode.BUSY));
        }
        default -> {
          closed.increment();
          LOG.log(Level.INFO, "relay: upstream {0} gave no answer to {1} ({2}); closing as it did",
              upstream, request.type().label(), e.getMessage());
          yield Optional.empty();
        }
      };
    }
    try {
      Response r = Response.newBuilder().mergeFrom(answer).buildPartial();
      forwarded.increment();
      return Optional.of(r);
    } catch (InvalidProtocolBufferException e) {
      invalid.increment();
      LOG.log(Level.WARNING, "relay: upstream {0} answered {1} bytes that are not an AESM response; answering AESM_UNEXPECTED_ERROR",
          upstream, answer.length);
      return Optional.of(Responses.error(request.type(), AesmErrorCode.UNEXPECTED_ERROR));
    }
  }

  /** Returns true when a connection to the upstream socket succeeds. */
  @Override
  public boolean ready() {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(upstream));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public Map<String, Long> counters() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("upstream_forwarded", forwarded.sum());
    m.put("upstream_unavailable", unavailable.sum());
    m.put("upstream_timeout", timeouts.sum());
    m.put("upstream_closed", closed.sum());
    m.put("upstream_invalid", invalid.sum());
    return m;
  }
}
