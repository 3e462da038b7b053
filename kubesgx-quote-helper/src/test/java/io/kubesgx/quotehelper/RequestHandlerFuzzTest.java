package io.kubesgx.quotehelper;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.aesm.proto.AesmMessages.Response;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;

/**
 * Fuzzes the request handler (protobuf decoding, classification, the sim backend's checks). The frame
 * decoder's fuzz target is {@code AesmFramingFuzzTest} in kubesgx-aesm.
 */
class RequestHandlerFuzzTest {
  private static RequestHandler handler;

  private static synchronized RequestHandler handler() throws Exception {
    if (handler == null) {
      handler = new RequestHandler(SimBackend.create(SimFixture.get().platform, 3), Duration.ofSeconds(5));
    }
    return handler;
  }

  @FuzzTest(maxDuration = "30s")
  void handle_anyBody_answersOrClosesNeverThrows(byte[] body) throws Exception {
    RequestHandler.Outcome o = handler().handle(body);
    Assertions.assertNotNull(o.type());
    if (o.response().isPresent()) {
      Response r = o.response().get();
      Assertions.assertTrue(r.isInitialized(), "answers must carry their errorCode");
      Assertions.assertTrue(Responses.errorCode(r) >= 0);
    } else {
      Assertions.assertEquals("closed", o.result());
    }
  }
}
