package io.kubesgx.quotehelper;

import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sdk.sim.SimReportSource;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kubesgx.aesm.AesmClient;
import io.kubesgx.aesm.AesmErrorCode;
import io.kubesgx.aesm.AesmException;
import io.kubesgx.aesm.AesmFraming;
import io.kubesgx.aesm.AttKeyId;
import io.kubesgx.aesm.proto.AesmMessages.Request;
import io.kubesgx.aesm.proto.AesmMessages.Response;
import io.kubesgx.common.Bytes;
import io.kubesgx.enclave.Report;
import io.kubesgx.verifier.VerifiedQuote;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Protocol tests: every served request type and every malformed case, over a real UNIX socket. */
class QuoteHelperServerTest {
  private static SimFixture fx;
  private static Path dir;
  private static Path socket;
  private static QuoteHelperServer server;
  private static SimBackend backend;
  private static AesmClient client;
  private static SimReportSource reports;

  @BeforeAll
  static void start() throws Exception {
    fx = SimFixture.get();
    dir = SimFixture.tempDir("qhs");
    socket = dir.resolve("run/aesm.socket");
    backend = SimBackend.create(fx.platform, 3);
    server = QuoteHelperServer.newBuilder(socket, backend).workers(4).queue(64).timeout(Duration.ofMillis(1500)).build().start();
    client = AesmClient.create(socket, Duration.ofSeconds(5));
    reports = SimReportSource.create(fx.platform, AppEnclave.defaultEnclave());
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
    SimFixture.deleteTree(dir);
  }

  private static Response send(Request r) throws IOException {
    return Response.parseFrom(SimFixture.raw(socket, AesmFraming.encode(r.toByteArray()), false).orElseThrow());
  }

  private static void assertStillServing() throws Exception {
    assertEquals(1, client.getSupportedAttKeyIdNum());
  }

  private static byte[] report(byte[] rd) throws Exception {
    return reports.report(client.initQuoteEx(Optional.empty(), false).targetInfo(), rd);
  }

  // ---- served requests ----

