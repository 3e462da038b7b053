package io.kubesgx.collateral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.MalformedInputException;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link SignedBodies#parsePcsTcbInfoBody}: only MalformedInputException may escape, and an
 * accepted body's slice is a substring that parses on its own to the same TCB info.
 */
class SignedBodiesFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void parsePcsTcbInfoBody(byte[] data) {
    String body = new String(data, StandardCharsets.UTF_8);
    SignedTcbInfo s;
    try {
      s = SignedBodies.parsePcsTcbInfoBody(body);
    } catch (MalformedInputException expected) {
      return;
    }
    assertTrue(body.contains(s.signedJson()));
    assertEquals(64, s.signature().length());
    try {
      assertEquals(s, SignedTcbInfo.parse(s.signedJson(), s.signature()));
    } catch (MalformedInputException e) {
      throw new AssertionError("accepted slice does not parse on its own", e);
    }
  }
}
