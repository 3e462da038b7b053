package io.kubesgx.attestation.http;

import io.kubesgx.attestation.ApiError;
import io.kubesgx.attestation.AttestationType;
import io.kubesgx.attestation.service.AttestationService;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Maps MAA's routes to the service; framework-agnostic (a request value in, a response value out).
 *
 * <p>Routes: {@code POST /attest/{SgxEnclave|OpenEnclave}}, {@code GET|PUT /policies/{type}},
 * {@code POST /policies/{type}:reset}, {@code GET /.well-known/openid-configuration}, {@code GET
 * /certs}, {@code GET /status} (signing-key age and collateral freshness, when configured). Every answer that is not a token is MAA's JSON error body; nothing escapes as a 500
 * except an internal fault.
 */
public final class ApiRouter {
  /** API versions accepted in {@code api-version}; a missing parameter means the newest. */
  public static final Set<String> API_VERSIONS = Set.of("2020-10-01", "2022-08-01", "2025-06-01");

  private static final Logger LOG = Logger.getLogger(ApiRouter.class.getName());

  private final AttestationService service;
  private final Metrics metrics;
  private final Optional<Supplier<String>> status;

  /** Creates a router without {@code /status}. */
  public ApiRouter(AttestationService service, Metrics metrics) {
    this(service, metrics, Optional.empty());
  }

  /**
   * Creates a router.
   *
   * @param status renders the {@code GET /status} JSON body (no secrets: it is served to anyone)
   */
  public ApiRouter(AttestationService service, Metrics metrics, Optional<Supplier<String>> status) {
    this.service = service;
    this.metrics = metrics;
    this.status = status;
  }

  /**
   * Handles one request.
   *
   * @param requestId the request's ID: in error bodies, and in the log line of an internal fault
   * @param method HTTP method
   * @param path the path without query
   * @param query decoded query parameters
   * @param authorization the Authorization header, if any
   * @param body the body
   */
  public ApiResponse handle(String requestId, String method, String path, Map<String, String> query, Optional<String> authorization, byte[] body) {
    long start = System.nanoTime();
    String route = "other";
    ApiResponse r;
    try {
      if (path.startsWith("/attest/")) {
        route = "attest";
        requireMethod(method, "POST");
        apiVersion(query);
        AttestationType type = type(path.substring("/attest/".length()));
        AttestationService.Attested a = service.attest(type, body);
        metrics.attested(a.verified());
        r = ApiResponse.token(a.token());
      } else if (path.startsWith("/policies/")) {
        route = "policies";
        apiVersion(query);
        String rest = path.substring("/policies/".length());
        if (rest.endsWith(":reset")) {
          requireMethod(method, "POST");
          AttestationType type = type(rest.substring(0, rest.length() - ":reset".length()));
          r = ApiResponse.token(service.resetPolicy(type, new String(body, StandardCharsets.UTF_8), authorization));
        } else {
          AttestationType type = type(rest);
          if (method.equals("GET")) {
            r = ApiResponse.token(service.getPolicy(type));
          } else {
            requireMethod(method, "PUT");
            r = ApiResponse.token(service.setPolicy(type, new String(body, StandardCharsets.UTF_8), authorization));
          }
        }
      } else if (path.equals("/.well-known/openid-configuration")) {
        route = "discovery";
        requireMethod(method, "GET");
        r = ApiResponse.json(200, service.openIdConfiguration());
      } else if (path.equals("/certificates")) {
        route = "certificates";
        requireMethod(method, "GET");
        r = ApiResponse.token(service.getPolicyCertificates());
      } else if (path.equals("/status") && status.isPresent()) {
        route = "status";
        requireMethod(method, "GET");
        r = ApiResponse.json(200, status.get().get());
      } else if (path.equals("/certs")) {
        route = "certs";
        requireMethod(method, "GET");
        r = ApiResponse.json(200, service.jwks());
      } else {
        throw new ApiError(404, "NotFound", "no route " + path
            + "; routes are /attest/{SgxEnclave|OpenEnclave}, /policies/{type}, /certificates, /.well-known/openid-configuration, /certs, /status");
      }
    } catch (ApiError e) {
      metrics.failed(route, e);
      r = ApiResponse.error(e, requestId);
    } catch (RuntimeException e) {
      // The cause stays in the log; the client learns only the request ID to quote.
      LOG.log(Level.SEVERE, "request " + requestId + " (" + method + " " + path + ") failed internally", e);
      ApiError internal = new ApiError(500, "InternalError", null,
          "internal error; report request ID " + requestId + " to the operator", null);
      metrics.failed(route, internal);
      r = ApiResponse.error(internal, requestId);
    }
    metrics.observe(route, r.status(), System.nanoTime() - start);
    return r;
  }

  private static void requireMethod(String method, String expected) throws ApiError {
    if (!method.equals(expected)) {
      throw new ApiError(405, "MethodNotAllowed", "use " + expected + " here, not " + method);
    }
  }

  private static void apiVersion(Map<String, String> query) throws ApiError {
    String v = query.get("api-version");
    if (v != null && !API_VERSIONS.contains(v)) {
      throw new ApiError(400, "UnsupportedApiVersion", "api-version " + v + " is not supported; use one of " + API_VERSIONS);
    }
  }

  private static AttestationType type(String name) throws ApiError {
    return AttestationType.fromPathName(name).orElseThrow(() -> new ApiError(404, "UnsupportedAttestationType",
        "attestation type \"" + name + "\" is not supported here; use SgxEnclave or OpenEnclave"));
  }
}
