package io.kubesgx.quotehelper;

import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sdk.sim.SimReportSource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.aesm.AesmClient;
import io.kubesgx.aesm.AesmErrorCode;
import io.kubesgx.aesm.AesmException;
import io.kubesgx.aesm.AesmQuoteProvider;
import io.kubesgx.aesm.proto.AesmMessages.Request;
import io.kubesgx.common.Bytes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The relay backend against our own sim server as the upstream "aesm_service". */
class RelayBackendTest {
  private SimFixture fx;
  private Path dir;
  private Path upstreamSocket;
  private Path relaySocket;
  private QuoteHelperServer upstream;
  private QuoteHelperServer relay;
  private RelayBackend backend;

  @BeforeEach
  void start() throws Exception {
    fx = SimFixture.get();
    dir = SimFixture.tempDir("qhr");
    upstreamSocket = dir.resolve("up.socket");
    relaySocket = dir.resolve("aesm.socket");
    upstream = QuoteHelperServer.newBuilder(upstreamSocket, SimBackend.create(fx.platform, 3)).build().start();
    backend = new RelayBackend(upstreamSocket);
    relay = QuoteHelperServer.newBuilder(relaySocket, backend).timeout(Duration.ofSeconds(2)).build().start();
  }

  @AfterEach
  void stop() throws Exception {
    relay.close();
    upstream.close();
    SimFixture.deleteTree(dir);
  }

  @Test
  void quoteThroughRelay_verifies_andIsCounted() throws Exception {
    byte[] rd = new byte[64];
    rd[63] = 7;
    byte[] quote = AesmQuoteProvider.newBuilder(SimReportSource.create(fx.platform, AppEnclave.defaultEnclave())).socket(relaySocket).build().quote(rd);
    assertEquals(Bytes.of(rd), fx.verify(quote).reportData());
    assertTrue(backend.counters().get("upstream_forwarded") >= 4); // select, init, size, quote
    assertTrue(backend.ready());
    assertTrue(relay.metrics().render(backend).contains("event=\"upstream_forwarded\""));
  }

  @Test
  void upstreamErrorCodes_arePassedThrough() throws Exception {
    AesmException e = assertThrows(AesmException.class,
        () -> AesmClient.create(relaySocket).getQuoteEx(new byte[10], Optional.empty(), Optional.empty(), 10_000));
    assertEquals(AesmErrorCode.PARAMETER_ERROR, e.errorCode());
  }

  @Test
  void unknownRequest_upstreamCloses_relayClosesToo() throws Exception {
    Request epid = Request.newBuilder().setInitQuoteReq(Request.InitQuoteRequest.newBuilder()).build();
    // the relay itself does not forward requests it does not serve
    assertEquals(AesmException.Kind.PROTOCOL, assertThrows(AesmException.class, () -> AesmClient.create(relaySocket).transact(epid)).kind());
    assertEquals(1, AesmClient.create(relaySocket).getSupportedAttKeyIdNum());
  }

  @Test
  void deadUpstream_answersServiceUnavailable_andIsNotReady() throws Exception {
    upstream.close();
    AesmException e = assertThrows(AesmException.class, () -> AesmClient.create(relaySocket).getQuoteSizeEx(Optional.empty()));
    assertEquals(AesmException.Kind.ERROR_CODE, e.kind());
    assertEquals(AesmErrorCode.SERVICE_UNAVAILABLE, e.errorCode());
    assertFalse(backend.ready());
    assertEquals(1L, backend.counters().get("upstream_unavailable"));
  }
}
