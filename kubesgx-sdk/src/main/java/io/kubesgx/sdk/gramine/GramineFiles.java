package io.kubesgx.sdk.gramine;

import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.QuoteProviderException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bounded reads and whole writes of Gramine's {@code /dev/attestation} files, and the one lock that
 * serialises their use in this process.
 */
final class GramineFiles {
  /**
   * Serialises every write-then-read sequence on the attestation files: Gramine keeps {@code
   * user_report_data} and {@code target_info} once per process, not per thread or per file handle.
   * Fair, so that no caller starves.
   */
  static final ReentrantLock LOCK = new ReentrantLock(true);

  /** Longest wait for the lock before a call fails with {@link Reason#TIMEOUT}. */
  static final long LOCK_TIMEOUT_SECONDS = 30;

  /** Longest {@code attestation_type} content read (the values are 4-word strings). */
  private static final int MAX_TYPE_SIZE = 64;

  private GramineFiles() {}

  /** Returns the trimmed, lower-cased content of {@code root/attestation_type}, or empty when it cannot be read. */
  static Optional<String> attestationType(Path root) {
    Path f = root.resolve("attestation_type");
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    try {
      byte[] b = read(f, MAX_TYPE_SIZE);
      return Optional.of(new String(b, StandardCharsets.US_ASCII).trim().toLowerCase(Locale.ROOT));
    } catch (QuoteProviderException e) {
      return Optional.empty();
    }
  }

  /**
   * Takes {@link #LOCK}, waiting at most {@link #LOCK_TIMEOUT_SECONDS}; the caller unlocks in a
   * {@code finally} block.
   */
  static void lock() throws QuoteProviderException {
    try {
      if (!LOCK.tryLock(LOCK_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new QuoteProviderException(Reason.TIMEOUT, "another thread of this process has been using"
            + " /dev/attestation for more than " + LOCK_TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QuoteProviderException(Reason.TIMEOUT, "interrupted while waiting for /dev/attestation", e);
    }
  }

  /**
   * Writes all of {@code data} to the existing file {@code f} from offset 0, without creating or
   * truncating it (Gramine's pseudo files exist already and take whole-buffer writes).
   */
  static void write(Path f, byte[] data) throws QuoteProviderException {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(data);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    } catch (IOException e) {
      throw ioFailure("write", f, e);
    }
  }

  /** Reads the whole of {@code f}, failing with {@link Reason#PROTOCOL} when it holds more than {@code max} bytes. */
  static byte[] read(Path f, int max) throws QuoteProviderException {
    try (InputStream in = Files.newInputStream(f)) {
      byte[] buf = new byte[Math.min(max + 1, 8192)];
      int n = 0;
      while (true) {
        if (n == buf.length) {
          if (n > max) {
            break;
          }
          buf = Arrays.copyOf(buf, Math.min(max + 1, buf.length * 2));
        }
        int r = in.read(buf, n, buf.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
      if (n > max) {
        throw new QuoteProviderException(Reason.PROTOCOL, f + " holds more than " + max + " bytes");
      }
      return Arrays.copyOf(buf, n);
    } catch (IOException e) {
      throw ioFailure("read", f, e);
    }
  }

  private static QuoteProviderException ioFailure(String op, Path f, IOException e) {
    if (e instanceof NoSuchFileException) {
      return new QuoteProviderException(Reason.UNAVAILABLE,
          "cannot " + op + " " + f + ": it does not exist (not running inside Gramine with SGX?)", e);
    }
    if (e instanceof AccessDeniedException) {
      return new QuoteProviderException(Reason.IO,
          "cannot " + op + " " + f + ": access denied (Gramine refuses this when the manifest does not enable"
              + " sgx.remote_attestation = \"dcap\", or the size is wrong)", e);
    }
    return new QuoteProviderException(Reason.IO, "cannot " + op + " " + f + ": " + e, e);
  }
}
