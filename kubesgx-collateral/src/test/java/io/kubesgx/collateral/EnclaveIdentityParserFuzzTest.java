package io.kubesgx.collateral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.MalformedInputException;
import java.nio.charset.StandardCharsets;

/** Fuzzes {@link EnclaveIdentityParser#parse}: only MalformedInputException may escape. */
class EnclaveIdentityParserFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void parse(byte[] data) {
    EnclaveIdentity id;
    try {
      id = EnclaveIdentityParser.parse(new String(data, StandardCharsets.UTF_8));
    } catch (MalformedInputException expected) {
      return;
    }
    assertEquals(2, id.version());
    assertEquals(4, id.miscselect().length());
    assertEquals(16, id.attributes().length());
    assertEquals(32, id.mrSigner().length());
    assertTrue(!id.tcbLevels().isEmpty());
    for (int i = 1; i < id.tcbLevels().size(); i++) {
      assertTrue(id.tcbLevels().get(i - 1).isvSvn() > id.tcbLevels().get(i).isvSvn());
    }
  }
}
