package io.kubesgx.ratls.jsse;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.common.Bytes;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.ratls.CollateralSource;
import io.kubesgx.ratls.RaTlsException;
import io.kubesgx.ratls.RaTlsIssuer;
import io.kubesgx.ratls.RaTlsPolicy;
import io.kubesgx.ratls.RaTlsVerifier;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.SimPlatform;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/** One simulated platform in a test's temporary directory, with enclaves, issuers and verifiers over it. */
final class SimEnclaves {
  /** The fixed time of every test: platform creation, collateral issue, verification. */
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final String MRENCLAVE_A = "aa".repeat(32);
  static final String MRENCLAVE_B = "bb".repeat(32);

  final SimPlatform platform;
  final Collateral collateral;

  private SimEnclaves(SimPlatform platform) throws Exception {
    this.platform = platform;
    this.collateral = platform.collateral().toCollateral();
  }

  static SimEnclaves create(Path dir) throws Exception {
    return new SimEnclaves(SimPlatform.openOrCreate(dir, CLOCK));
  }

  static SimEnclave enclave(String mrEnclaveHex, boolean debug) throws Exception {
    return AppEnclave.newBuilder().mrEnclave(Bytes.fromHex(mrEnclaveHex)).debug(debug).product(1, 2).build();
  }

  QuoteProvider quotes(SimEnclave enclave) {
    return SimQuoteProvider.create(platform, enclave);
  }

  RaTlsIssuer issuer(SimEnclave enclave) {
    return RaTlsIssuer.builder().quoteProvider(quotes(enclave)).clock(CLOCK).build();
  }

  RaTlsIssuer issuer(QuoteProvider quotes) {
    return RaTlsIssuer.builder().quoteProvider(quotes).clock(CLOCK).build();
  }

  /** A verifier trusting this platform's root, with its collateral, accepting {@code mrEnclaveHex}. */
  RaTlsVerifier verifier(String mrEnclaveHex) throws Exception {
    return verifier(RaTlsPolicy.builder().mrEnclave(mrEnclaveHex).build(), CLOCK);
  }

  RaTlsVerifier verifier(RaTlsPolicy policy, Clock clock) throws Exception {
    QuoteVerifier qv = QuoteVerifier.newBuilder()
        .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(platform.rootCertificate()))))
        .build();
    return RaTlsVerifier.builder().quoteVerifier(qv).collateral(CollateralSource.fixed(collateral)).policy(policy).clock(clock).build();
  }

  /** A quote provider that ignores the REPORTDATA it is given: its certificates' keys are not bound to their quotes. */
  static QuoteProvider unbound(QuoteProvider real) {
    return new QuoteProvider() {
      @Override
      public byte[] quote(byte[] reportData) throws QuoteProviderException {
        return real.quote(new byte[REPORT_DATA_SIZE]);
      }

      @Override
      public String name() {
        return "unbound";
      }

      @Override
      public boolean isSimulated() {
        return true;
      }
    };
  }

  static RaTlsException rootCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof RaTlsException r) {
        return r;
      }
    }
    throw new AssertionError("no RaTlsException in the cause chain of " + t, t);
  }
}
