package io.kubesgx.sim.pcs;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.Pem;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.pck.PckCa;
import io.kubesgx.sim.Scenario;
import io.kubesgx.sim.SimCollateral;
import io.kubesgx.sim.SimPlatform;
import io.kubesgx.sim.pki.CrlSpec;
import io.kubesgx.sim.pki.DcapPki;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Serves the Intel PCS API v4 for one simulated platform: {@code /sgx/certification/v4/tcb},
 * {@code qe/identity}, {@code pckcrl}, {@code pckcert}, {@code rootcacrl} (PCCS style, hex) and
 * {@code rootcacrl.der}, with the issuer-chain headers (URL-encoded PEM, signer first), so that a
 * collateral client written for Intel's PCS or a PCCS works against it unchanged.
 *
 * <p>The platform directory is re-read when {@code platform.json} changes, so switching the
 * scenario with {@code kubesgx sim collateral --scenario …} takes effect without a restart.
 */
public final class SimPcsServer implements AutoCloseable {
  /** Path prefix of the SGX API. */
  public static final String PREFIX = "/sgx/certification/v4/";

  private static final Pattern FMSPC = Pattern.compile("[0-9a-fA-F]{12}");
  private static final Pattern HEX = Pattern.compile("(?:[0-9a-fA-F]{2})+");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final Clock clock;
  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, SimCollateral> cache = new ConcurrentHashMap<>();
  private volatile SimPlatform platform;
  private volatile FileTime loadedStamp;

  private SimPcsServer(Path dir, Clock clock, HttpServer server, ExecutorService executor, SimPlatform platform)
      throws IOException {
    this.dir = dir;
    this.clock = clock;
    this.server = server;
    this.executor = executor;
    this.platform = platform;
    this.loadedStamp = Files.getLastModifiedTime(dir.resolve("platform.json"));
  }

