package io.kubesgx.quotehelper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kubesgx.aesm.AesmFraming;
import io.kubesgx.aesm.AttKeyId;
import io.kubesgx.aesm.proto.AesmMessages.Request;
import io.kubesgx.aesm.proto.AesmMessages.Response;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.sdk.sim.SimReportSource;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.verifier.VerifiedQuote;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An application built against Intel's {@code libsgx_quote_ex} sends Intel's QE3 ECDSA-P256
 * attestation key ID in all three *Ex calls; the simulated backend must quote for it (it answered
 * {@code AESM_UNSUPPORTED_ATT_KEY_ID} = 38 while its QE carried a per-platform MRSIGNER).
 */
class IntelAttKeyIdTest {
  private static final String INTEL_QE3_MRSIGNER = "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff";

  private static SimFixture fx;
  private static Path dir;
  private static Path socket;
  private static QuoteHelperServer server;
  private static SimBackend backend;

  @BeforeAll
  static void start() throws Exception {
    fx = SimFixture.get();
    dir = SimFixture.tempDir("qhintel");
    socket = dir.resolve("run/aesm.socket");
    backend = SimBackend.create(fx.platform, 3);
    server = QuoteHelperServer.newBuilder(socket, backend).workers(2).queue(8).timeout(Duration.ofSeconds(5)).build().start();
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
    SimFixture.deleteTree(dir);
  }

  /**
   * Intel's {@code sgx_att_key_id_ext_t} for QE3 as {@code libsgx_quote_ex} sends it, written out
   * field by field from {@code sgx_quote.h}: id 0, version 0, mrsigner_length 32, MRSIGNER (48-byte
   * field), prod_id 1, extended_prod_id, config_id, family_id zero, algorithm_id 2 (ECDSA-P256),
   * spid zero, att_key_type 0, reserved zero — 256 bytes.
   */
  private static byte[] intelQe3AttKeyId() {
    ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort((short) 0).putShort((short) 0).putShort((short) 32);
    b.put(HexFormat.of().parseHex(INTEL_QE3_MRSIGNER)).put(new byte[16]);
    b.putInt(1);
    b.put(new byte[16 + 64 + 16]);
    b.putInt(2);
    assertEquals(158, b.position());
    return b.array();
  }

  private static Response send(Request r) throws IOException {
    return Response.parseFrom(SimFixture.raw(socket, AesmFraming.encode(r.toByteArray()), false).orElseThrow());
  }

  @Test
  void quoteEx_intelsExactQe3AttKeyId_quotesAndVerifiesUnderTheSimulationRoot() throws Exception {
    ByteString keyId = ByteString.copyFrom(intelQe3AttKeyId());

    Response init = send(Request.newBuilder().setInitQuoteExReq(
        Request.InitQuoteExRequest.newBuilder().setAttKeyId(keyId).setBPubKeyId(true).setBufSize(32).setTimeout(15000))
        .build());
    assertEquals(0, init.getInitQuoteExRes().getErrorCode());
    byte[] targetInfo = init.getInitQuoteExRes().getTargetInfo().toByteArray();

    Response size = send(Request.newBuilder().setGetQuoteSizeExReq(
        Request.GetQuoteSizeExRequest.newBuilder().setAttKeyId(keyId).setTimeout(15000)).build());
    assertEquals(0, size.getGetQuoteSizeExRes().getErrorCode());
    int quoteSize = size.getGetQuoteSizeExRes().getQuoteSize();

    byte[] rd = new byte[64];
    rd[0] = 0x11;
    byte[] report = SimReportSource.create(fx.platform, AppEnclave.defaultEnclave()).report(targetInfo, rd);
    Response got = send(Request.newBuilder().setGetQuoteExReq(
        Request.GetQuoteExRequest.newBuilder().setReport(ByteString.copyFrom(report)).setAttKeyId(keyId)
            .setBufSize(quoteSize).setTimeout(15000)).build());
    assertEquals(0, got.getGetQuoteExRes().getErrorCode());
    byte[] quote = got.getGetQuoteExRes().getQuote().toByteArray();

    VerifiedQuote v = fx.verify(quote);
    assertTrue(v.isSimulated());
    assertEquals(Bytes.of(rd), v.reportData());
    EnclaveReportBody qeReport = QuoteParser.parse(quote).signatureData().qeReport();
    assertEquals(INTEL_QE3_MRSIGNER, qeReport.mrSigner().hex());
    assertEquals(1, qeReport.isvProdId());
    JsonObject identity = Json.parseObject(fx.platform.collateral().qeIdentityBody()).object("enclaveIdentity");
    assertEquals(INTEL_QE3_MRSIGNER.toUpperCase(Locale.ROOT), identity.string("mrsigner"));
    assertEquals(1, identity.integer("isvprodid"));
  }

  @Test
  void attKeyId_ofTheSimulatedQe_isIntelsQe3() {
    assertEquals(AttKeyId.intelEcdsaQe3(), backend.attKeyId());
    assertEquals(AttKeyId.parse(intelQe3AttKeyId()), backend.attKeyId());
  }
}
