package io.kubesgx.enclave;

import io.kubesgx.common.Bytes;
import io.kubesgx.enclave.internal.Le;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.Set;

/**
 * Computes MRENCLAVE: SHA-256 over the ECREATE, EADD and EEXTEND records an enclave build issues.
 *
 * <p>Records are 64 bytes, each EEXTEND followed by its 256 data bytes ({@code
 * enclave-measurement.md} §1.1; Intel {@code enclave_creator_sign.cpp}, Gramine {@code sgx_sign.py},
 * Fortanix {@code sgxs.rs}). The recording variant also keeps the stream as a Fortanix {@code .sgxs}
 * image, where the data of pages added without measurement is carried in {@code UNMEASRD} records
 * that are not hashed.
 *
 * <pre>{@code
 * Measurement m = Measurement.ecreate(1, 0x40000);
 * m.addPage(0x0, Measurement.PT_TCS, tcsPage, true);
 * m.addPage(0x1000, Measurement.PT_REG | Measurement.SECINFO_R | Measurement.SECINFO_X, code, true);
 * Bytes mrEnclave = m.mrEnclave();
 * }</pre>
 *
 * <p>Not thread-safe; one instance measures one enclave. Invalid input (misaligned or out-of-range
 * offsets, a page added twice, an EEXTEND of a page never added, wrong data sizes) is an {@link
 * IllegalArgumentException}; any call after {@link #mrEnclave()} is an {@link IllegalStateException}.
 */
public final class Measurement {
  /** SECINFO.FLAGS read permission. */
  public static final long SECINFO_R = 0x1;
  /** SECINFO.FLAGS write permission. */
  public static final long SECINFO_W = 0x2;
  /** SECINFO.FLAGS execute permission. */
  public static final long SECINFO_X = 0x4;
  /** SECINFO.FLAGS page type SECS (bits 15:8). */
  public static final long PT_SECS = 0;
  /** SECINFO.FLAGS page type TCS. */
  public static final long PT_TCS = 0x100;
  /** SECINFO.FLAGS page type REG. */
  public static final long PT_REG = 0x200;
  /** Page size in bytes. */
  public static final int PAGE_SIZE = 4096;
  /** EEXTEND chunk size in bytes. */
  public static final int CHUNK_SIZE = 256;
  /** Size of every record header in bytes. */
  public static final int RECORD_SIZE = 64;

  /** Record tags as little-endian u64 (ASCII, NUL-padded) [src: Fortanix sgx-isa, SGXS.md]. */
  static final long TAG_ECREATE = 0x0045544145524345L;
  static final long TAG_EADD = 0x0000000044444145L;
  static final long TAG_EEXTEND = 0x00444E4554584545L;
  /** Fortanix enhanced-SGXS "UNMEASRD": page data loaded but not measured; same layout as EEXTEND. */
  static final long TAG_UNMEASRD = tag("UNMEASRD");
  /** Fortanix enhanced-SGXS "UNSIZED": an ECREATE whose size is not final; cannot be measured. */
  static final long TAG_UNSIZED = tag("UNSIZED");

  /** SECINFO.FLAGS bits that may be set on EADD: R, W, X and the page type (bits 15:8). */
  private static final long SECINFO_ALLOWED = 0xff07L;

  private final MessageDigest sha;
  private final ByteArrayOutputStream recording;
  private final long ssaFrameSizePages;
  private final long enclaveSize;
  private final Set<Long> pages = new HashSet<>();
  private final byte[] header = new byte[RECORD_SIZE];
  private int eaddCount;
  private int eextendCount;
  private int unmeasuredCount;
  private Bytes result;

