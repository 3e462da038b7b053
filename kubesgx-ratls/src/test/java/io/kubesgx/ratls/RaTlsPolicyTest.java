package io.kubesgx.ratls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.ratls.RaTlsException.Reason;
import io.kubesgx.ratls.RaTlsException.Step;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RaTlsPolicyTest {
  private static final String HEX = "0123456789abcdef".repeat(4);

  private static Map<String, String> allAny() {
    Map<String, String> env = new HashMap<>();
    env.put("RA_TLS_MRENCLAVE", "any");
    env.put("RA_TLS_MRSIGNER", "any");
    env.put("RA_TLS_ISV_PROD_ID", "any");
    env.put("RA_TLS_ISV_SVN", "any");
    return env;
  }

  @Test
  void builder_nothingSet_acceptsOnlyUpToDateNonDebug() {
    RaTlsPolicy p = RaTlsPolicy.builder().build();
    assertTrue(p.acceptsAnyEnclave());
    assertFalse(p.allowOutdatedTcb() || p.allowHwConfigNeeded() || p.allowSwHardeningNeeded() || p.allowDebugEnclave());
  }

  @Test
  void fromEnvironment_allAny_acceptsAnyMeasurement() throws Exception {
    RaTlsPolicy p = RaTlsPolicy.fromEnvironment(allAny());
    assertEquals(RaTlsPolicy.builder().build(), p);
  }

  @ParameterizedTest
  @ValueSource(strings = {"RA_TLS_MRENCLAVE", "RA_TLS_MRSIGNER", "RA_TLS_ISV_PROD_ID", "RA_TLS_ISV_SVN"})
  void fromEnvironment_unsetMeasurementVariable_throwsInit(String name) {
    Map<String, String> env = allAny();
    env.remove(name);
    RaTlsException e = assertThrows(RaTlsException.class, () -> RaTlsPolicy.fromEnvironment(env));
    assertEquals(Step.INIT, e.step());
    assertEquals(Reason.BAD_CONFIGURATION, e.reason());
    assertTrue(e.getMessage().contains(name), e.getMessage());
  }

  @Test
  void fromEnvironment_values_areParsedAndHexLowerCased() throws Exception {
    Map<String, String> env = allAny();
    env.put("RA_TLS_MRENCLAVE", HEX.toUpperCase(java.util.Locale.ROOT));
    env.put("RA_TLS_MRSIGNER", HEX);
    env.put("RA_TLS_ISV_PROD_ID", "7");
    env.put("RA_TLS_ISV_SVN", "65535");
    env.put("RA_TLS_ALLOW_OUTDATED_TCB_INSECURE", "1");
    env.put("RA_TLS_ALLOW_HW_CONFIG_NEEDED", "1");
    env.put("RA_TLS_ALLOW_SW_HARDENING_NEEDED", "0");
    env.put("RA_TLS_ALLOW_DEBUG_ENCLAVE_INSECURE", "1");
    RaTlsPolicy p = RaTlsPolicy.fromEnvironment(env);
    assertEquals(Optional.of(Set.of(HEX)), p.mrEnclaves());
    assertEquals(Optional.of(Set.of(HEX)), p.mrSigners());
    assertEquals(OptionalInt.of(7), p.isvProdId());
    assertEquals(OptionalInt.of(65535), p.minIsvSvn());
    assertTrue(p.allowOutdatedTcb());
    assertTrue(p.allowHwConfigNeeded());
    assertFalse(p.allowSwHardeningNeeded());
    assertTrue(p.allowDebugEnclave());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "abc", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00", "ANY"})
  void fromEnvironment_badMrEnclave_throwsInit(String value) {
    Map<String, String> env = allAny();
    env.put("RA_TLS_MRENCLAVE", value);
    RaTlsException e = assertThrows(RaTlsException.class, () -> RaTlsPolicy.fromEnvironment(env));
    assertEquals(Step.INIT, e.step());
    assertTrue(e.getMessage().contains("RA_TLS_MRENCLAVE"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-1", "65536", "1e3", " 7", "0x10", "999999"})
  void fromEnvironment_badSvn_throwsInit(String value) {
    Map<String, String> env = allAny();
    env.put("RA_TLS_ISV_SVN", value);
    RaTlsException e = assertThrows(RaTlsException.class, () -> RaTlsPolicy.fromEnvironment(env));
    assertEquals(Step.INIT, e.step());
  }

  @ParameterizedTest
  @ValueSource(strings = {"true", "yes", "2", " 1"})
  void fromEnvironment_knobNotZeroOrOne_throwsInit(String value) {
    Map<String, String> env = allAny();
    env.put("RA_TLS_ALLOW_DEBUG_ENCLAVE_INSECURE", value);
    RaTlsException e = assertThrows(RaTlsException.class, () -> RaTlsPolicy.fromEnvironment(env));
    assertEquals(Step.INIT, e.step());
    assertTrue(e.getMessage().contains("RA_TLS_ALLOW_DEBUG_ENCLAVE_INSECURE"), e.getMessage());
  }

  @Test
  void builder_badValues_throwIllegalArgument() {
    assertThrows(IllegalArgumentException.class, () -> RaTlsPolicy.builder().mrEnclave("00").build());
    assertThrows(IllegalArgumentException.class, () -> RaTlsPolicy.builder().mrSigner(HEX + "0").build());
    assertThrows(IllegalArgumentException.class, () -> RaTlsPolicy.builder().isvProdId(65536).build());
    assertThrows(IllegalArgumentException.class, () -> RaTlsPolicy.builder().minIsvSvn(-1).build());
    assertThrows(IllegalArgumentException.class,
        () -> new RaTlsPolicy(Optional.of(Set.of()), Optional.empty(), OptionalInt.empty(), OptionalInt.empty(),
            false, false, false, false));
  }
}
