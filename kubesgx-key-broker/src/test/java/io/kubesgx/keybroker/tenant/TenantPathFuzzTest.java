package io.kubesgx.keybroker.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Fuzzes the tenant-prefix split of request paths (untrusted): it returns a valid tenant and a rest
 * starting with {@code /}, or empty, and never throws; the prefix and the rest give the path back.
 */
class TenantPathFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void parse(byte[] data) {
    String path = new String(data, StandardCharsets.UTF_8);
    Optional<TenantPath> p = TenantPath.parse(path);
    if (p.isEmpty()) {
      return;
    }
    assertTrue(TenantPath.isValidName(p.get().tenant()));
    assertTrue(p.get().rest().startsWith("/"));
    // /t/default/… addresses the default tenant explicitly; otherwise the prefix is the tenant's own.
    assertEquals(path, (path.startsWith("/t/") ? "/t/" + p.get().tenant() : "") + p.get().rest());
  }
}
