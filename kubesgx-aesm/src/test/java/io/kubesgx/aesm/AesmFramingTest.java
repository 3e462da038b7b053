package io.kubesgx.aesm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import org.junit.jupiter.api.Test;

class AesmFramingTest {
  private static ReadableByteChannel in(byte[] b) {
    return Channels.newChannel(new ByteArrayInputStream(b));
  }

  @Test
  void encode_prefixesLittleEndianLength() {
    byte[] f = AesmFraming.encode(new byte[] {9, 8, 7});
    assertArrayEquals(new byte[] {3, 0, 0, 0, 9, 8, 7}, f);
  }

  @Test
  void read_roundTripsEncode() throws Exception {
    byte[] body = new byte[300];
    body[299] = 42;
    assertArrayEquals(body, AesmFraming.read(in(AesmFraming.encode(body)), 1024));
    assertArrayEquals(body, AesmFraming.decode(AesmFraming.encode(body), 1024));
  }

  @Test
  void read_emptyStream_isClosed() {
    AesmFraming.FrameException e = assertThrows(AesmFraming.FrameException.class, () -> AesmFraming.read(in(new byte[0]), 16));
    assertEquals(AesmFraming.FrameException.Reason.CLOSED, e.reason());
  }

  @Test
  void read_truncatedLength_isTruncated() {
    AesmFraming.FrameException e = assertThrows(AesmFraming.FrameException.class, () -> AesmFraming.read(in(new byte[] {1, 0}), 16));
    assertEquals(AesmFraming.FrameException.Reason.TRUNCATED, e.reason());
  }

  @Test
  void read_truncatedBody_isTruncated() {
    AesmFraming.FrameException e =
        assertThrows(AesmFraming.FrameException.class, () -> AesmFraming.read(in(new byte[] {5, 0, 0, 0, 1, 2}), 16));
    assertEquals(AesmFraming.FrameException.Reason.TRUNCATED, e.reason());
  }

  @Test
  void read_oversizedLength_isRejectedBeforeAllocating() {
    // 0xffffffff: 4 GiB; must be refused from the header alone
    AesmFraming.FrameException e = assertThrows(AesmFraming.FrameException.class,
        () -> AesmFraming.read(in(new byte[] {-1, -1, -1, -1}), AesmFraming.DEFAULT_MAX_FRAME));
    assertEquals(AesmFraming.FrameException.Reason.OVERSIZED, e.reason());
    assertThrows(AesmFraming.FrameException.class, () -> AesmFraming.decode(new byte[] {17, 0, 0, 0}, 16));
  }

  @Test
  void read_zeroLength_isEmptyBody() throws Exception {
    assertEquals(0, AesmFraming.read(in(new byte[] {0, 0, 0, 0}), 16).length);
  }
}
