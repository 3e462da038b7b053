package io.kubesgx.collateral;

import io.kubesgx.common.Bytes;
import java.util.Objects;

/**
 * The {@code tdxModule} object of a TDX TCB info: the expected TDX module signer and attributes.
 *
 * @param mrSigner {@code mrsigner}, 48 bytes
 * @param attributes {@code attributes}, 8 bytes
 * @param attributesMask {@code attributesMask}, 8 bytes
 */
public record TdxModule(Bytes mrSigner, Bytes attributes, Bytes attributesMask) {
  /** Checks that no component is null. */
  public TdxModule {
    Objects.requireNonNull(mrSigner, "mrSigner");
    Objects.requireNonNull(attributes, "attributes");
    Objects.requireNonNull(attributesMask, "attributesMask");
  }
}
