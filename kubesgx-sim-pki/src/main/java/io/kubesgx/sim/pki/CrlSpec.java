package io.kubesgx.sim.pki;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What goes into a CRL issued by a {@link DcapPki}: its window, CRL number and the revoked serials.
 *
 * @param thisUpdate start of validity
 * @param nextUpdate end of validity
 * @param crlNumber the CRL number extension value
 * @param revokedSerials serials listed as revoked (may be empty)
 * @param revocationDate revocation date written for every entry
 */
public record CrlSpec(
    Instant thisUpdate, Instant nextUpdate, long crlNumber, List<BigInteger> revokedSerials, Instant revocationDate) {
  /** Checks for nulls and copies the list. */
  public CrlSpec {
    Objects.requireNonNull(thisUpdate);
    Objects.requireNonNull(nextUpdate);
    revokedSerials = List.copyOf(revokedSerials);
    Objects.requireNonNull(revocationDate);
  }

  /** Returns an empty CRL spec valid from {@code thisUpdate} to {@code nextUpdate}. */
  public static CrlSpec of(Instant thisUpdate, Instant nextUpdate) {
    return new CrlSpec(thisUpdate, nextUpdate, 1, List.of(), thisUpdate);
  }

  /** Returns a copy that also lists {@code serial}. */
  public CrlSpec revoking(BigInteger serial) {
    List<BigInteger> l = new java.util.ArrayList<>(revokedSerials);
    l.add(serial);
    return new CrlSpec(thisUpdate, nextUpdate, crlNumber, l, revocationDate);
  }
}
