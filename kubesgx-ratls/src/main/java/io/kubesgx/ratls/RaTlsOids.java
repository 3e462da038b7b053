package io.kubesgx.ratls;

/**
 * Object identifiers and tags of the RA-TLS certificate format (Gramine v1.9, {@code
 * tools/sgx/ra-tls/}).
 */
public final class RaTlsOids {
  /** TCG DICE "tagged evidence" extension (TCG DICE Attestation Architecture), written since Gramine v1.8. */
  public static final String DICE_TAGGED_EVIDENCE = "2.23.133.5.4.9";

  /**
   * The legacy SGX quote extension's OID as Gramine really puts it on the wire: its OID content is the
   * complete DER encoding (tag, length, value) of {@link #LEGACY_QUOTE_INTENDED}, which decodes as
   * this identifier. We write this one.
   */
  public static final String LEGACY_QUOTE = "0.6.9.42.840.113741.1337.6";

  /**
   * The identifier Gramine meant for the legacy extension. Gramine's verifier searches the raw
   * extension bytes for its DER encoding, so a certificate carrying this OID (correctly encoded) is
   * accepted as well; so do we.
   */
  public static final String LEGACY_QUOTE_INTENDED = "1.2.840.113741.1337.6";

  /** CBOR tag of a TEE quote in TCG DICE tagged evidence. */
  public static final int DICE_CBOR_TAG = 60000;

  private RaTlsOids() {}
}
