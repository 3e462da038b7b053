package io.kubesgx.attestation.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.attestation.SimQuotes;
import io.kubesgx.attestation.cli.AttestationServiceCommand;
import io.kubesgx.attestation.policy.PolicyAuthorizer;
import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Issue 11 items 3, 4 (request IDs) and 6 against a running service. */
class HttpHardeningTest {
  static final String ADMIN = "hardening-admin-token-0123456789abcdef";
  static final String POLICY = "version=1.0; authorizationrules { => permit(); };";

  @TempDir static Path dir;
  static AttestationServer server;
  static Vertx vertx;

  @BeforeAll
  static void start() throws Exception {
    new SimQuotes(dir.resolve("platform"), Clock.systemUTC());
    server = AttestationServer.start(
        ServerOptions.defaults(0, dir.resolve("state")).withSim(dir.resolve("platform")).withAdminToken(ADMIN),
        Clock.systemUTC());
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** One request over h2c with prior knowledge (no upgrade), so the HTTP/2 path is certain. */
  static HttpClientResponse h2c(HttpMethod method, String path, Map<String, String> headers, String body) throws Exception {
    var client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    try {
      RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(server.port()).setURI(path);
      headers.forEach(o::putHeader);
      HttpClientResponse r = client.request(o)
          .compose(req -> req.send(Buffer.buffer(body)).compose(resp -> resp.body().map(b -> resp)))
          .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertEquals(HttpVersion.HTTP_2, r.version());
      return r;
    } finally {
      var unused = client.close();
    }
  }

  static int http1(String method, String path, String authorization, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
        .method(method, HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
        .send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(HttpClient.Version.HTTP_1_1, r.version());
    return r.statusCode();
  }

  static int http2(String method, String path, String authorization, String body) throws Exception {
    return h2c(HttpMethod.valueOf(method), path, authorization == null ? Map.of() : Map.of("Authorization", authorization), body)
        .statusCode();
  }

  @Test
  void setPolicy_emptyOrMalformedBearerOverHttp11AndH2c_bothRefusedWith401() throws Exception {
    for (String authz : new String[] {"Bearer ", "Bearer", "Bearer  ", "bearer " + ADMIN + " x", "Basic " + ADMIN, ADMIN}) {
      assertEquals(401, http1("PUT", "/policies/SgxEnclave", authz, POLICY), "HTTP/1.1 with [" + authz + "]");
      assertEquals(401, http2("PUT", "/policies/SgxEnclave", authz, POLICY), "h2c with [" + authz + "]");
    }
  }

  @Test
  void setPolicy_sameAdminTokenOverHttp11AndH2c_bothAccepted() throws Exception {
    assertEquals(200, http1("PUT", "/policies/OpenEnclave", "Bearer " + ADMIN, POLICY));
    assertEquals(200, http2("PUT", "/policies/OpenEnclave", "bearer   " + ADMIN + " ", POLICY),
        "case-insensitive scheme and surrounding spaces parse the same on HTTP/2");
    assertEquals(200, http1("POST", "/policies/OpenEnclave:reset", "Bearer " + ADMIN, ""));
  }

  @Test
  void policyAuthorizer_adminTokenShorterThan32Bytes_refused() {
    for (String t : new String[] {"", "   ", "0123456789abcdef0123456789abcde"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new PolicyAuthorizer(List.of(), Optional.of(t)));
      assertTrue(e.getMessage().contains("at least 32"), e.getMessage());
    }
  }

  @Test
  void attestationService_whitespaceAdminTokenFile_exits2WithOneLineAndNoStackTrace(@TempDir Path tmp) throws Exception {
    Path token = tmp.resolve("token");
    Files.writeString(token, "  \n");
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new AttestationServiceCommand());
    cl.setErr(new PrintWriter(err));
    int code = cl.execute("--port", "0", "--state-dir", tmp.resolve("state").toString(), "--admin-token-file", token.toString());
    assertEquals(2, code, err.toString());
    String first = err.toString().lines().findFirst().orElse("");
    assertTrue(first.contains("admin token is empty") && first.contains(token.toString()), err.toString());
    assertFalse(err.toString().contains("\tat ") || err.toString().contains("Exception"), err.toString());
    assertFalse(Files.exists(tmp.resolve("state")), "nothing is created before the options are checked");
  }

  @Test
  void start_freshStateDirectory_stateAndKeysAre0700() throws Exception {
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state"))));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state/keys"))));
  }

  @Test
  void head_everyGetRoute_sameStatusAndHeadersWithoutBody() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (String path : new String[] {"/certs", "/.well-known/openid-configuration", "/policies/SgxEnclave", "/certificates",
        "/healthz", "/readyz", "/nowhere"}) {
      HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).GET().build(),
          HttpResponse.BodyHandlers.ofByteArray());
      HttpResponse<byte[]> head = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
          .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(get.statusCode(), head.statusCode(), path);
      assertEquals(0, head.body().length, path);
      assertEquals(get.headers().firstValue("content-type"), head.headers().firstValue("content-type"), path);
      if (!path.equals("/policies/SgxEnclave")) { // its token carries a fresh iat: same length not guaranteed
        assertEquals(get.headers().firstValue("content-length"), head.headers().firstValue("content-length"), path);
      }
      assertTrue(head.headers().firstValue(HttpApi.REQUEST_ID).isPresent(), path);
    }
    assertEquals(200, h2c(HttpMethod.HEAD, "/certs", Map.of(), "").statusCode());
  }

  @Test
  void handle_everyAnswer_carriesAFreshRequestIdAndErrorBodiesRepeatIt() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> a = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/nowhere")).build(),
        HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> b = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/nowhere")).build(),
        HttpResponse.BodyHandlers.ofString());
    String id = a.headers().firstValue(HttpApi.REQUEST_ID).orElseThrow();
    assertTrue(a.body().contains("\"requestId\":\"" + id + "\""), a.body());
    assertFalse(id.equals(b.headers().firstValue(HttpApi.REQUEST_ID).orElseThrow()));
  }

  @Test
  void handle_internalFault_500CarriesRequestIdAndNoClassName() {
    // A router without a service fails inside with a NullPointerException: the kind of fault a bug causes.
    ApiResponse r = new ApiRouter(null, new Metrics()).handle("req-42", "POST", "/attest/SgxEnclave", Map.of(),
        Optional.empty(), new byte[] {'{', '}'});
    String body = new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(500, r.status());
    assertTrue(body.contains("req-42"), body);
    assertFalse(body.contains("Exception") || body.contains("java."), body);
  }
}
