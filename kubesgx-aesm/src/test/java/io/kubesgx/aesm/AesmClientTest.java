package io.kubesgx.aesm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kubesgx.aesm.proto.AesmMessages.Request;
import io.kubesgx.aesm.proto.AesmMessages.Response;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.QuoteProviderFactory;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Client behaviour against a scripted fake server (the real server is tested in kubesgx-quote-helper). */
class AesmClientTest {
  private Path dir;
  private Path socket;
  private ServerSocketChannel server;
  private Thread thread;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory(Path.of("/tmp"), "aesm");
    socket = dir.resolve("s");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) {
      server.close();
      thread.join(2000);
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Serves each connection with {@code script}: request body → answer body (null: close; "hang": never answer). */
  private void serve(Function<Request, byte[]> script) throws IOException {
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    thread = new Thread(() -> {
      while (server.isOpen()) {
        try (SocketChannel ch = server.accept()) {
          Request r = Request.newBuilder().mergeFrom(AesmFraming.read(ch, 1 << 20)).buildPartial();
          byte[] answer = script.apply(r);
          if (answer == HANG) {
            Thread.sleep(3000);
          } else if (answer != null) {
            AesmFraming.write(ch, answer);
          }
        } catch (IOException | InterruptedException e) {
          return;
        }
      }
    });
    thread.setDaemon(true);
    thread.start();
  }

  private static final byte[] HANG = new byte[0];

  @Test
  void initQuoteEx_success_returnsTargetInfoAndSendsTimeout() throws Exception {
    Request[] seen = new Request[1];
    serve(r -> {
      seen[0] = r;
      return Response.newBuilder().setInitQuoteExRes(Response.InitQuoteExResponse.newBuilder().setErrorCode(0)
          .setTargetInfo(ByteString.copyFrom(new byte[512])).setPubKeyIdSize(32)).build().toByteArray();
    });
    AesmClient c = AesmClient.create(socket, Duration.ofMillis(1234));
    AesmClient.InitQuoteExResult res = c.initQuoteEx(Optional.of(AttKeyId.intelEcdsaQe3()), false);
    assertEquals(512, res.targetInfo().length);
    assertEquals(32, res.pubKeyIdSize());
    assertEquals(1234, seen[0].getInitQuoteExReq().getTimeout());
    assertEquals(256, seen[0].getInitQuoteExReq().getAttKeyId().size());
  }

  @Test
  void getQuoteEx_errorCode_isTypedException() throws Exception {
    serve(r -> Response.newBuilder().setGetQuoteExRes(Response.GetQuoteExResponse.newBuilder().setErrorCode(3)).build().toByteArray());
    AesmException e = assertThrows(AesmException.class,
        () -> AesmClient.create(socket).getQuoteEx(new byte[432], Optional.empty(), Optional.empty(), 5000));
    assertEquals(AesmException.Kind.ERROR_CODE, e.kind());
    assertEquals(AesmErrorCode.PARAMETER_ERROR, e.errorCode());
    assertTrue(e.getMessage().contains("AESM_PARAMETER_ERROR"), e.getMessage());
  }

  @Test
  void call_serverClosesWithoutAnswer_isProtocol() throws Exception {
    serve(r -> null);
    AesmException e = assertThrows(AesmException.class, () -> AesmClient.create(socket).getQuoteSizeEx(Optional.empty()));
    assertEquals(AesmException.Kind.PROTOCOL, e.kind());
  }

  @Test
  void call_unsupportedRequestResponse_isErrorCode() throws Exception {
    serve(r -> Response.newBuilder().setUnsupportedRequestResponse(Response.UnsupportedRequestResponse.newBuilder().setErrorCode(1))
        .build().toByteArray());
    AesmException e = assertThrows(AesmException.class, () -> AesmClient.create(socket).getSupportedAttKeyIdNum());
    assertEquals(AesmException.Kind.ERROR_CODE, e.kind());
    assertEquals(1, e.code());
  }

  @Test
  void call_garbageAnswer_isProtocol() throws Exception {
    serve(r -> new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    AesmException e = assertThrows(AesmException.class, () -> AesmClient.create(socket).getSupportedAttKeyIdNum());
    assertEquals(AesmException.Kind.PROTOCOL, e.kind());
  }

  @Test
  void call_serverHangs_isTimeout() throws Exception {
    serve(r -> HANG);
    long t0 = System.nanoTime();
    AesmException e = assertThrows(AesmException.class,
        () -> AesmClient.create(socket, Duration.ofMillis(300)).getSupportedAttKeyIdNum());
    assertEquals(AesmException.Kind.TIMEOUT, e.kind());
    assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
  }

  @Test
  void call_noSocket_isUnavailable() {
    AesmException e = assertThrows(AesmException.class, () -> AesmClient.create(socket).getSupportedAttKeyIdNum());
    assertEquals(AesmException.Kind.UNAVAILABLE, e.kind());
  }

  @Test
  void selectAttKeyId_emptyList_sendsNoList() throws Exception {
    Request[] seen = new Request[1];
    serve(r -> {
      seen[0] = r;
      return Response.newBuilder().setSelectAttKeyIDRes(Response.SelectAttKeyIDResponse.newBuilder().setErrorCode(0)
          .setSelectedAttKeyId(ByteString.copyFrom(AttKeyId.intelEcdsaQe3().encode()))).build().toByteArray();
    });
    assertEquals(AttKeyId.intelEcdsaQe3(), AesmClient.create(socket).selectAttKeyId(List.of()));
    assertTrue(seen[0].hasSelectAttKeyIDReq());
    assertTrue(!seen[0].getSelectAttKeyIDReq().hasAttKeyIdList());
  }

  @Test
  void provider_noSocketAndNoWait_failsUnavailableWithGuidance() {
    QuoteProvider p = AesmQuoteProvider.newBuilder((ti, rd) -> new byte[432]).socket(socket).startDeadline(Duration.ZERO).build();
    QuoteProviderException e = assertThrows(QuoteProviderException.class, () -> p.quote(new byte[64]));
    assertEquals(QuoteProviderException.Reason.UNAVAILABLE, e.reason());
    assertTrue(e.getMessage().contains("DaemonSet") && e.getMessage().contains(socket.toString()), e.getMessage());
    assertInstanceOf(AesmException.class, e.getCause());
  }

  @Test
  void provider_waitsWithBackoffThenFails_andDoesNotCacheFailure() throws Exception {
    QuoteProvider p = AesmQuoteProvider.newBuilder((ti, rd) -> new byte[432]).socket(socket)
        .startDeadline(Duration.ofMillis(400)).backoff(Duration.ofMillis(20), Duration.ofMillis(100)).build();
    long t0 = System.nanoTime();
    assertThrows(QuoteProviderException.class, () -> p.quote(new byte[64]));
    long waited = System.nanoTime() - t0;
    assertTrue(waited >= 350_000_000L, "waited only " + waited / 1_000_000 + " ms");
    // now a server that rejects the key ID appears: the next call reaches it (no remembered "unavailable")
    serve(r -> Response.newBuilder().setUnsupportedRequestResponse(Response.UnsupportedRequestResponse.newBuilder().setErrorCode(38))
        .build().toByteArray());
    QuoteProviderException e = assertThrows(QuoteProviderException.class, () -> p.quote(new byte[64]));
    assertEquals(QuoteProviderException.Reason.REJECTED, e.reason());
  }

  @Test
  void provider_wrongReportDataSize_isInvalidInput() {
    QuoteProvider p = AesmQuoteProvider.newBuilder((ti, rd) -> new byte[432]).socket(socket).build();
    QuoteProviderException e = assertThrows(QuoteProviderException.class, () -> p.quote(new byte[63]));
    assertEquals(QuoteProviderException.Reason.INVALID_INPUT, e.reason());
  }

  @Test
  void factory_isFoundByServiceLoader_andHonoursEnvironment() throws Exception {
    QuoteProviderFactory f = ServiceLoader.load(QuoteProviderFactory.class).stream().map(ServiceLoader.Provider::get)
        .filter(x -> x.kind().equals("aesm")).findFirst().orElseThrow();
    QuoteProvider p = f.open(Map.of(AesmQuoteProvider.ENV_SOCKET, socket.toString()), (ti, rd) -> new byte[432]);
    assertEquals("aesm", p.name());
    assertEquals(socket, ((AesmQuoteProvider) p).socket());
    QuoteProviderException e = assertThrows(QuoteProviderException.class,
        () -> f.open(Map.of(AesmQuoteProviderFactory.ENV_TIMEOUT_MS, "soon"), (ti, rd) -> new byte[432]));
    assertEquals(QuoteProviderException.Reason.NOT_CONFIGURED, e.reason());
  }

  @Test
  void provider_busyServer_isRetriedUntilItAnswers() throws Exception {
    int[] calls = {0};
    serve(r -> {
      calls[0]++;
      if (calls[0] <= 2) {
        return Response.newBuilder().setUnsupportedRequestResponse(
            Response.UnsupportedRequestResponse.newBuilder().setErrorCode(AesmErrorCode.BUSY.code())).build().toByteArray();
      }
      Response.Builder b = Response.newBuilder();
      if (r.hasSelectAttKeyIDReq()) {
        b.setSelectAttKeyIDRes(Response.SelectAttKeyIDResponse.newBuilder().setErrorCode(0)
            .setSelectedAttKeyId(ByteString.copyFrom(AttKeyId.intelEcdsaQe3().encode())));
      } else if (r.hasInitQuoteExReq()) {
        b.setInitQuoteExRes(Response.InitQuoteExResponse.newBuilder().setErrorCode(0)
            .setTargetInfo(ByteString.copyFrom(new byte[512])).setPubKeyIdSize(32));
      } else if (r.hasGetQuoteSizeExReq()) {
        b.setGetQuoteSizeExRes(Response.GetQuoteSizeExResponse.newBuilder().setErrorCode(0).setQuoteSize(100));
      } else if (r.hasGetQuoteExReq()) {
        b.setGetQuoteExRes(Response.GetQuoteExResponse.newBuilder().setErrorCode(0)
            .setQuote(ByteString.copyFrom(r.getGetQuoteExReq().getReport().substring(0, 100).toByteArray())));
      } else {
        return null;
      }
      return b.build().toByteArray();
    });
    byte[] rd = new byte[64];
    rd[0] = 9;
    QuoteProvider p = AesmQuoteProvider.newBuilder((ti, d) -> {
      byte[] rep = new byte[432];
      System.arraycopy(d, 0, rep, 0, 64);
      return rep;
    }).socket(socket).startDeadline(Duration.ofSeconds(5)).backoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
    byte[] q = p.quote(rd);
    assertEquals(100, q.length);
    assertEquals(9, q[0]);
    assertTrue(calls[0] >= 6, "two BUSY answers, then select, init, size, quote");
  }
}
