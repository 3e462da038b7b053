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
}
