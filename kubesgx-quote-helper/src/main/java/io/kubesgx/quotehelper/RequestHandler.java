package io.kubesgx.quotehelper;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kubesgx.aesm.AesmErrorCode;
import io.kubesgx.aesm.proto.AesmMessages.Request;
import io.kubesgx.aesm.proto.AesmMessages.Response;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns one request frame body into the answer to send (or none: close the connection), the way
 * Intel's {@code aesm_service} does:
 *
 * <ul>
 *   <li>bytes that are not an {@code aesm.message.Request} (invalid protobuf): close without answer;
 *   <li>no sub-request we know (empty message, only unknown fields): close without answer (Intel's
 *       {@code AESMQueueManager::enqueue} drops a NULL request and closes the socket);
 *   <li>a sub-request Intel defines but the helper does not serve (EPID, launch token, ...): close
 *       without answer as well — the helper has no such service, the same as an aesmd without the
 *       corresponding bundle would not reach a valid answer; documented in docs/quote-helper.md;
 *   <li>a served sub-request with missing required fields: the backend answers
 *       {@code AESM_UNEXPECTED_ERROR} (1), as Intel's {@code check()}/{@code IsInitialized()} does;
 *   <li>a backend failure (exception): {@code AESM_UNEXPECTED_ERROR}, never a crash.
 * </ul>
 */
public final class RequestHandler {
  private static final System.Logger LOG = System.getLogger(RequestHandler.class.getName());

  /** What to do with one request. */
  public static final class Outcome {
    private final RequestType type;
    private final Response response;
    private final String result;

    Outcome(RequestType type, Response response, String result) {
      this.type = type;
      this.response = response;
      this.result = result;
    }

    /** Returns the request type. */
    public RequestType type() {
      return type;
    }

    /** Returns the response to send, or empty to close without an answer. */
    public Optional<Response> response() {
      return Optional.ofNullable(response);
    }

    /** Returns the metrics result label: {@code ok}, {@code error}, {@code closed}. */
    public String result() {
      return result;
    }
  }

  private final Backend backend;
  private final Duration maxTimeout;

  /** Creates a handler for {@code backend}; no request may take longer than {@code maxTimeout}. */
  public RequestHandler(Backend backend, Duration maxTimeout) {
    this.backend = Objects.requireNonNull(backend);
    this.maxTimeout = Objects.requireNonNull(maxTimeout);
  }

  /** Returns the backend. */
  public Backend backend() {
    return backend;
  }

  /** Handles one frame body; never throws for any input. */
  public Outcome handle(byte[] body) {
    return handle(body, maxTimeout);
  }

  /**
   * Handles one frame body with at most {@code remaining} left of the connection's deadline (the
   * backend gets 90 % of the smallest of it, the server's limit and the request's own timeout);
   * never throws for any input.
   */
  public Outcome handle(byte[] body, Duration remaining) {
    Request req;
    try {
      req = Request.newBuilder().mergeFrom(body).buildPartial();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      LOG.log(Level.DEBUG, "closing a connection whose request is not valid protobuf: {0}", e.getMessage());
      return new Outcome(RequestType.MALFORMED, null, "closed");
    }
    RequestType type = RequestType.of(req);
    if (type == RequestType.UNKNOWN || type == RequestType.NOT_SERVED) {
      LOG.log(Level.DEBUG, "closing a connection with a {0} request", type.label());
      return new Outcome(type, null, "closed");
    }
    // The backend gets 90 % of the smaller of the server's limit and the client's own timeout field,
    // so that a backend-side timeout (relay: AESM_BUSY) can still be written before either gives up.
    long ms = Math.min(maxTimeout.toMillis(), Math.max(1, remaining.toMillis()));
    long clientMs = clientTimeoutMs(req, type);
    if (clientMs > 0 && clientMs < ms) {
      ms = clientMs;
    }
    Duration timeout = Duration.ofMillis(Math.max(1, ms * 9 / 10));
    Response res;
    try {
      res = backend.handle(new AesmRequest(body, req, type, timeout)).orElse(null);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "backend " + backend.name() + " failed on " + type.label() + "; answering AESM_UNEXPECTED_ERROR", e);
      res = Responses.error(type, AesmErrorCode.UNEXPECTED_ERROR);
    }
    if (res == null) {
      return new Outcome(type, null, "closed");
    }
    return new Outcome(type, res, Responses.errorCode(res) == 0 ? "ok" : "error");
  }

  private static long clientTimeoutMs(Request r, RequestType type) {
    return switch (type) {
      case INIT_QUOTE_EX -> Integer.toUnsignedLong(r.getInitQuoteExReq().getTimeout());
      case GET_QUOTE_SIZE_EX -> Integer.toUnsignedLong(r.getGetQuoteSizeExReq().getTimeout());
      case GET_QUOTE_EX -> Integer.toUnsignedLong(r.getGetQuoteExReq().getTimeout());
      case SELECT_ATT_KEY_ID -> Integer.toUnsignedLong(r.getSelectAttKeyIDReq().getTimeout());
      case GET_SUPPORTED_ATT_KEY_ID_NUM -> Integer.toUnsignedLong(r.getGetSupportedAttKeyIDNumReq().getTimeout());
      case GET_SUPPORTED_ATT_KEY_IDS -> Integer.toUnsignedLong(r.getGetSupportedAttKeyIDsReq().getTimeout());
      default -> 0;
    };
  }
}
