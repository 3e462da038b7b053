package io.kubesgx.webhook.rules;

/** Why a pod is denied; also the {@code reason} label of the denial metric. */
public enum DenyReason {
  /** An SGX resource has limits different from requests. */
  LIMITS_NOT_EQUAL_REQUESTS,
  /** An SGX resource quantity is not a whole number (or not a quantity at all, or negative). */
  NON_INTEGRAL,
  /** A container asks for EPC under both names. */
  BOTH_EPC_NAMES,
  /** EPC under the Intel name without an enclave device slot. */
  NO_DEVICE_PATH,
  /** More EPC than the largest SGX node has. */
  EPC_TOO_LARGE,
  /** An unknown quote-provider annotation value. */
  UNKNOWN_QUOTE_PROVIDER,
  /** A request under the non-canonical EPC name reached validation (mutation was skipped). */
  NOT_MUTATED,
  /** The pod object has a shape the webhook cannot patch. */
  MALFORMED_POD
}