  @Test
  void initQuoteEx_returnsQeTargetInfoAndPubKeyId() throws Exception {
    AesmClient.InitQuoteExResult r = client.initQuoteEx(Optional.of(backend.attKeyId()), true);
    assertArrayEquals(fx.platform.quotingEnclave().targetInfo().toBytes().toByteArray(), r.targetInfo());
    assertEquals(32, r.pubKeyIdSize());
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(fx.platform.quotingEnclave().attestationKey().toByteArray()),
        r.pubKeyId().orElseThrow());
    assertFalse(client.initQuoteEx(Optional.empty(), false).pubKeyId().isPresent());
  }

  @Test
  void initQuoteEx_pubKeyIdBufferTooSmall_isParameterError() throws Exception {
    Response r = send(Request.newBuilder().setInitQuoteExReq(Request.InitQuoteExRequest.newBuilder().setBPubKeyId(true).setBufSize(16)).build());
    assertEquals(AesmErrorCode.PARAMETER_ERROR.code(), r.getInitQuoteExRes().getErrorCode());
  }

  @Test
  void initQuoteEx_missingRequiredField_isUnexpectedError() throws Exception {
    Response r = send(Request.newBuilder().setInitQuoteExReq(Request.InitQuoteExRequest.newBuilder().setTimeout(100).buildPartial()).buildPartial());
    assertEquals(AesmErrorCode.UNEXPECTED_ERROR.code(), r.getInitQuoteExRes().getErrorCode());
    assertStillServing();
  }

  @Test
  void getQuoteSizeEx_isTheQuotesSize() throws Exception {
    assertEquals(fx.platform.quotingEnclave().quoteSize(3), client.getQuoteSizeEx(Optional.of(backend.attKeyId())));
  }

  @Test
  void getQuoteEx_quotesTheReport_andTheQuoteVerifiesWithTheSimRoot() throws Exception {
    byte[] rd = new byte[64];
    rd[0] = 0x42;
    byte[] rep = report(rd);
    int size = client.getQuoteSizeEx(Optional.empty());
    byte[] quote = client.getQuoteEx(rep, Optional.of(backend.attKeyId()), Optional.empty(), size).quote();
    assertEquals(size, quote.length);
    VerifiedQuote v = fx.verify(quote);
    assertEquals(Bytes.of(rd), v.reportData());
    assertTrue(v.isSimulated());
  }

  @Test
  void getQuoteEx_withQeReportInfo_returnsQeReportBoundToNonceAndQuote() throws Exception {
    byte[] rep = report(new byte[64]);
    byte[] info = new byte[SimBackend.QE_REPORT_INFO_SIZE];
    byte[] nonce = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(nonce, 0, info, 0, 16);
    System.arraycopy(reports.enclave().targetInfo().toBytes().toByteArray(), 0, info, 16, 512);
    AesmClient.QuoteExResult r = client.getQuoteEx(rep, Optional.empty(), Optional.of(info), 10_000);
    byte[] back = r.qeReportInfo().orElseThrow();
    Report qeReport = Report.parse(Bytes.of(back, 16 + 512, Report.SIZE));
    assertTrue(fx.platform.cpu().verifyReport(reports.enclave(), qeReport), "QE REPORT must be targeted at the app enclave");
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    md.update(nonce);
    md.update(r.quote());
    assertEquals(Bytes.of(md.digest()), qeReport.body().reportData().slice(0, 32));
  }

  @Test
  void getQuoteEx_wrongReportSize_isParameterError() throws Exception {
    AesmException e = assertThrows(AesmException.class,
        () -> client.getQuoteEx(new byte[431], Optional.empty(), Optional.empty(), 10_000));
    assertEquals(AesmErrorCode.PARAMETER_ERROR, e.errorCode());
    assertStillServing();
  }

  @Test
  void getQuoteEx_reportWithBadMac_isInvalidReport() throws Exception {
    byte[] rep = report(new byte[64]);
    rep[100] ^= 1;
    AesmException e = assertThrows(AesmException.class, () -> client.getQuoteEx(rep, Optional.empty(), Optional.empty(), 10_000));
    assertEquals(AesmErrorCode.INVALID_REPORT, e.errorCode());
  }

  @Test
  void getQuoteEx_bufferTooSmallOrBadQeReportInfo_isParameterError() throws Exception {
    byte[] rep = report(new byte[64]);
    assertEquals(AesmErrorCode.PARAMETER_ERROR,
        assertThrows(AesmException.class, () -> client.getQuoteEx(rep, Optional.empty(), Optional.empty(), 100)).errorCode());
    assertEquals(AesmErrorCode.PARAMETER_ERROR, assertThrows(AesmException.class,
        () -> client.getQuoteEx(rep, Optional.empty(), Optional.of(new byte[959]), 10_000)).errorCode());
  }

  @Test
  void getQuoteEx_missingRequiredReport_isUnexpectedError() throws Exception {
    Response r = send(Request.newBuilder().setGetQuoteExReq(Request.GetQuoteExRequest.newBuilder().setBufSize(10_000).buildPartial()).buildPartial());
    assertEquals(AesmErrorCode.UNEXPECTED_ERROR.code(), r.getGetQuoteExRes().getErrorCode());
    assertStillServing();
  }

  @Test
  void attKeyId_wrongSize_isParameterError_foreign_isUnsupported() throws Exception {
    Response r = send(Request.newBuilder().setGetQuoteSizeExReq(
        Request.GetQuoteSizeExRequest.newBuilder().setAttKeyId(ByteString.copyFrom(new byte[158]))).build());
    assertEquals(AesmErrorCode.PARAMETER_ERROR.code(), r.getGetQuoteSizeExRes().getErrorCode());
    AttKeyId epid = AttKeyId.newBuilder().algorithmId(AttKeyId.ALGORITHM_EPID).build();
    AesmException e = assertThrows(AesmException.class, () -> client.initQuoteEx(Optional.of(epid), false));
    assertEquals(AesmErrorCode.UNSUPPORTED_ATT_KEY_ID, e.errorCode());
    assertEquals(38, e.code());
  }

  @Test
  void selectAttKeyId_defaultListMatchAndNoMatch() throws Exception {
    assertEquals(backend.attKeyId(), client.selectAttKeyId(List.of()));
    AttKeyId epid = AttKeyId.newBuilder().algorithmId(AttKeyId.ALGORITHM_EPID).build();
    assertEquals(backend.attKeyId(), client.selectAttKeyId(List.of(epid, backend.attKeyId())));
    assertEquals(AesmErrorCode.UNSUPPORTED_ATT_KEY_ID,
        assertThrows(AesmException.class, () -> client.selectAttKeyId(List.of(epid))).errorCode());
    Response r = send(Request.newBuilder().setSelectAttKeyIDReq(
        Request.SelectAttKeyIDRequest.newBuilder().setAttKeyIdList(ByteString.copyFrom(new byte[9]))).build());
    assertEquals(AesmErrorCode.PARAMETER_ERROR.code(), r.getSelectAttKeyIDRes().getErrorCode());
  }

  @Test
  void supportedAttKeyIds_numAndIds() throws Exception {
    assertEquals(1, client.getSupportedAttKeyIdNum());
    assertEquals(List.of(backend.attKeyId()), client.getSupportedAttKeyIds());
    Response r = send(Request.newBuilder().setGetSupportedAttKeyIDsReq(
        Request.GetSupportedAttKeyIDsRequest.newBuilder().setBufSize(255)).build());
    assertEquals(AesmErrorCode.PARAMETER_ERROR.code(), r.getGetSupportedAttKeyIDsRes().getErrorCode());
    Response missing = send(Request.newBuilder().setGetSupportedAttKeyIDsReq(
        Request.GetSupportedAttKeyIDsRequest.newBuilder().buildPartial()).buildPartial());
    assertEquals(AesmErrorCode.UNEXPECTED_ERROR.code(), missing.getGetSupportedAttKeyIDsRes().getErrorCode());
  }

  // ---- malformed frames: each closes its own connection, the server keeps serving ----

  @Test
  void malformed_truncatedLength_closes() throws Exception {
    assertTrue(SimFixture.raw(socket, new byte[] {4, 0}, true).isEmpty());
    assertStillServing();
  }

  @Test
  void malformed_truncatedBody_closes() throws Exception {
    assertTrue(SimFixture.raw(socket, new byte[] {100, 0, 0, 0, 1, 2, 3}, true).isEmpty());
    assertStillServing();
  }

  @Test
  void malformed_oversizedLength_closesWithoutWaitingForTheBody() throws Exception {
    long t0 = System.nanoTime();
    assertTrue(SimFixture.raw(socket, new byte[] {-1, -1, -1, 127}, false).isEmpty());
    assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "must not wait for 2 GiB");
    assertStillServing();
  }

  @Test
  void malformed_garbageProtobuf_closes() throws Exception {
    assertTrue(SimFixture.raw(socket, AesmFraming.encode(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}), false).isEmpty());
    assertTrue(server.metrics().requests(RequestType.MALFORMED, "closed") > 0);
    assertStillServing();
  }

  @Test
  void malformed_noSubRequest_closesLikeIntel() throws Exception {
    assertTrue(SimFixture.raw(socket, AesmFraming.encode(new byte[0]), false).isEmpty());
    // only an unknown field (number 30, varint 1)
    assertTrue(SimFixture.raw(socket, AesmFraming.encode(new byte[] {(byte) 0xf0, 0x01, 0x01}), false).isEmpty());
    assertStillServing();
  }

  @Test
  void notServedRequest_epidInitQuote_closes() throws Exception {
    Request epid = Request.newBuilder().setInitQuoteReq(Request.InitQuoteRequest.newBuilder().setTimeout(1)).build();
    assertTrue(SimFixture.raw(socket, AesmFraming.encode(epid.toByteArray()), false).isEmpty());
    assertEquals(AesmException.Kind.PROTOCOL, assertThrows(AesmException.class, () -> client.transact(epid)).kind());
    assertStillServing();
  }

  @Test
  void slowClient_isClosedAfterTheTimeout_whileOthersAreServed() throws Exception {
    try (SocketChannel slow = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      slow.connect(UnixDomainSocketAddress.of(socket));
      slow.write(ByteBuffer.wrap(new byte[] {50, 0}));
      assertStillServing();
      long t0 = System.nanoTime();
      int r = slow.read(ByteBuffer.allocate(4)); // blocks until the server's deadline closes it
      assertEquals(-1, r);
      assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
    }
    assertStillServing();
  }

  // ---- socket file handling ----

  @Test
  void start_createsDirectory0755AndSocket0666_closeRemovesSocket() throws Exception {
    Path d = SimFixture.tempDir("qhd");
    Path s = d.resolve("aesmd/aesm.socket");
    try {
      QuoteHelperServer srv = QuoteHelperServer.newBuilder(s, backend).build().start();
      assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.getParent())));
      assertEquals("rw-rw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(s)));
      srv.close();
      assertFalse(Files.exists(s));
    } finally {
      SimFixture.deleteTree(d);
    }
  }

  @Test
  void start_staleSocketFile_isReplaced() throws Exception {
    Path d = SimFixture.tempDir("qhst");
    Path s = d.resolve("aesm.socket");
    try {
      try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        dead.bind(UnixDomainSocketAddress.of(s)); // closing leaves the file behind: a stale socket
      }
      assertTrue(Files.exists(s));
      try (QuoteHelperServer srv = QuoteHelperServer.newBuilder(s, backend).build().start()) {
        assertTrue(srv.isServing());
        assertEquals(1, AesmClient.create(s).getSupportedAttKeyIdNum());
      }
    } finally {
      SimFixture.deleteTree(d);
    }
  }

  @Test
  void start_liveServerOnSocket_orRegularFile_refuses() throws Exception {
    IOException e = assertThrows(IOException.class, () -> QuoteHelperServer.newBuilder(socket, backend).build().start());
    assertTrue(e.getMessage().contains("another server"), e.getMessage());
    assertStillServing();
    Path d = SimFixture.tempDir("qhrf");
    try {
      Path f = d.resolve("aesm.socket");
      Files.writeString(f, "not a socket");
      assertThrows(IOException.class, () -> QuoteHelperServer.newBuilder(f, backend).build().start());
      assertTrue(Files.exists(f));
    } finally {
      SimFixture.deleteTree(d);
    }
  }

  // ---- bounds ----

  @Test
  void maxConnections_excessConnectionsAnsweredBusy_thenRecovers() throws Exception {
    Path d = SimFixture.tempDir("qhq");
    Path s = d.resolve("aesm.socket");
    try (QuoteHelperServer srv = QuoteHelperServer.newBuilder(s, backend).workers(1).queue(1).maxConnections(3)
        .timeout(Duration.ofSeconds(4)).build().start()) {
      SocketChannel[] idle = new SocketChannel[4];
      for (int i = 0; i < idle.length; i++) {
        idle[i] = SocketChannel.open(UnixDomainSocketAddress.of(s)); // never send: each holds a connection slot
      }
      long deadline = System.nanoTime() + 3_000_000_000L;
      while (srv.metrics().rejectedCount() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(1, srv.metrics().rejectedCount(), "connections beyond the limit must be rejected");
      // a rejected connection is answered AESM_BUSY without its request being read
      byte[] busy = AesmFraming.read(idle[idle.length - 1], 1024);
      assertEquals(AesmErrorCode.BUSY.code(), Response.parseFrom(busy).getUnsupportedRequestResponse().getErrorCode());
      AesmException e = assertThrows(AesmException.class, () -> AesmClient.create(s).getSupportedAttKeyIdNum());
      assertEquals(AesmErrorCode.BUSY, e.errorCode());
      for (SocketChannel c : idle) {
        c.close();
      }
      deadline = System.nanoTime() + 3_000_000_000L;
      while (srv.metrics().inFlight() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      AesmClient c = AesmClient.create(s, Duration.ofSeconds(5));
      assertEquals(1, c.getSupportedAttKeyIdNum());
    } finally {
      SimFixture.deleteTree(d);
    }
  }

  @Test
  void idleConnection_closedAtFirstByteDeadline_longBeforeTheTimeout() throws Exception {
    Path d = SimFixture.tempDir("qhfb");
    Path s = d.resolve("aesm.socket");
    try (QuoteHelperServer srv = QuoteHelperServer.newBuilder(s, backend).workers(1).queue(1)
        .firstByteTimeout(Duration.ofMillis(300)).timeout(Duration.ofSeconds(20)).build().start();
        SocketChannel idle = SocketChannel.open(UnixDomainSocketAddress.of(s))) {
      long t0 = System.nanoTime();
      assertEquals(-1, idle.read(ByteBuffer.allocate(4))); // blocks until the server closes it
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 250 && ms < 10_000, "closed after " + ms + " ms");
      assertEquals(1, srv.metrics().requests(RequestType.MALFORMED, "timeout"));
    } finally {
      SimFixture.deleteTree(d);
    }
  }

  @Test
  void bufferedBytesBudgetSpent_answersBusy_thenRecoversWhenReleased() throws Exception {
    Path d = SimFixture.tempDir("qhbb");
    Path s = d.resolve("aesm.socket");
    try (QuoteHelperServer srv = QuoteHelperServer.newBuilder(s, backend).maxBufferedBytes(64 * 1024)
        .timeout(Duration.ofSeconds(10)).build().start()) {
      // The selector reads the big body asynchronously: until it has, a small request is still served;
      // and a small request that reserved its buffer first makes the big one the refused party. So the
      // big connection is retried (a few attempts) until it holds the whole budget and others get BUSY.
      SocketChannel big = null;
      AesmErrorCode got = null;
      for (int attempt = 0; attempt < 5 && got != AesmErrorCode.BUSY; attempt++) {
        if (big != null) {
          big.close();
        }
        big = SocketChannel.open(UnixDomainSocketAddress.of(s));
        // declares 200 000 bytes and sends 40 000: the server holds 64 KiB for it, its whole budget
        big.write(ByteBuffer.wrap(new byte[] {0x40, 0x0d, 0x03, 0x00}));
        ByteBuffer part = ByteBuffer.allocate(40_000);
        while (part.hasRemaining()) {
          big.write(part);
        }
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline) {
          try {
            var unused = AesmClient.create(s).getSupportedAttKeyIdNum();
            got = null;
          } catch (AesmException e) {
            got = e.errorCode();
            if (got == AesmErrorCode.BUSY) {
              break;
            }
          }
          Thread.sleep(20);
        }
      }
      assertEquals(AesmErrorCode.BUSY, got);
      big.close();
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (srv.metrics().inFlight() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(1, AesmClient.create(s, Duration.ofSeconds(5)).getSupportedAttKeyIdNum());
    } finally {
      SimFixture.deleteTree(d);
    }
  }

  // ---- metrics and health ----

  @Test
  void metricsEndpoint_servesHealthReadinessAndPrometheusText() throws Exception {
    assertStillServing();
    try (MetricsHttpServer http = MetricsHttpServer.start(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), server)) {
      HttpClient h = HttpClient.newHttpClient();
      URI base = URI.create("http://127.0.0.1:" + http.port());
      assertEquals(200, h.send(HttpRequest.newBuilder(base.resolve("/healthz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
      assertEquals(200, h.send(HttpRequest.newBuilder(base.resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
      String m = h.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(m.contains("kubesgx_quote_helper_requests_total{result=\"ok\",type=\"get_supported_att_key_id_num\"}"), m);
      assertTrue(m.contains("kubesgx_quote_helper_request_duration_seconds_bucket{le=\"+Inf\"}"), m);
      assertTrue(m.contains("kubesgx_quote_helper_rejected_total"), m);
      assertTrue(m.contains("kubesgx_quote_helper_in_flight"), m);
    }
  }

  @Test
  void handler_backendException_answersUnexpectedErrorNeverCrashes() {
    Backend boom = new Backend() {
      @Override
      public Optional<Response> handle(AesmRequest request) {
        throw new IllegalStateException("boom");
      }

      @Override
      public String name() {
        return "boom";
      }
    };
    RequestHandler h = new RequestHandler(boom, Duration.ofSeconds(1));
    RequestHandler.Outcome o = h.handle(Request.newBuilder()
        .setGetQuoteSizeExReq(Request.GetQuoteSizeExRequest.newBuilder()).build().toByteArray());
    assertEquals(1, o.response().orElseThrow().getGetQuoteSizeExRes().getErrorCode());
    assertEquals("error", o.result());
  }

  @Test
  void simBackend_version4_quotesVerify() throws Exception {
    SimBackend v4 = SimBackend.create(fx.platform, 4);
    RequestHandler h = new RequestHandler(v4, Duration.ofSeconds(5));
    byte[] rep = report(new byte[64]);
    Request req = Request.newBuilder().setGetQuoteExReq(Request.GetQuoteExRequest.newBuilder()
        .setReport(ByteString.copyFrom(rep)).setBufSize(fx.platform.quotingEnclave().quoteSize(4))).build();
    byte[] quote = h.handle(req.toByteArray()).response().orElseThrow().getGetQuoteExRes().getQuote().toByteArray();
    assertEquals(4, quote[0]);
    assertTrue(fx.verify(quote).isSimulated());
    assertThrows(IllegalArgumentException.class, () -> SimBackend.create(fx.platform, 5));
  }
}
