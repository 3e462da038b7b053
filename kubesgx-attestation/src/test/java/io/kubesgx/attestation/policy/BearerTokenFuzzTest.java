package io.kubesgx.attestation.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Fuzzes the Authorization header parser: it never throws, and only an exact token matches. */
class BearerTokenFuzzTest {
  static final String TOKEN = "fuzz-admin-token-0123456789abcdef0123";

  @FuzzTest(maxDuration = "30s")
  void parse(byte[] data) {
    String header = new String(data, StandardCharsets.UTF_8);
    Optional<String> token = BearerToken.parse(header);
    token.ifPresent(t -> {
      assertTrue(!t.isEmpty() && t.strip().equals(t), t);
      assertTrue(header.strip().regionMatches(true, 0, "bearer ", 0, 7), header);
    });
    assertEquals(token.equals(Optional.of(TOKEN)), BearerToken.matches(Optional.of(header), TOKEN), header);
  }
}
