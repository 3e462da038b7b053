package io.kubesgx.status.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.status.AttestationStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The status document's parser: the documented shape parses, anything else is a MalformedInputException. */
class AttestationStatusParserTest {
  static final String DOC = "{\"schemaVersion\":1,\"now\":\"2026-12-06T12:00:00Z\",\"signingKey\":{\"kid\":\"k\","
      + "\"algorithm\":\"ES256\",\"createdAt\":\"2026-12-01T00:00:00Z\",\"activatesAt\":\"2026-12-01T00:00:00Z\","
      + "\"ageSeconds\":1},\"collateral\":[{\"key\":\"sgx/00906ed50000/processor/standard\",\"tee\":\"sgx\","
      + "\"fmspc\":\"00906ed50000\",\"stale\":true,\"expired\":false}]}";

  @Test
  void parse_documentedShape_records() throws Exception {
    AttestationStatus s = AttestationStatusParser.parse(DOC.getBytes(StandardCharsets.UTF_8));
    assertEquals(new AttestationStatus(Instant.parse("2026-12-06T12:00:00Z"),
        new AttestationStatus.SigningKey("k", "ES256", Instant.parse("2026-12-01T00:00:00Z")),
        List.of(new AttestationStatus.Collateral("sgx/00906ed50000/processor/standard", "00906ED50000",
            Optional.empty(), true, false))), s);
  }

  @Test
  void parse_badInputs_malformed() {
    for (String bad : List.of("", "[]", "{}", DOC.replace("\"schemaVersion\":1", "\"schemaVersion\":2"),
        DOC.replace("00906ed50000\",\"stale", "0090\",\"stale"), DOC.replace("\"stale\":true", "\"stale\":\"yes\""),
        DOC.replace("2026-12-06T12:00:00Z", "yesterday"), "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}")) {
      assertThrows(MalformedInputException.class, () -> AttestationStatusParser.parse(bad.getBytes(StandardCharsets.UTF_8)), bad);
    }
    assertThrows(MalformedInputException.class, () -> AttestationStatusParser.parse(new byte[] {'{', (byte) 0xff, '}'}));
  }
}