  private Measurement(long ssaFrameSizePages, long enclaveSize, boolean record) {
    if (ssaFrameSizePages < 1 || ssaFrameSizePages > 0xffffffffL) {
      throw new IllegalArgumentException("SSA frame size must be 1..2^32-1 pages, got " + ssaFrameSizePages);
    }
    if (enclaveSize < PAGE_SIZE || Long.bitCount(enclaveSize) != 1) {
      throw new IllegalArgumentException(
          "enclave size must be a power of two of at least 4096 bytes, got " + enclaveSize
              + " (0x" + Long.toHexString(enclaveSize) + ")");
    }
    this.ssaFrameSizePages = ssaFrameSizePages;
    this.enclaveSize = enclaveSize;
    this.recording = record ? new ByteArrayOutputStream() : null;
    try {
      this.sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
    // ECREATE: tag, u32 SSAFRAMESIZE at 8, u64 SECS.SIZE at 12, zero to 64.
    Le.put64(header, 0, TAG_ECREATE);
    Le.put32(header, 8, ssaFrameSizePages);
    Le.put64(header, 12, enclaveSize);
    emit(true, null);
  }

  /** Starts a measurement with ECREATE (SSA frame size in pages, enclave size a power of two ≥ 4096). */
  public static Measurement ecreate(long ssaFrameSizePages, long enclaveSize) {
    return new Measurement(ssaFrameSizePages, enclaveSize, false);
  }

  /** Like {@link #ecreate} but also records the stream so {@link #sgxs()} can return the image. */
  public static Measurement ecreateRecording(long ssaFrameSizePages, long enclaveSize) {
    return new Measurement(ssaFrameSizePages, enclaveSize, true);
  }

  /** Measures EADD of the page at {@code pageOffset} with SECINFO.FLAGS {@code secinfoFlags}. */
  public Measurement eadd(long pageOffset, long secinfoFlags) {
    checkOpen();
    if (pageOffset < 0 || pageOffset % PAGE_SIZE != 0 || pageOffset > enclaveSize - PAGE_SIZE) {
      throw new IllegalArgumentException(
          "EADD offset 0x" + Long.toHexString(pageOffset) + " must be page aligned and inside the enclave (size 0x"
              + Long.toHexString(enclaveSize) + ")");
    }
    if ((secinfoFlags & ~SECINFO_ALLOWED) != 0) {
      throw new IllegalArgumentException(
          "SECINFO.FLAGS 0x" + Long.toHexString(secinfoFlags) + " of page 0x" + Long.toHexString(pageOffset)
              + " has reserved bits set (only R, W, X and the page type are allowed)");
    }
    long type = (secinfoFlags >>> 8) & 0xff;
    // TCS (1), REG (2) and the CET shadow-stack types SS_FIRST (5) and SS_REST (6) can be EADDed.
    if (type != 1 && type != 2 && type != 5 && type != 6) {
      throw new IllegalArgumentException(
          "page 0x" + Long.toHexString(pageOffset) + " has page type " + type
              + ", which cannot be added with EADD (use PT_TCS or PT_REG)");
    }
    if (!pages.add(pageOffset)) {
      throw new IllegalArgumentException("page 0x" + Long.toHexString(pageOffset) + " was already added");
    }
    // EADD: tag, u64 offset at 8, u64 SECINFO.FLAGS at 16, zero to 64.
    Le.put64(header, 0, TAG_EADD);
    Le.put64(header, 8, pageOffset);
    Le.put64(header, 16, secinfoFlags);
    emit(true, null);
    eaddCount++;
    return this;
  }

  /** Measures EEXTEND of the 256-byte {@code chunk256} at {@code chunkOffset} of an added page. */
  public Measurement eextend(long chunkOffset, Bytes chunk256) {
    checkChunk("EEXTEND", chunkOffset, chunk256);
    // EEXTEND: tag, u64 offset at 8, zero to 64, then the 256 data bytes.
    Le.put64(header, 0, TAG_EEXTEND);
    Le.put64(header, 8, chunkOffset);
    emit(true, chunk256);
    eextendCount++;
    return this;
  }

  /**
   * Records 256 bytes of page data that are loaded but not measured (an {@code UNMEASRD} record of
   * the {@code .sgxs} image); MRENCLAVE does not change.
   */
  public Measurement unmeasured(long chunkOffset, Bytes chunk256) {
    checkChunk("UNMEASRD", chunkOffset, chunk256);
    Le.put64(header, 0, TAG_UNMEASRD);
    Le.put64(header, 8, chunkOffset);
    emit(false, chunk256);
    unmeasuredCount++;
    return this;
  }

  /**
   * Adds a 4096-byte page: EADD, then 16 EEXTENDs when {@code measured} (otherwise its data goes
   * into 16 unmeasured records of the recording).
   */
  public Measurement addPage(long pageOffset, long secinfoFlags, Bytes page4096, boolean measured) {
    if (page4096.length() != PAGE_SIZE) {
      throw new IllegalArgumentException("a page must be 4096 bytes, got " + page4096.length());
    }
    eadd(pageOffset, secinfoFlags);
    for (int i = 0; i < PAGE_SIZE; i += CHUNK_SIZE) {
      Bytes chunk = page4096.slice(i, i + CHUNK_SIZE);
      if (measured) {
        eextend(pageOffset + i, chunk);
      } else {
        unmeasured(pageOffset + i, chunk);
      }
    }
    return this;
  }

  /** Finishes the measurement and returns the 32-byte MRENCLAVE; later calls return the same value. */
  public Bytes mrEnclave() {
    if (result == null) {
      result = Bytes.of(sha.digest());
    }
    return result;
  }

  /** Returns the recorded {@code .sgxs} stream so far; only for {@link #ecreateRecording}. */
  public Bytes sgxs() {
    if (recording == null) {
      throw new IllegalStateException("this measurement does not record; start it with ecreateRecording");
    }
    return Bytes.of(recording.toByteArray());
  }

  /** Returns the SSA frame size in pages given to ECREATE. */
  public long ssaFrameSizePages() {
    return ssaFrameSizePages;
  }

  /** Returns the enclave size given to ECREATE. */
  public long enclaveSize() {
    return enclaveSize;
  }

  /** Returns how many EADD records were measured. */
  public int eaddCount() {
    return eaddCount;
  }

  /** Returns how many EEXTEND records were measured. */
  public int eextendCount() {
    return eextendCount;
  }

  /** Returns how many unmeasured data records were recorded. */
  public int unmeasuredCount() {
    return unmeasuredCount;
  }

  private void checkOpen() {
    if (result != null) {
      throw new IllegalStateException("the measurement is finished; MRENCLAVE was already computed");
    }
  }

  private void checkChunk(String what, long chunkOffset, Bytes chunk256) {
    checkOpen();
    if (chunk256.length() != CHUNK_SIZE) {
      throw new IllegalArgumentException(what + " data must be 256 bytes, got " + chunk256.length());
    }
    if (chunkOffset < 0 || chunkOffset % CHUNK_SIZE != 0 || chunkOffset > enclaveSize - CHUNK_SIZE) {
      throw new IllegalArgumentException(
          what + " offset 0x" + Long.toHexString(chunkOffset) + " must be 256-byte aligned and inside the enclave (size 0x"
              + Long.toHexString(enclaveSize) + ")");
    }
    long page = chunkOffset & ~(long) (PAGE_SIZE - 1);
    if (!pages.contains(page)) {
      throw new IllegalArgumentException(
          what + " at 0x" + Long.toHexString(chunkOffset) + " extends page 0x" + Long.toHexString(page)
              + ", which was never added with EADD");
    }
  }

  private void emit(boolean hashed, Bytes data) {
    if (hashed) {
      sha.update(header);
      if (data != null) {
        data.updateDigest(sha);
      }
    }
    if (recording != null) {
      recording.write(header, 0, RECORD_SIZE);
      if (data != null) {
        byte[] d = data.toByteArray();
        recording.write(d, 0, d.length);
      }
    }
    java.util.Arrays.fill(header, (byte) 0);
  }

  /** Returns an 8-character ASCII tag (NUL-padded) as a little-endian u64. */
  static long tag(String ascii) {
    long v = 0;
    for (int i = ascii.length() - 1; i >= 0; i--) {
      v = v << 8 | (ascii.charAt(i) & 0xff);
    }
    return v;
  }
}
