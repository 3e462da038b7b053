package io.kubesgx.sdk.gramine;

import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.QuoteProviderException.Reason;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Obtains DCAP quotes from Gramine's {@code /dev/attestation}: writes the 64-byte REPORTDATA to
 * {@code user_report_data}, then reads {@code quote}.
 *
 * <p>Gramine keeps {@code user_report_data} once per process, so the write and the read run under a
 * process-wide lock shared with {@link GramineReportSource}; concurrent callers are served one after
 * the other and each gets a quote over its own REPORTDATA. Code outside this SDK that uses the same
 * files in the same process is not covered by that lock.
 *
 * <pre>{@code
 * try (QuoteProvider p = GramineQuoteProvider.open(GramineQuoteProvider.DEFAULT_ROOT)) {
 *   byte[] quote = p.quote(reportData64);
 * }
 * }</pre>
 */
public final class GramineQuoteProvider implements QuoteProvider {
  /** Where Gramine mounts its attestation pseudo files. */
  public static final Path DEFAULT_ROOT = Path.of("/dev/attestation");

  /**
   * Largest quote read; Gramine's own buffer is 8192 bytes (enclave-measurement.md §7.1), this
   * leaves room for larger certification data without reading unbounded input.
   */
  public static final int MAX_QUOTE_SIZE = 64 * 1024;

  private final Path root;

  private GramineQuoteProvider(Path root) {
    this.root = root;
  }

  /**
   * Opens the provider on {@code root} after checking that {@code root/attestation_type} reads
   * {@code dcap}.
   *
   * @throws QuoteProviderException {@link Reason#UNAVAILABLE} when the file is missing (not inside
   *     Gramine with SGX), {@link Reason#NOT_CONFIGURED} when the type is {@code none}, {@code epid}
   *     or anything else
   */
  public static GramineQuoteProvider open(Path root) throws QuoteProviderException {
    Objects.requireNonNull(root, "root");
    Optional<String> type = GramineFiles.attestationType(root);
    if (type.isEmpty()) {
      throw new QuoteProviderException(Reason.UNAVAILABLE,
          root.resolve("attestation_type") + " is missing or unreadable: not running inside Gramine with SGX");
    }
    String message = switch (type.get()) {
      case "dcap" -> null;
      case "none" -> "Gramine attestation type is 'none': set sgx.remote_attestation = \"dcap\" in the manifest";
      case "epid" -> "Gramine attestation type is 'epid': EPID is not supported, set sgx.remote_attestation = \"dcap\""
          + " in the manifest";
      default -> "unknown Gramine attestation type '" + type.get() + "' in " + root.resolve("attestation_type")
          + ": expected 'dcap'";
    };
    if (message != null) {
      throw new QuoteProviderException(Reason.NOT_CONFIGURED, message);
    }
    return new GramineQuoteProvider(root);
  }

  /** Returns the attestation type {@code root/attestation_type} reads (trimmed, lower case), or empty when absent. */
  public static Optional<String> attestationType(Path root) {
    return GramineFiles.attestationType(Objects.requireNonNull(root, "root"));
  }

  /**
   * Writes {@code reportData} to {@code user_report_data} and reads {@code quote}, under the
   * process-wide lock.
   *
   * @throws QuoteProviderException {@link Reason#INVALID_INPUT} for a REPORTDATA that is not 64
   *     bytes, {@link Reason#UNAVAILABLE} when a file is missing, {@link Reason#IO} when Gramine
   *     refuses, {@link Reason#PROTOCOL} when the quote is empty or larger than {@link
   *     #MAX_QUOTE_SIZE}
   */
  @Override
  public byte[] quote(byte[] reportData) throws QuoteProviderException {
    if (reportData == null || reportData.length != REPORT_DATA_SIZE) {
      throw new QuoteProviderException(Reason.INVALID_INPUT,
          "REPORTDATA must be " + REPORT_DATA_SIZE + " bytes, got " + (reportData == null ? "null" : reportData.length));
    }
    byte[] quote;
    GramineFiles.lock();
    try {
      GramineFiles.write(root.resolve("user_report_data"), reportData.clone());
      quote = GramineFiles.read(root.resolve("quote"), MAX_QUOTE_SIZE);
    } finally {
      GramineFiles.LOCK.unlock();
    }
    if (quote.length == 0) {
      throw new QuoteProviderException(Reason.PROTOCOL,
          root.resolve("quote") + " returned no data: Gramine could not get a quote from the host's AESM"
              + " (is the quote helper or aesmd running?)");
    }
    return quote;
  }

  /** Returns {@code gramine-dcap}. */
  @Override
  public String name() {
    return "gramine-dcap";
  }

  /** Returns false: Gramine quotes come from the hardware's quoting enclave. */
  @Override
  public boolean isSimulated() {
    return false;
  }

  @Override
  public String toString() {
    return "GramineQuoteProvider[" + root + "]";
  }
}
