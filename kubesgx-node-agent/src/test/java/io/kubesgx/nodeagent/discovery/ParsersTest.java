package io.kubesgx.nodeagent.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.MalformedInputException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParsersTest {
  @Test
  void cpuFlags_sgxAndLc_detected() throws Exception {
    CpuFlags f = CpuFlags.parse("processor\t: 0\nflags\t\t: fpu sgx sgx_lc\n");
    assertTrue(f.sgx());
    assertTrue(f.sgxLc());
    assertEquals(1, f.logicalCpus());
  }

  @Test
  void cpuFlags_similarNames_notConfused() throws Exception {
    CpuFlags f = CpuFlags.parse("processor : 0\nflags : fpu nosgx sgx_lc2\n");
    assertFalse(f.sgx());
    assertFalse(f.sgxLc());
  }

  @Test
  void cpuFlags_noFlagsLine_throws() {
    assertThrows(MalformedInputException.class, () -> CpuFlags.parse("processor : 0\n"));
    assertThrows(MalformedInputException.class, () -> CpuFlags.parse(""));
  }

  @Test
  void sysfsNumber_valid_parsed() throws Exception {
    assertEquals(98566144L, SysfsNumber.parse("98566144\n", "x"));
    assertEquals(0L, SysfsNumber.parse("0", "x"));
    assertEquals(Long.MAX_VALUE, SysfsNumber.parse("9223372036854775807\n", "x"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "\n", "-1", "1 ", " 1", "1\n\n", "0x10", "9223372036854775808",
      "12345678901234567890", "1.5"})
  void sysfsNumber_invalid_throws(String s) {
    assertThrows(MalformedInputException.class, () -> SysfsNumber.parse(s, "x"));
  }

  @Test
  void miscCgroupFile_capacityAndMax_parsed() throws Exception {
    assertEquals(Map.of("sgx_epc", 1024L, "res_a", MiscCgroupFile.MAX),
        MiscCgroupFile.parse("res_a max\nsgx_epc 1024\n"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sgx_epc\n", "sgx_epc 1 2\n", "SGX 1\n", "sgx_epc 1\nsgx_epc 2\n",
      "sgx_epc -1\n", " 1\n"})
  void miscCgroupFile_invalid_throws(String s) {
    assertThrows(MalformedInputException.class, () -> MiscCgroupFile.parse(s));
  }

  @Test
  void sgxCpuid_noSgxShortDump_parsed() throws Exception {
    SgxCpuid c = SgxCpuid.parse(new byte[16]);
    assertFalse(c.sgx());
    assertEquals(0, c.totalEpcBytes());
  }

  @Test
  void sgxCpuid_partialRecord_throws() {
    assertThrows(MalformedInputException.class, () -> SgxCpuid.parse(new byte[17]));
    byte[] sgxButTruncated = new byte[16];
    sgxButTruncated[4] = 4;
    assertThrows(MalformedInputException.class, () -> SgxCpuid.parse(sgxButTruncated));
    assertThrows(MalformedInputException.class, () -> SgxCpuid.parse(new byte[16 * 12]));
  }

  @Test
  void sizes_quantities_parsed() {
    assertEquals(128L << 20, Sizes.parse("128Mi"));
    assertEquals(1L << 30, Sizes.parse("1Gi"));
    assertEquals(4096, Sizes.parse("4096"));
    assertEquals(5_000_000, Sizes.parse("5M"));
    assertEquals("94Mi", Sizes.format(98566144L));
    assertThrows(IllegalArgumentException.class, () -> Sizes.parse("12Qi"));
    assertThrows(IllegalArgumentException.class, () -> Sizes.parse("-1"));
    assertThrows(IllegalArgumentException.class, () -> Sizes.parse("99999999999Ti"));
  }
}
