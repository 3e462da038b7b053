package io.kubesgx.nodeagent.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.json.Json;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiscoveryTest {
  @TempDir Path tmp;

  private NodeSgxInfo discover(String fixture) {
    Path root = HostRootFixtures.copy(DiscoveryTest.class, fixture, tmp.resolve(fixture));
    return Discovery.discover(DiscoveryOptions.of(new HostRoot(root)));
  }

  @Test
  void discover_inKernelFixture_readsSysfsPerNumaNodeAndCpuid() {
    NodeSgxInfo info = discover("in-kernel");
    assertEquals(DriverGeneration.IN_KERNEL, info.driver());
    assertEquals(EnumSet.of(SgxDeviceNode.SGX_ENCLAVE, SgxDeviceNode.SGX_PROVISION,
        SgxDeviceNode.SGX_VEPC), info.devices());
    assertEquals(EpcSource.SYSFS, info.epcSource());
    assertEquals(64L << 30, info.epcBytes());
    assertEquals(Map.of(0, 32L << 30, 1, 32L << 30), info.epcPerNumaNode());
    assertTrue(info.sgx2());
    assertTrue(info.flexibleLaunchControl());
    assertEquals(64L << 30, info.cpuid().orElseThrow().totalEpcBytes());
    assertEquals(2, info.cpuid().orElseThrow().sections().size());
    assertEquals(2, info.cpuFlags().orElseThrow().logicalCpus());
    assertTrue(info.epcCgroupAvailable());
    assertTrue(info.problems().isEmpty(), info.problems().toString());
  }

  @Test
  void discover_dcapLegacyFixture_usesCpuidWhenSysfsIsAbsent() {
    NodeSgxInfo info = discover("dcap-legacy");
    assertEquals(DriverGeneration.DCAP_LEGACY, info.driver());
    assertEquals(EpcSource.CPUID, info.epcSource());
    assertEquals(94, info.epcMiB());
    assertFalse(info.sgx2());
    assertFalse(info.epcCgroupAvailable());
    assertTrue(info.problems().isEmpty(), info.problems().toString());
  }

  @Test
  void discover_dcap141Fixture_seesBothNodeNames() {
    NodeSgxInfo info = discover("dcap-141");
    assertEquals(DriverGeneration.IN_KERNEL, info.driver());
    assertTrue(info.devices().contains(SgxDeviceNode.DCAP_ENCLAVE));
    assertTrue(info.devices().contains(SgxDeviceNode.SGX_PROVISION));
    assertEquals(98566144L, info.epcBytes());
  }

  @Test
  void discover_isgxFixture_reportsLegacyDriverWithoutLaunchControl() {
    NodeSgxInfo info = discover("isgx");
    assertEquals(DriverGeneration.ISGX, info.driver());
    assertFalse(info.flexibleLaunchControl());
    assertEquals(94, info.epcMiB());
  }

  @Test
  void discover_noSgxFixture_reportsNothing() {
    NodeSgxInfo info = discover("none");
    assertFalse(info.sgxEnabled());
    assertEquals(EpcSource.NONE, info.epcSource());
    assertEquals(0, info.epcBytes());
    assertTrue(info.problems().isEmpty(), info.problems().toString());
  }

  @Test
  void discover_malformedFixture_keepsDeviceNodesAndReportsEachProblem() {
    NodeSgxInfo info = discover("malformed");
    assertEquals(DriverGeneration.IN_KERNEL, info.driver());
    assertEquals(0, info.epcBytes());
    String problems = String.join("\n", info.problems());
    assertTrue(problems.contains("/proc/cpuinfo"), problems);
    assertTrue(problems.contains("node0/x86/sgx_total_bytes"), problems);
    assertTrue(problems.contains("node1/x86/sgx_total_bytes"), problems);
    assertTrue(problems.contains("misc.capacity"), problems);
    assertTrue(problems.contains("unknown EPC section type 7"), problems);
    assertTrue(problems.contains("EPC size is unknown"), problems);
  }

  @Test
  void discover_simulatedEpcWithoutSgx_advertisesSyntheticSize() {
    Path root = HostRootFixtures.copy(DiscoveryTest.class, "none", tmp.resolve("sim"));
    NodeSgxInfo info = Discovery.discover(
        new DiscoveryOptions(new HostRoot(root), OptionalLong.of(Sizes.parse("128Mi")), 0));
    assertTrue(info.sgxEnabled());
    assertTrue(info.simulated());
    assertEquals(EpcSource.SIMULATED, info.epcSource());
    assertEquals(128, info.epcMiB());
  }

  @Test
  void toJson_inKernelFixture_isStrictJsonWithHostPaths() throws Exception {
    NodeSgxInfo info = discover("in-kernel");
    String json = Json.write(info.toJson());
    var parsed = Json.parseObject(json);
    assertTrue(json.contains("\"/dev/sgx_enclave\""), json);
    assertFalse(json.contains(tmp.toString()), "reports host paths, not agent paths");
    assertTrue(Json.write(parsed).contains("\"epcMiB\":65536"), json);
    assertTrue(info.toText().contains("65536 MiB"));
  }

  @Test
  void hostRoot_resolveEscapingPath_throws() {
    HostRoot r = new HostRoot(tmp);
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> r.resolve("/../etc/passwd"));
    assertEquals(tmp.resolve("dev/sgx_enclave"), r.resolve("/dev/sgx_enclave"));
  }
}
