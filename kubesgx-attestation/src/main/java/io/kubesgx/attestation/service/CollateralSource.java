package io.kubesgx.attestation.service;

import io.kubesgx.attestation.ApiError;
import io.kubesgx.quote.Quote;

/** Supplies collateral for a parsed quote (the collateral service, or fixed collateral in tests). */
@FunctionalInterface
public interface CollateralSource {
  /**
   * Returns collateral for the quote's platform.
   *
   * @throws ApiError with a status and a message saying what failed (PCS unreachable, FMSPC unknown…)
   */
  CollateralFetch fetch(Quote quote) throws ApiError;

  /**
   * Called when {@code failed}, returned by {@link #fetch} for this quote, did not verify for a
   * collateral-side reason: returns newer collateral to verify with once more, or empty when there
   * is none (the default: fixed collateral cannot be refreshed). Implementations rate-limit this.
   */
  default java.util.Optional<CollateralFetch> refetchAfterFailure(Quote quote, CollateralFetch failed) {
    return java.util.Optional.empty();
  }
}
