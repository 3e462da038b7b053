package io.kubesgx.quote;

/** What the parser does with bytes after the declared end of the signature data. */
public enum TrailingDataPolicy {
  /** Rejects any trailing byte. */
  STRICT,
  /** Default: accepts trailing bytes only when all are zero (zero-padded TDX quote buffers). */
  ZERO_PADDING,
  /** DANGEROUS: accepts any trailing bytes; they are not covered by any signature. */
  INSECURE_LENIENT
}
