package io.kubesgx.collateralservice;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.pck.PckCa;
import io.kubesgx.quote.TeeType;
import java.util.Locale;
import java.util.Objects;

/**
 * Identifies one collateral set: the TEE type (which selects the {@code /sgx} or {@code /tdx} TCB
 * info and QE identity), the platform's FMSPC, the PCK CA whose CRL is needed and the TCB update
 * stream.
 *
 * @param tee SGX or TDX
 * @param fmspc the 6-byte FMSPC from the PCK certificate
 * @param ca the PCK intermediate CA that issued the platform's PCK certificate
 * @param update the TCB update stream
 */
public record CollateralKey(TeeType tee, Bytes fmspc, PckCa ca, UpdateType update) {
  /** Size of an FMSPC in bytes. */
  public static final int FMSPC_SIZE = 6;

  /** Checks for nulls and the FMSPC size. */
  public CollateralKey {
    Objects.requireNonNull(tee, "tee");
    Objects.requireNonNull(fmspc, "fmspc");
    Objects.requireNonNull(ca, "ca");
    Objects.requireNonNull(update, "update");
    if (fmspc.length() != FMSPC_SIZE) {
      throw new IllegalArgumentException("fmspc must be 6 bytes, got " + fmspc.length());
    }
  }

  /** Returns a key for an FMSPC given as 12 hex digits (any case). */
  public static CollateralKey of(TeeType tee, String fmspcHex, PckCa ca, UpdateType update) {
    Objects.requireNonNull(fmspcHex, "fmspcHex");
    if (fmspcHex.length() != 2 * FMSPC_SIZE) {
      throw new IllegalArgumentException("fmspc must be 12 hex digits, got '" + fmspcHex + "'");
    }
    try {
      return new CollateralKey(tee, Bytes.fromHex(fmspcHex.toLowerCase(Locale.ROOT)), ca, update);
    } catch (MalformedInputException e) {
      throw new IllegalArgumentException("fmspc must be 12 hex digits, got '" + fmspcHex + "'", e);
    }
  }

  /** Returns the FMSPC as 12 upper-case hex digits, the way Intel writes it. */
  public String fmspcHex() {
    return fmspc.hex().toUpperCase(Locale.ROOT);
  }

  /** Returns a compact label such as {@code sgx/00906ED50000/processor/standard}. */
  @Override
  public String toString() {
    return tee.name().toLowerCase(Locale.ROOT) + "/" + fmspcHex() + "/" + ca.crlParameter() + "/" + update.parameter();
  }
}
