package io.kubesgx.quote;

import io.kubesgx.common.Bytes;

/** The TEE-specific body of a quote: an SGX enclave report or a TD report. */
public sealed interface QuoteBody permits EnclaveReportBody, TdReportBody {
  /** Returns the exact bytes of the body as they appear in the quote. */
  Bytes raw();

  /** Returns the 64-byte REPORTDATA. */
  Bytes reportData();

  /** Returns the TEE type of this body. */
  TeeType teeType();
}
