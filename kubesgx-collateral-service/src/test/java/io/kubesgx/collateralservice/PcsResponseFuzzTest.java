package io.kubesgx.collateralservice;

import io.kubesgx.sim.collateral.CollateralBuilder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.collateral.Collateral;
import io.kubesgx.common.Bytes;
import io.kubesgx.pck.PckCa;
import io.kubesgx.quote.TeeType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fuzzes PCS response handling ({@link PcsProtocol#assemble}): statuses, Intel's diagnostic and
 * issuer-chain headers and bodies are mixed from valid responses and fuzz data. Property: the
 * result is collateral for the requested key or a {@link CollateralException} with a reason and a
 * message; nothing else escapes.
 */
class PcsResponseFuzzTest {
  static final CollateralKey KEY = CollateralKey.of(TeeType.SGX, "00906ED50000", PckCa.PROCESSOR, UpdateType.STANDARD);
  static final URI BASE = URI.create("http://127.0.0.1:1");
  static final PcsResponse[] VALID = valid();

  private static PcsResponse[] valid() {
    CollateralBuilder b = FakePcs.builder("00906ED50000", false, Instant.parse("2026-11-28T12:00:00Z"));
    String chain = FakePcs.url(b.tcbSignChainPem());
    return new PcsResponse[] {
      new PcsResponse(PcsProtocol.tcbInfoUri(BASE, KEY), 200, Map.of("TCB-Info-Issuer-Chain", chain),
          Bytes.of(b.tcbInfoBody().getBytes(StandardCharsets.UTF_8))),
      new PcsResponse(PcsProtocol.qeIdentityUri(BASE, KEY), 200, Map.of("SGX-Enclave-Identity-Issuer-Chain", chain),
          Bytes.of(b.qeIdentityBody().getBytes(StandardCharsets.UTF_8))),
      new PcsResponse(PcsProtocol.pckCrlUri(BASE, KEY), 200,
          Map.of("SGX-PCK-CRL-Issuer-Chain", FakePcs.url(b.pckSignChainPem())), Bytes.of(b.pckCrlDer())),
      new PcsResponse(PcsProtocol.defaultRootCaCrlUri(BASE), 200, Map.of(),
          Bytes.of(Bytes.of(b.rootCaCrlDer()).hex().getBytes(StandardCharsets.US_ASCII)))
    };
  }

  private static PcsResponse mutate(FuzzedDataProvider d, PcsResponse v) {
    return switch (d.consumeInt(0, 4)) {
      case 0 -> v;
      case 1 -> new PcsResponse(v.uri(), v.status(), v.headers(), Bytes.of(d.consumeBytes(d.consumeInt(0, 4096))));
      case 2 -> {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Error-Code", d.consumeString(64));
        h.put("Request-ID", d.consumeString(300));
        yield new PcsResponse(v.uri(), d.consumeInt(100, 599), h, Bytes.of(d.consumeBytes(d.consumeInt(0, 256))));
      }
      case 3 -> {
        Map<String, String> h = new LinkedHashMap<>();
        for (String k : v.headers().keySet()) {
          h.put(k, d.consumeString(2048));
        }
        yield new PcsResponse(v.uri(), v.status(), h, v.body());
      }
      default -> {
        byte[] body = v.body().toByteArray();
        if (body.length > 0) {
          int i = d.consumeInt(0, body.length - 1);
          body[i] = d.consumeByte();
        }
        yield new PcsResponse(v.uri(), v.status(), v.headers(), Bytes.of(body));
      }
    };
  }

  @FuzzTest(maxDuration = "30s")
  void assemble(FuzzedDataProvider d) {
    PcsResponse[] r = new PcsResponse[4];
    for (int i = 0; i < 4; i++) {
      r[i] = mutate(d, VALID[i]);
    }
    try {
      Collateral c = PcsProtocol.assemble(KEY, r[0], r[1], r[2], r[3]);
      assertEquals(KEY.fmspc(), c.tcbInfo().tcbInfo().fmspc());
    } catch (CollateralException e) {
      assertNotNull(e.reason());
      assertNotNull(e.getMessage());
    }
  }
}
