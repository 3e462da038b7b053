package io.kubesgx.common.json;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.MalformedInputException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assertions;

class JsonFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void parse_anyInput_onlyMalformedEscapesAndWriteRoundTrips(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    JsonValue v;
    try {
      v = Json.parse(text);
    } catch (MalformedInputException e) {
      return;
    }
    try {
      Assertions.assertEquals(v, Json.parse(Json.write(v)));
    } catch (MalformedInputException e) {
      Assertions.fail("written JSON does not parse: " + e.getMessage());
    }
  }
}