  /**
   * Starts serving the platform in {@code platformDir} (which must exist) on {@code bind}; port 0
   * picks a free port.
   */
  public static SimPcsServer start(Path platformDir, InetSocketAddress bind, Clock clock)
      throws IOException, MalformedInputException {
    SimPlatform p = SimPlatform.open(platformDir, clock);
    HttpServer http = HttpServer.create(bind, 128);
    ExecutorService ex = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
      Thread t = new Thread(r, "sim-pcs");
      t.setDaemon(true);
      return t;
    });
    SimPcsServer s = new SimPcsServer(platformDir, clock, http, ex, p);
    http.createContext("/", s::handle);
    http.setExecutor(ex);
    http.start();
    return s;
  }

  /** Returns the bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Returns the base URL of the SGX API, e.g. {@code http://127.0.0.1:8081/sgx/certification/v4/}. */
  public URI baseUri() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + a.getPort() + PREFIX);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String requestId = Bytes.of(randomBytes()).hex();
      ex.getResponseHeaders().add("Request-ID", requestId);
      String method = ex.getRequestMethod();
      if (!"GET".equals(method) && !"HEAD".equals(method)) {
        ex.getResponseHeaders().add("Allow", "GET, HEAD");
        error(ex, 405, "MethodNotAllowed", "only GET is supported on " + ex.getRequestURI().getPath());
        return;
      }
      Map<String, String> q;
      try {
        q = query(ex.getRequestURI().getRawQuery());
      } catch (IllegalArgumentException e) {
        error(ex, 400, "InvalidRequestSyntax", e.getMessage());
        return;
      }
      String path = ex.getRequestURI().getPath();
      try {
        SimPlatform p = current();
        switch (path) {
          case PREFIX + "tcb":
            tcb(ex, p, q);
            break;
          case PREFIX + "qe/identity":
            qeIdentity(ex, p, q);
            break;
          case PREFIX + "pckcrl":
            pckCrl(ex, p, q);
            break;
          case PREFIX + "rootcacrl":
            ok(ex, "text/plain", Bytes.of(collateral(p, q).rootCaCrlDer()).hex().getBytes(StandardCharsets.US_ASCII));
            break;
          case PREFIX + "rootcacrl.der":
            ok(ex, "application/pkix-crl", collateral(p, q).rootCaCrlDer());
            break;
          case PREFIX + "pckcert":
            pckCert(ex, p, q);
            break;
          case "/kubesgx/sim/root-ca.der":
            ok(ex, "application/pkix-cert", p.rootCertificateDer().toByteArray());
            break;
          case "/healthz":
            ok(ex, "text/plain", "ok\n".getBytes(StandardCharsets.US_ASCII));
            break;
          default:
            error(ex, 404, "NotFound", "no such PCS resource: " + path);
            break;
        }
      } catch (BadRequest e) {
        error(ex, 400, "InvalidRequestSyntax", e.getMessage());
      } catch (NotFound e) {
        error(ex, 404, "NotFound", e.getMessage());
      } catch (IOException | MalformedInputException | RuntimeException e) {
        error(ex, 500, "InternalError", "the simulated platform in " + dir + " cannot be served: " + e.getMessage());
      }
    } finally {
      ex.close();
    }
  }

  private void tcb(HttpExchange ex, SimPlatform p, Map<String, String> q) throws IOException, BadRequest, NotFound {
    allowOnly(q, "fmspc", "update", "tcbEvaluationDataNumber");
    String fmspc = q.get("fmspc");
    if (fmspc == null || !FMSPC.matcher(fmspc).matches()) {
      throw new BadRequest("fmspc must be 12 hex digits, got " + (fmspc == null ? "nothing" : "'" + fmspc + "'"));
    }
    if (!fmspc.toLowerCase(Locale.ROOT).equals(p.config().fmspc().hex())) {
      throw new NotFound("no TCB info for FMSPC " + fmspc + "; this simulated PCS serves " + p.config().fmspc().hex());
    }
    SimCollateral c = collateral(p, q);
    ex.getResponseHeaders().add("TCB-Info-Issuer-Chain", urlEncode(c.tcbSignChainPem()));
    ok(ex, "application/json", c.tcbInfoBody().getBytes(StandardCharsets.UTF_8));
  }

  private void qeIdentity(HttpExchange ex, SimPlatform p, Map<String, String> q) throws IOException, BadRequest {
    allowOnly(q, "update", "tcbEvaluationDataNumber");
    SimCollateral c = collateral(p, q);
    ex.getResponseHeaders().add("SGX-Enclave-Identity-Issuer-Chain", urlEncode(c.tcbSignChainPem()));
    ok(ex, "application/json", c.qeIdentityBody().getBytes(StandardCharsets.UTF_8));
  }

  private void pckCrl(HttpExchange ex, SimPlatform p, Map<String, String> q) throws IOException, BadRequest {
    allowOnly(q, "ca", "encoding");
    PckCa ca;
    String caName = q.getOrDefault("ca", "");
    if ("processor".equalsIgnoreCase(caName)) {
      ca = PckCa.PROCESSOR;
    } else if ("platform".equalsIgnoreCase(caName)) {
      ca = PckCa.PLATFORM;
    } else {
      throw new BadRequest("ca must be 'processor' or 'platform', got '" + caName + "'");
    }
    String encoding = q.getOrDefault("encoding", "pem");
    if (!encoding.equals("pem") && !encoding.equals("der")) {
      throw new BadRequest("encoding must be 'pem' or 'der', got '" + encoding + "'");
    }
    byte[] der;
    if (ca == p.config().pckCa()) {
      der = collateral(p, Map.of()).pckCrlDer();
    } else {
      Instant day = clock.instant().truncatedTo(ChronoUnit.DAYS);
      der = p.pki().pckCrl(ca, CrlSpec.of(day, day.plus(SimCollateral.VALIDITY)));
    }
    ex.getResponseHeaders().add("SGX-PCK-CRL-Issuer-Chain", urlEncode(DcapPki.toPem(p.pki().pckSignChain(ca))));
    if (encoding.equals("der")) {
      ok(ex, "application/pkix-crl", der);
    } else {
      ok(ex, "application/x-pem-file", Pem.encode("X509 CRL", Bytes.of(der)).getBytes(StandardCharsets.US_ASCII));
    }
  }

  private void pckCert(HttpExchange ex, SimPlatform p, Map<String, String> q) throws IOException, BadRequest, NotFound {
    allowOnly(q, "encrypted_ppid", "cpusvn", "pcesvn", "pceid");
    hexParam(q, "encrypted_ppid", 384);
    hexParam(q, "cpusvn", 16);
    hexParam(q, "pcesvn", 2);
    String pceId = hexParam(q, "pceid", 2);
    if (!pceId.equalsIgnoreCase(p.config().pceId().hex())) {
      throw new NotFound("no PCK certificate for PCE-ID " + pceId + " on this simulated platform");
    }
    Bytes tcbm = p.config().cpuSvn().concat(Bytes.of(new byte[] {(byte) p.config().pceSvn(), (byte) (p.config().pceSvn() >>> 8)}));
    ex.getResponseHeaders().add("SGX-PCK-Certificate-Issuer-Chain",
        urlEncode(DcapPki.toPem(p.pki().pckSignChain(p.config().pckCa()))));
    ex.getResponseHeaders().add("SGX-TCBm", tcbm.hex());
    ex.getResponseHeaders().add("SGX-FMSPC", p.config().fmspc().hex().toUpperCase(Locale.ROOT));
    ex.getResponseHeaders().add("SGX-PCK-Certificate-CA-Type", p.config().pckCa().crlParameter());
    ok(ex, "application/x-pem-file", p.pck().pem().getBytes(StandardCharsets.US_ASCII));
  }

  private static String hexParam(Map<String, String> q, String name, int bytes) throws BadRequest {
    String v = q.get(name);
    if (v == null || v.length() != bytes * 2 || !HEX.matcher(v).matches()) {
      throw new BadRequest(name + " must be " + bytes * 2 + " hex digits");
    }
    return v;
  }

  private SimCollateral collateral(SimPlatform p, Map<String, String> q) throws BadRequest {
    String update = q.get("update");
    if (update != null && !update.equals("early") && !update.equals("standard")) {
      throw new BadRequest("update must be 'early' or 'standard', got '" + update + "'");
    }
    Long n = null;
    String ns = q.get("tcbEvaluationDataNumber");
    if (ns != null) {
      try {
        n = Long.parseLong(ns);
      } catch (NumberFormatException e) {
        throw new BadRequest("tcbEvaluationDataNumber must be an integer, got '" + ns + "'");
      }
    }
    Scenario s = p.scenario();
    long newest = SimCollateral.newestEvaluationDataNumber(s);
    if (n != null && (n < SimCollateral.BASE_EVALUATION_DATA_NUMBER || n > newest)) {
      throw new BadRequest("tcbEvaluationDataNumber " + n + " is not available (this PCS serves "
          + SimCollateral.BASE_EVALUATION_DATA_NUMBER + ".." + newest + ")");
    }
    Instant now = clock.instant();
    String key = s + "/" + now.truncatedTo(ChronoUnit.DAYS) + "/" + (n == null ? newest : n);
    Long fn = n;
    if (cache.size() > 64) {
      cache.clear();
    }
    return cache.computeIfAbsent(key, k -> SimCollateral.of(p, s, now, fn));
  }

  private SimPlatform current() throws IOException, MalformedInputException {
    FileTime stamp = Files.getLastModifiedTime(dir.resolve("platform.json"));
    if (!stamp.equals(loadedStamp)) {
      synchronized (this) {
        if (!stamp.equals(loadedStamp)) {
          platform = SimPlatform.open(dir, clock);
          cache.clear();
          loadedStamp = stamp;
        }
      }
    }
    return platform;
  }

  private static void allowOnly(Map<String, String> q, String... names) throws BadRequest {
    outer:
    for (String k : q.keySet()) {
      for (String n : names) {
        if (n.equals(k)) {
          continue outer;
        }
      }
      throw new BadRequest("unknown query parameter '" + k + "'; allowed: " + String.join(", ", names));
    }
  }

  static Map<String, String> query(String raw) {
    Map<String, String> m = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return m;
    }
    if (raw.length() > 4096) {
      throw new IllegalArgumentException("query string longer than 4096 characters");
    }
    for (String part : raw.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
      if (m.put(k, v) != null) {
        throw new IllegalArgumentException("query parameter '" + k + "' given twice");
      }
    }
    return m;
  }

  private static String urlEncode(String pem) {
    return URLEncoder.encode(pem, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return b;
  }

  private static void ok(HttpExchange ex, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().add("Content-Type", type);
    send(ex, 200, body);
  }

  private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
    ex.getResponseHeaders().add("Error-Code", code);
    ex.getResponseHeaders().add("Error-Message", message.replaceAll("[\\r\\n]", " "));
    ex.getResponseHeaders().add("Content-Type", "application/json");
    byte[] body = JsonBuilder.object().put("error", code).put("message", message).toString()
        .getBytes(StandardCharsets.UTF_8);
    send(ex, status, body);
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    boolean head = "HEAD".equals(ex.getRequestMethod());
    ex.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream os = ex.getResponseBody()) {
        os.write(body);
      }
    }
  }

  private static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;

    BadRequest(String m) {
      super(m);
    }
  }

  private static final class NotFound extends Exception {
    private static final long serialVersionUID = 1L;

    NotFound(String m) {
      super(m);
    }
  }
}
