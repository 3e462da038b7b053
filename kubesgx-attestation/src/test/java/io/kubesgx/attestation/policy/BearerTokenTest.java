package io.kubesgx.attestation.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class BearerTokenTest {
  static final String TOKEN = "0123456789abcdef0123456789abcdef";

  @Test
  void parse_emptyOrMissingToken_empty() {
    for (String h : new String[] {"Bearer ", "Bearer", "Bearer   ", " Bearer \t", "", "Basic abc", "Bearer a b", "Bearer\ta"}) {
      assertEquals(Optional.empty(), BearerToken.parse(h), "[" + h + "]");
      assertFalse(BearerToken.matches(Optional.of(h), TOKEN), "[" + h + "]");
    }
    assertFalse(BearerToken.matches(Optional.empty(), TOKEN));
  }

  @Test
  void parse_surroundingWhitespaceAndSchemeCase_sameTokenAsHttp11Trimmed() {
    for (String h : new String[] {"Bearer " + TOKEN, "bearer " + TOKEN, "  BEARER   " + TOKEN + "  ", "Bearer " + TOKEN + "\t"}) {
      assertEquals(Optional.of(TOKEN), BearerToken.parse(h), "[" + h + "]");
      assertTrue(BearerToken.matches(Optional.of(h), TOKEN), "[" + h + "]");
    }
    assertFalse(BearerToken.matches(Optional.of("Bearer " + TOKEN + "0"), TOKEN));
  }

  @Test
  void checkAdminToken_shortOrNotToken68_throwsWithHint() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> BearerToken.checkAdminToken(""))
        .getMessage().contains("empty"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> BearerToken.checkAdminToken(TOKEN.substring(1)))
        .getMessage().contains("31 bytes"));
    assertThrows(IllegalArgumentException.class, () -> BearerToken.checkAdminToken(TOKEN + " " + TOKEN));
    assertEquals(TOKEN, BearerToken.checkAdminToken(TOKEN));
  }
}
