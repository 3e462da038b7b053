package io.kubesgx.ratls;

/** Which certificate extension carried the evidence that decided a verification. */
public enum RaTlsExtension {
  /** The TCG DICE tagged-evidence extension ({@value RaTlsOids#DICE_TAGGED_EVIDENCE}); decides whenever present. */
  DICE,
  /** Gramine's legacy SGX quote extension; used only when the DICE extension is absent. */
  LEGACY
}
