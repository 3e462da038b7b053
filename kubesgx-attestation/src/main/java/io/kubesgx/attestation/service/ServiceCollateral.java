package io.kubesgx.attestation.service;

import io.kubesgx.attestation.ApiError;
import io.kubesgx.collateralservice.CollateralException;
import io.kubesgx.collateralservice.CollateralResult;
import io.kubesgx.collateralservice.CollateralService;
import io.kubesgx.quote.Quote;

/** Collateral from the collateral service, with its failures mapped to HTTP errors. */
public final class ServiceCollateral implements CollateralSource {
  private final CollateralService service;

  /** Wraps a collateral service. */
  public ServiceCollateral(CollateralService service) {
    this.service = service;
  }

  @Override
  public CollateralFetch fetch(Quote quote) throws ApiError {
    CollateralResult r;
    try {
      r = service.collateralFor(quote);
    } catch (CollateralException e) {
      throw map(e);
    }
    return new CollateralFetch(r.collateral(), r.stale(), r.warning(), r.nextUpdate());
  }

  @Override
  public java.util.Optional<CollateralFetch> refetchAfterFailure(Quote quote, CollateralFetch failed) {
    try {
      return service.refetchAfterFailure(service.keyFor(quote), failed.collateral())
          .map(r -> new CollateralFetch(r.collateral(), r.stale(), r.warning(), r.nextUpdate()));
    } catch (CollateralException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * Maps a collateral failure: the client's evidence is at fault (400) for a malformed quote or an
   * FMSPC the PCS does not know; otherwise the service cannot answer now (503, retry) or its PCS
   * answered badly (502).
   */
  static ApiError map(CollateralException e) {
    String reason = e.reason().name();
    return switch (e.reason()) {
      case MALFORMED_QUOTE, NO_PCK_CERTIFICATE -> new ApiError(400, "InvalidQuote", reason, e.getMessage(), e);
      case UNKNOWN_FMSPC -> new ApiError(400, "CollateralNotFound", reason, e.getMessage(), e);
      case PCS_ERROR, MALFORMED_RESPONSE -> new ApiError(502, "CollateralUnavailable", reason, e.getMessage(), e);
      default -> new ApiError(503, "CollateralUnavailable", reason, e.getMessage(), e);
    };
  }
}
