package io.kubesgx.pck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.MalformedInputException;

/** Fuzzes {@link SgxExtensionParser#parse(byte[], PckCa)}: only MalformedInputException may escape. */
class SgxExtensionParserFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void parse_anyBytes_onlyMalformedInputEscapes(byte[] data) {
    for (PckCa ca : PckCa.values()) {
      try {
        SgxExtensions ext = SgxExtensionParser.parse(data, ca);
        // Properties of any accepted value.
        assertEquals(16, ext.tcbComponents().size());
        assertEquals(ca == PckCa.PLATFORM, ext.configuration().isPresent());
        assertEquals(ca == PckCa.PLATFORM, ext.platformInstanceId().isPresent());
      } catch (MalformedInputException expected) {
        // the only allowed failure
      }
    }
  }
}
