package io.kubesgx.aesm;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kubesgx.aesm.proto.AesmMessages.Response;
import org.junit.jupiter.api.Assertions;

class AesmFramingFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void decode_anyInput_returnsBoundedBodyOrFrameException(byte[] data) {
    byte[] body;
    try {
      body = AesmFraming.decode(data, 4096);
    } catch (AesmFraming.FrameException e) {
      return;
    }
    Assertions.assertTrue(body.length <= 4096);
    Assertions.assertArrayEquals(body, java.util.Arrays.copyOfRange(AesmFraming.encode(body), 4, 4 + body.length));
    try {
      Response r = Response.newBuilder().mergeFrom(body).buildPartial();
      Assertions.assertNotNull(r);
    } catch (InvalidProtocolBufferException e) {
      // garbage protobuf is an expected outcome
    }
  }

  @FuzzTest(maxDuration = "30s")
  void attKeyId_parse_anyInput_onlyIllegalArgumentAndRoundTrips(byte[] data) {
    AttKeyId k;
    try {
      k = AttKeyId.parse(data);
    } catch (IllegalArgumentException e) {
      return;
    }
    Assertions.assertEquals(k, AttKeyId.parse(k.encode()));
  }
}
