package io.kubesgx.status.attestation;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.MalformedInputException;

/** Fuzz target: the parser returns a status or throws {@link MalformedInputException}, nothing else. */
class AttestationStatusParserFuzzTest {
  @FuzzTest
  void parse_arbitraryBytes(byte[] body) {
    try {
      AttestationStatusParser.parse(body);
    } catch (MalformedInputException expected) {
      // the only failure allowed
    }
  }
}
