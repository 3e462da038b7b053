package io.kubesgx.ratls;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateralservice.CollateralException;
import io.kubesgx.collateralservice.CollateralService;
import io.kubesgx.quote.Quote;
import io.kubesgx.ratls.RaTlsException.Reason;
import io.kubesgx.ratls.RaTlsException.Step;
import java.util.Objects;

/** Where the collateral (TCB info, QE identity, CRLs) for verifying an RA-TLS quote comes from. */
public interface CollateralSource {
  /**
   * Returns the collateral for {@code quote}; it is verified (signatures, chains, freshness) by the
   * quote verifier, not here.
   *
   * @throws RaTlsException {@link Step#VERIFY_EXTERNAL} / {@link Reason#COLLATERAL_UNAVAILABLE}
   */
  Collateral collateralFor(Quote quote) throws RaTlsException;

  /** Always returns {@code collateral} (an offline bundle, a file, a test). */
  static CollateralSource fixed(Collateral collateral) {
    Objects.requireNonNull(collateral, "collateral");
    return quote -> collateral;
  }

  /**
   * Fetches collateral from {@code service} (Intel PCS, a PCCS or our collateral service), which
   * caches it and refreshes it ahead of its nextUpdate. When the service can only serve collateral
   * that is past its nextUpdate (stale, during a PCS outage), the quote verifier refuses it unless
   * the policy allows outdated TCB ({@link RaTlsPolicy#allowOutdatedTcb()}). The caller owns and
   * closes {@code service}.
   */
  static CollateralSource service(CollateralService service) {
    Objects.requireNonNull(service, "service");
    return quote -> {
      try {
        return service.collateralFor(quote).collateral();
      } catch (CollateralException e) {
        throw new RaTlsException(Step.VERIFY_EXTERNAL, Reason.COLLATERAL_UNAVAILABLE,
            "no collateral for the quote (" + e.reason() + "): " + e.getMessage(), e);
      }
    };
  }
}
