package io.kubesgx.enclave;

import io.kubesgx.common.ByteReader;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A parsed Fortanix {@code .sgxs} image: the enclave's measurement stream and the MRENCLAVE it
 * yields.
 *
 * <p>Format ({@code enclave-measurement.md} §1.2; Fortanix {@code doc/SGXS.md}): 64-byte records —
 * one ECREATE first, then EADD, EEXTEND (followed by 256 data bytes) and, in the enhanced format,
 * UNMEASRD (laid out exactly like EEXTEND: tag, u64 chunk offset, zero padding, 256 data bytes) whose
 * data is loaded but not hashed. An UNSIZED record (enclave size not yet final) cannot be measured
 * and is rejected.
 *
 * <p>Parsing is strict: exactly one ECREATE and it comes first; the enclave size is a power of two
 * of at least 4096 bytes; EADD offsets are page aligned and inside the enclave, each page is added
 * once, and its SECINFO flags are valid; EEXTEND and UNMEASRD offsets are 256-byte aligned and lie in
 * a page added before; all padding bytes are zero; there is no partial record at the end.
 *
 * @param ssaFrameSizePages ECREATE SSAFRAMESIZE in pages
 * @param enclaveSize ECREATE SECS.SIZE in bytes
 * @param eaddCount number of EADD records
 * @param eextendCount number of EEXTEND records
 * @param unmeasuredCount number of UNMEASRD records (not part of MRENCLAVE)
 * @param mrEnclave the 32-byte MRENCLAVE
 */
public record SgxsImage(
    long ssaFrameSizePages, long enclaveSize, int eaddCount, int eextendCount, int unmeasuredCount, Bytes mrEnclave) {
  /** Largest file {@link #read} accepts. */
  public static final long MAX_FILE_SIZE = 1L << 30;

  /** Checks the MRENCLAVE length. */
  public SgxsImage {
    if (mrEnclave.length() != 32) {
      throw new IllegalArgumentException("MRENCLAVE must be 32 bytes, got " + mrEnclave.length());
    }
  }

  /** Parses and measures a complete {@code .sgxs} stream. */
  public static SgxsImage parse(Bytes sgxsStream) throws MalformedInputException {
    return parse(ByteReader.of(sgxsStream));
  }

  /** Reads and measures an {@code .sgxs} file of at most {@link #MAX_FILE_SIZE} bytes. */
  public static SgxsImage read(Path file) throws IOException, MalformedInputException {
    long size = Files.size(file);
    if (size > MAX_FILE_SIZE) {
      throw new MalformedInputException(
          "SGXS file " + file + " is " + size + " bytes, more than the " + MAX_FILE_SIZE + "-byte (1 GiB) limit");
    }
    byte[] data = Files.readAllBytes(file);
    if (data.length > MAX_FILE_SIZE) {
      throw new MalformedInputException("SGXS file " + file + " grew beyond the 1 GiB limit while it was read");
    }
    return parse(ByteReader.of(data));
  }

  private static SgxsImage parse(ByteReader r) throws MalformedInputException {
    if (r.remaining() == 0) {
      throw new MalformedInputException("empty SGXS stream: an image starts with an ECREATE record");
    }
    int at = r.offset();
    ByteReader h = header(r, at);
    long tag = h.u64("SGXS record tag");
    if (tag == Measurement.TAG_UNSIZED) {
      throw new MalformedInputException(
          "SGXS stream starts with UNSIZED: the enclave size is not final, so it cannot be measured");
    }
    if (tag != Measurement.TAG_ECREATE) {
      throw new MalformedInputException(
          "SGXS stream must start with an ECREATE record, found tag " + describeTag(tag) + " at offset 0");
    }
    long ssaFrameSize = h.u32("ECREATE.ssaFrameSize");
    long size = h.u64("ECREATE.size");
    h.zeros(44, "ECREATE record padding");
    Measurement m;
    try {
      m = Measurement.ecreate(ssaFrameSize, size);
    } catch (IllegalArgumentException e) {
      throw new MalformedInputException("ECREATE at offset 0: " + e.getMessage(), e);
    }
    while (r.remaining() > 0) {
      at = r.offset();
      h = header(r, at);
      tag = h.u64("SGXS record tag");
      try {
        if (tag == Measurement.TAG_EADD) {
          long offset = h.u64("EADD.offset");
          long flags = h.u64("EADD.secinfoFlags");
          h.zeros(40, "EADD record padding at offset " + at);
          m.eadd(offset, flags);
        } else if (tag == Measurement.TAG_EEXTEND || tag == Measurement.TAG_UNMEASRD) {
          String what = tag == Measurement.TAG_EEXTEND ? "EEXTEND" : "UNMEASRD";
          long offset = h.u64(what + ".offset");
          h.zeros(48, what + " record padding at offset " + at);
          Bytes data = r.bytes(Measurement.CHUNK_SIZE, what + " data of the record at offset " + at);
          if (tag == Measurement.TAG_EEXTEND) {
            m.eextend(offset, data);
          } else {
            m.unmeasured(offset, data);
          }
        } else if (tag == Measurement.TAG_ECREATE || tag == Measurement.TAG_UNSIZED) {
          throw new MalformedInputException("second " + describeTag(tag) + " record at offset " + at
              + ": an image has exactly one, at the start");
        } else {
          throw new MalformedInputException("unknown SGXS record tag " + describeTag(tag) + " at offset " + at);
        }
      } catch (IllegalArgumentException e) {
        throw new MalformedInputException("record at offset " + at + ": " + e.getMessage(), e);
      }
    }
    return new SgxsImage(
        m.ssaFrameSizePages(), m.enclaveSize(), m.eaddCount(), m.eextendCount(), m.unmeasuredCount(), m.mrEnclave());
  }

  private static ByteReader header(ByteReader r, int at) throws MalformedInputException {
    if (r.remaining() < Measurement.RECORD_SIZE) {
      throw new MalformedInputException(
          "truncated SGXS record at offset " + at + ": a record header is 64 bytes, only " + r.remaining() + " left");
    }
    return r.sub(Measurement.RECORD_SIZE, "SGXS record header");
  }

  /** Renders a tag as hex plus its printable ASCII, e.g. {@code 0x0000000044444145 ("EADD")}. */
  private static String describeTag(long tag) {
    StringBuilder ascii = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      int c = (int) (tag >>> (8 * i)) & 0xff;
      if (c == 0) {
        continue;
      }
      ascii.append(c >= 0x20 && c < 0x7f ? (char) c : '.');
    }
    return String.format("0x%016x (\"%s\")", tag, ascii);
  }
}
