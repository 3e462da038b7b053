package io.kubesgx.collateralservice;

import io.kubesgx.sim.collateral.CollateralBuilder;
import io.kubesgx.sim.collateral.QeIdentityBuilder;
import io.kubesgx.sim.collateral.TcbInfoBuilder;
import io.kubesgx.sim.collateral.TcbLevelSpec;
import io.kubesgx.sim.pki.CrlSpec;
import io.kubesgx.testing.TestCollateral;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kubesgx.common.Bytes;
import io.kubesgx.pck.PckCa;
import io.kubesgx.testing.TestPki;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/** A small PCS v4 fake on loopback serving synthetic collateral, with per-path overrides. */
final class FakePcs implements AutoCloseable {
  /** A recorded request. */
  record Req(String pathAndQuery, Map<String, List<String>> headers) {}

  /** A canned response. */
  @SuppressWarnings("ArrayRecordComponent")
  record Resp(int status, Map<String, String> headers, byte[] body) {
    static Resp of(int status, String body, String... headerPairs) {
      Map<String, String> h = new LinkedHashMap<>();
      for (int i = 0; i + 1 < headerPairs.length; i += 2) {
        h.put(headerPairs[i], headerPairs[i + 1]);
      }
      return new Resp(status, h, body.getBytes(StandardCharsets.UTF_8));
    }
  }

  final List<Req> requests = new CopyOnWriteArrayList<>();
  /** Overrides by path prefix (e.g. {@code /sgx/certification/v4/tcb}); checked before the defaults. */
  final Map<String, Function<Req, Resp>> overrides = new ConcurrentHashMap<>();
  private final Map<String, Resp> defaults = new LinkedHashMap<>();
  private final HttpServer server;
  private final ExecutorService executor;

  private FakePcs(Map<String, Resp> defaults) throws IOException {
    this.defaults.putAll(defaults);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "fake-pcs");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts a fake serving valid collateral for {@code fmspc} (SGX, or TDX TCB info and TD_QE identity). */
  static FakePcs start(String fmspc, boolean tdx, Instant now) throws IOException {
    return new FakePcs(responses(builder(fmspc, tdx, now), tdx));
  }

  /** Synthetic collateral valid for 30 days from the start of {@code now}'s day. */
  static CollateralBuilder builder(String fmspc, boolean tdx, Instant now) {
    Instant issue = now.truncatedTo(ChronoUnit.DAYS);
    Instant next = issue.plus(30, ChronoUnit.DAYS);
    int[] comps = {4, 4, 2, 2, 3, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0};
    TcbLevelSpec level = TestCollateral.sgxLevel(comps, 13, "UpToDate");
    TcbInfoBuilder tcb = (tdx ? TestCollateral.tdxTcbInfo() : TestCollateral.sgxTcbInfo()).fmspc(fmspc).validity(issue, next)
        .level(tdx ? level.withTdx(5, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) : level);
    QeIdentityBuilder qe = (tdx ? TestCollateral.tdQeIdentity() : TestCollateral.qeIdentity()).validity(issue, next)
        .level(TestCollateral.qeLevel(8, "UpToDate"));
    return TestCollateral.newBuilder(TestPki.standard())
        .tcbInfo(tcb)
        .qeIdentity(qe)
        .pckCa(PckCa.PROCESSOR)
        .pckCrl(CrlSpec.of(issue, next))
        .rootCaCrl(CrlSpec.of(issue, next));
  }

  private static Map<String, Resp> responses(CollateralBuilder b, boolean tdx) {
    String api = tdx ? "/tdx/certification/v4/" : "/sgx/certification/v4/";
    String chain = url(b.tcbSignChainPem());
    Map<String, Resp> m = new LinkedHashMap<>();
    m.put(api + "tcb", new Resp(200, Map.of("TCB-Info-Issuer-Chain", chain, "Request-ID", "req-tcb"),
        b.tcbInfoBody().getBytes(StandardCharsets.UTF_8)));
    m.put(api + "qe/identity", new Resp(200, Map.of("SGX-Enclave-Identity-Issuer-Chain", chain),
        b.qeIdentityBody().getBytes(StandardCharsets.UTF_8)));
    m.put("/sgx/certification/v4/pckcrl", new Resp(200, Map.of("SGX-PCK-CRL-Issuer-Chain", url(b.pckSignChainPem())),
        b.pckCrlDer()));
    m.put("/sgx/certification/v4/rootcacrl", new Resp(200, Map.of(),
        Bytes.of(b.rootCaCrlDer()).hex().getBytes(StandardCharsets.US_ASCII)));
    return m;
  }

  static String url(String pem) {
    return URLEncoder.encode(pem, StandardCharsets.UTF_8).replace("+", "%20");
  }

  URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Returns the number of requests whose path starts with {@code prefix}. */
  long count(String prefix) {
    return requests.stream().filter(r -> r.pathAndQuery().startsWith(prefix)).count();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String pq = ex.getRequestURI().getRawPath()
          + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
      Req req = new Req(pq, Map.copyOf(ex.getRequestHeaders()));
      requests.add(req);
      String path = ex.getRequestURI().getPath();
      Resp resp = null;
      for (Map.Entry<String, Function<Req, Resp>> o : overrides.entrySet()) {
        if (path.startsWith(o.getKey())) {
          resp = o.getValue().apply(req);
        }
      }
      if (resp == null) {
        resp = defaults.get(path);
      }
      if (resp == null) {
        resp = Resp.of(404, "{}", "Error-Code", "NotFound", "Request-ID", "req-404");
      }
      resp.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      ex.sendResponseHeaders(resp.status(), resp.body().length == 0 ? -1 : resp.body().length);
      if (resp.body().length > 0) {
        try (OutputStream os = ex.getResponseBody()) {
          os.write(resp.body());
        }
      }
    } finally {
      ex.close();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
