package io.kubesgx.keybroker.kbs;

import io.kubesgx.collateralservice.CollateralException;
import io.kubesgx.collateralservice.CollateralResult;
import io.kubesgx.collateralservice.CollateralService;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.ratls.CollateralSource;
import io.kubesgx.ratls.RaTlsPolicy;
import io.kubesgx.ratls.RaTlsVerifier;
import io.kubesgx.sim.SimPlatform;
import io.kubesgx.sim.pcs.SimPcsServer;
import io.kubesgx.verifier.AttestationException;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import io.kubesgx.verifier.VerificationCache;
import io.kubesgx.verifier.VerifiedQuote;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Verifies SGX DCAP quotes for the KBS path with our verifier and collateral from the same sources
 * the attestation service uses: the Intel PCS/PCCS ({@code --pcs-url}, Intel root pinned), or a
 * simulated platform ({@code --sim DIR}: its root trusted and its collateral served by an in-process
 * simulated PCS, as {@code kubesgx attestation-service --sim} does).
 */
public final class SgxEvidenceVerifier implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(SgxEvidenceVerifier.class.getName());

  /** Verified RA-TLS certificates kept (by certificate hash), and for how long at most. */
  private static final int RA_TLS_CACHE_ENTRIES = 1_000;
  private static final java.time.Duration RA_TLS_CACHE_AGE = java.time.Duration.ofMinutes(10);

  private final QuoteVerifier verifier;
  private final CollateralService collateral;
  private final Optional<SimPcsServer> simPcs;
  private final Clock clock;

  private SgxEvidenceVerifier(QuoteVerifier verifier, CollateralService collateral, Optional<SimPcsServer> simPcs, Clock clock) {
    this.verifier = verifier;
    this.collateral = collateral;
    this.simPcs = simPcs;
    this.clock = clock;
  }

  /**
   * Verifies against Intel's root (pinned) with collateral from {@code pcsUrl}.
   *
   * @param collateralCache on-disk collateral cache, when wanted
   */
  public static SgxEvidenceVerifier intel(URI pcsUrl, Optional<Path> collateralCache, Clock clock) throws CollateralException {
    CollateralService.Builder cb = CollateralService.builder().baseUrl(pcsUrl).clock(clock);
    collateralCache.ifPresent(cb::cacheDirectory);
    return new SgxEvidenceVerifier(verifier(List.of(TrustAnchor.intelProduction())), cb.build(), Optional.empty(), clock);
  }

  /**
   * DANGEROUS: trusts the simulated platform in {@code dir} (its root and collateral) besides Intel's
   * root: quotes from it prove nothing about real hardware. For local use and tests.
   *
   * @throws Exception when the platform cannot be opened or its PCS cannot start
   */
  public static SgxEvidenceVerifier insecureSimulatedPlatform(Path dir, Clock clock) throws Exception {
    SimPlatform platform = SimPlatform.openOrCreate(dir, clock);
    SimPcsServer pcs = SimPcsServer.start(dir, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), clock);
    try {
      List<TrustAnchor> anchors = new ArrayList<>();
      anchors.add(TrustAnchor.intelProduction());
      anchors.add(TrustAnchor.fromCertificate(platform.rootCertificate()));
      CollateralService cs = CollateralService.builder().baseUrl(pcs.baseUri()).clock(clock).build();
      LOG.warning("KBS: trusting the SIMULATED platform root of " + dir + "; never use this for real workloads");
      return new SgxEvidenceVerifier(verifier(anchors), cs, Optional.of(pcs), clock);
    } catch (Exception | Error e) {
      pcs.close();
      throw e;
    }
  }

  private static QuoteVerifier verifier(List<TrustAnchor> anchors) {
    return QuoteVerifier.newBuilder().trustAnchors(TrustAnchors.of(anchors)).cache(VerificationCache.bounded(10_000)).build();
  }

  /**
   * Parses and verifies a quote (chains, CRLs, TCB, QE identity, signatures) at the current time.
   *
   * @throws KbsException {@link KbsException.Variant#AttestationError} saying which check failed, or
   *     {@link KbsException.Variant#ServiceUnavailable} when collateral cannot be had now
   */
  public VerifiedQuote verify(byte[] quoteBytes) throws KbsException {
    Quote quote;
    try {
      quote = QuoteParser.parse(quoteBytes);
    } catch (MalformedInputException e) {
      throw new KbsException(KbsException.Variant.AttestationError, "the evidence is not a DCAP quote: " + e.getMessage());
    }
    CollateralResult c;
    try {
      c = collateral.collateralFor(quote);
    } catch (CollateralException e) {
      switch (e.reason()) {
        case MALFORMED_QUOTE, NO_PCK_CERTIFICATE, UNKNOWN_FMSPC ->
            throw new KbsException(KbsException.Variant.AttestationError, "no collateral for this quote: " + e.getMessage());
        default -> throw new KbsException(KbsException.Variant.ServiceUnavailable,
            "collateral is unavailable now (" + e.reason() + "); retry later");
      }
    }
    Instant now = clock.instant();
    Instant at = c.stale() && !now.isBefore(c.nextUpdate()) ? c.nextUpdate().minusSeconds(1) : now;
    try {
      return verifier.verify(quoteBytes, c.collateral(), at);
    } catch (AttestationException e) {
      throw new KbsException(KbsException.Variant.AttestationError,
          "the quote did not verify: " + e.reason() + ": " + e.getMessage());
    }
  }

  /**
   * Returns an RA-TLS verifier with this verifier's trust anchors and collateral source (cached),
   * under {@code policy}.
   */
  public RaTlsVerifier raTlsVerifier(RaTlsPolicy policy) {
    return RaTlsVerifier.builder().quoteVerifier(verifier).collateral(CollateralSource.service(collateral)).policy(policy)
        .clock(clock).cache(RA_TLS_CACHE_ENTRIES, RA_TLS_CACHE_AGE).build();
  }

  @Override
  public void close() {
    collateral.close();
    simPcs.ifPresent(SimPcsServer::close);
  }
}
