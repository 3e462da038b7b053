package io.kubesgx.keybroker.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Splitting {@code /t/{tenant}/…} off request paths, and tenant-name validation. */
class TenantPathTest {
  @Test
  void parse_noPrefix_defaultTenantWholePath() {
    assertEquals(Optional.of(new TenantPath("default", "/keys/k/release")), TenantPath.parse("/keys/k/release"));
  }

  @Test
  void parse_prefix_tenantAndRest() {
    assertEquals(Optional.of(new TenantPath("team-a", "/keys/k")), TenantPath.parse("/t/team-a/keys/k"));
    assertEquals(Optional.of(new TenantPath("team-a", "/kbs/v0/auth")), TenantPath.parse("/t/team-a/kbs/v0/auth"));
  }

  @Test
  void parse_badTenantOrNothingAfterIt_empty() {
    for (String p : new String[] {"/t/Team-A/keys/k", "/t/-a/keys", "/t/a-/keys", "/t//keys", "/t/team-a", "/t/a_b/keys",
        "/t/" + "a".repeat(64) + "/keys", "keys", "/t/a.b/keys"}) {
      assertTrue(TenantPath.parse(p).isEmpty(), p);
    }
  }

  @Test
  void isValidName_dnsLabels() {
    assertTrue(TenantPath.isValidName("a"));
    assertTrue(TenantPath.isValidName("team-1"));
    assertTrue(TenantPath.isValidName("a".repeat(63)));
    assertFalse(TenantPath.isValidName("a".repeat(64)));
    assertFalse(TenantPath.isValidName(""));
    assertFalse(TenantPath.isValidName(null));
  }

  @Test
  void prefix_defaultIsEmpty() {
    assertEquals("", TenantPath.prefix("default"));
    assertEquals("/t/x", TenantPath.prefix("x"));
  }
}
