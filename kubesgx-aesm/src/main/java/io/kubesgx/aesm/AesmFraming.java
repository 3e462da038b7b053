package io.kubesgx.aesm;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Reads and writes one AESM frame: a 4-byte little-endian length followed by that many bytes of a
 * serialized protobuf message.
 *
 * <p>Source: Intel's {@code SocketTransporter} writes {@code sizeof(uint32_t)} bytes of the size in
 * host order (little-endian on x86-64) and then the data. The length is checked against a hard
 * maximum before anything is allocated.
 */
public final class AesmFraming {
  /** Size of the length prefix. */
  public static final int HEADER_SIZE = 4;
  /** The largest frame body we accept by default (1 MiB; a DCAP quote is about 5 KiB). */
  public static final int DEFAULT_MAX_FRAME = 1 << 20;

  /** A frame was malformed: the stream ended inside it, or its length was out of range. */
  public static final class FrameException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why the frame was rejected. */
    public enum Reason {
      /** End of stream before any byte of the frame: the peer closed cleanly. */
      CLOSED,
      /** End of stream inside the length prefix or the body. */
      TRUNCATED,
      /** The length is above the maximum. */
      OVERSIZED
    }

    private final Reason reason;

    FrameException(Reason reason, String message) {
      super(message);
      this.reason = reason;
    }

    /** Returns why the frame was rejected. */
    public Reason reason() {
      return reason;
    }
  }

  private AesmFraming() {}

  /**
   * Reads one frame body from {@code in}.
   *
   * @throws FrameException when the stream ends early or the length exceeds {@code maxFrame}
   * @throws IOException on other I/O errors
   */
  public static byte[] read(ReadableByteChannel in, int maxFrame) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    int n = fill(in, header);
    if (n == 0) {
      throw new FrameException(FrameException.Reason.CLOSED, "connection closed before a frame");
    }
    if (header.hasRemaining()) {
      throw new FrameException(FrameException.Reason.TRUNCATED, "connection closed inside the 4-byte length");
    }
    long length = Integer.toUnsignedLong(header.getInt(0));
    if (length > maxFrame) {
      throw new FrameException(
          FrameException.Reason.OVERSIZED, "frame length " + length + " exceeds the maximum of " + maxFrame + " bytes");
    }
    ByteBuffer body = ByteBuffer.allocate((int) length);
    fill(in, body);
    if (body.hasRemaining()) {
      throw new FrameException(
          FrameException.Reason.TRUNCATED, "connection closed after " + body.position() + " of " + length + " frame bytes");
    }
    return body.array();
  }

  /** Parses a complete frame held in memory (length prefix plus body); for tests and fuzzing. */
  public static byte[] decode(byte[] frame, int maxFrame) throws FrameException {
    if (frame.length < HEADER_SIZE) {
      throw new FrameException(
          frame.length == 0 ? FrameException.Reason.CLOSED : FrameException.Reason.TRUNCATED, "frame shorter than 4 bytes");
    }
    long length = Integer.toUnsignedLong(ByteBuffer.wrap(frame, 0, HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN).getInt());
    if (length > maxFrame) {
      throw new FrameException(
          FrameException.Reason.OVERSIZED, "frame length " + length + " exceeds the maximum of " + maxFrame + " bytes");
    }
    if (frame.length - HEADER_SIZE < length) {
      throw new FrameException(FrameException.Reason.TRUNCATED, "frame body shorter than its length " + length);
    }
    byte[] body = new byte[(int) length];
    System.arraycopy(frame, HEADER_SIZE, body, 0, body.length);
    return body;
  }

  /** Returns {@code body} with its 4-byte little-endian length prefix. */
  public static byte[] encode(byte[] body) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + body.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(body.length).put(body);
    return b.array();
  }

  /** Writes {@code body} as one frame. */
  public static void write(WritableByteChannel out, byte[] body) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(encode(body));
    while (b.hasRemaining()) {
      if (out.write(b) < 0) {
        throw new EOFException("channel closed while writing");
      }
    }
  }

  private static int fill(ReadableByteChannel in, ByteBuffer b) throws IOException {
    int total = 0;
    while (b.hasRemaining()) {
      int r = in.read(b);
      if (r < 0) {
        break;
      }
      total += r;
    }
    return total;
  }
}
