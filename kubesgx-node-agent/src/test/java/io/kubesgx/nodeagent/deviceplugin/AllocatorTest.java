package io.kubesgx.nodeagent.deviceplugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.nodeagent.deviceplugin.ContainerAllocation.DeviceNodeSpec;
import io.kubesgx.nodeagent.deviceplugin.ContainerAllocation.MountSpec;
import io.kubesgx.nodeagent.discovery.SgxDeviceNode;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AllocatorTest {
  private static final DeviceSet EPC = DeviceSet.of(ResourceNames.EPC_MIB, "", 64, List.of(), true);
  private static final Set<SgxDeviceNode> IN_KERNEL =
      EnumSet.of(SgxDeviceNode.SGX_ENCLAVE, SgxDeviceNode.SGX_PROVISION, SgxDeviceNode.SGX_VEPC);

  private static ContainerAllocation only(Allocation a) {
    return ((Allocation.Granted) assertInstanceOf(Allocation.Granted.class, a)).containers().get(0);
  }

  @Test
  void allocate_epcOnInKernelNode_exposesEnclaveOnlyWithAmount() {
    ContainerAllocation c = only(Allocator.allocate(List.of(List.of("0", "1", "a")), EPC,
        DeviceRole.EPC, IN_KERNEL, AllocationPolicy.DEFAULT));
    assertEquals(List.of(new DeviceNodeSpec("/dev/sgx_enclave", "/dev/sgx_enclave", "rw")),
        c.devices());
    assertEquals(Map.of(Allocator.ENV_EPC_MIB, "3"), c.envs());
    assertTrue(c.mounts().isEmpty());
  }

  @Test
  void allocate_quoteHelperAndCdi_addsAesmMountEnvAndCdiName() {
    AllocationPolicy p = new AllocationPolicy(true, "/var/run/aesmd", Optional.of("kubesgx.io/sgx"),
        false);
    ContainerAllocation c = only(Allocator.allocate(List.of(List.of("0")), EPC, DeviceRole.EPC,
        IN_KERNEL, p));
    assertEquals("1", c.envs().get("SGX_AESM_ADDR"));
    assertEquals(List.of(new MountSpec("/var/run/aesmd", "/var/run/aesmd", false)), c.mounts());
    assertEquals(List.of("kubesgx.io/sgx=enclave"), c.cdiDevices());
  }

  @Test
  void allocate_dcapLegacyWithAliases_mapsToInKernelContainerPath() {
    Set<SgxDeviceNode> dcap = EnumSet.of(SgxDeviceNode.DCAP_ENCLAVE, SgxDeviceNode.DCAP_PROVISION);
    AllocationPolicy p = new AllocationPolicy(false, "/var/run/aesmd", Optional.empty(), true);
    ContainerAllocation c = only(Allocator.allocate(List.of(List.of("0")), EPC, DeviceRole.EPC,
        dcap, p));
    assertEquals(List.of(
        new DeviceNodeSpec("/dev/sgx/enclave", "/dev/sgx/enclave", "rw"),
        new DeviceNodeSpec("/dev/sgx/enclave", "/dev/sgx_enclave", "rw")), c.devices());
  }

  @Test
  void allocate_provisionOnIsgx_usesIsgxNode() {
    DeviceSet slots = DeviceSet.slots(ResourceNames.PROVISION, "provision-", 2, true);
    ContainerAllocation c = only(Allocator.allocate(List.of(List.of("provision-1")), slots,
        DeviceRole.PROVISION, EnumSet.of(SgxDeviceNode.ISGX), AllocationPolicy.DEFAULT));
    assertEquals(List.of(new DeviceNodeSpec("/dev/isgx", "/dev/isgx", "rw")), c.devices());
  }

  @Test
  void allocate_vepcPresent_neverHandedToContainers() {
    ContainerAllocation c = only(Allocator.allocate(List.of(List.of("0")), EPC, DeviceRole.EPC,
        EnumSet.of(SgxDeviceNode.SGX_VEPC, SgxDeviceNode.SGX_ENCLAVE), AllocationPolicy.DEFAULT));
    assertEquals(1, c.devices().size());
  }

  @Test
  void allocate_unknownOrDuplicateId_rejectsWholeRequest() {
    assertInstanceOf(Allocation.Rejected.class, Allocator.allocate(
        List.of(List.of("0"), List.of("1s")), EPC, DeviceRole.EPC, IN_KERNEL,
        AllocationPolicy.DEFAULT));
    assertInstanceOf(Allocation.Rejected.class, Allocator.allocate(
        List.of(List.of("0"), List.of("0")), EPC, DeviceRole.EPC, IN_KERNEL,
        AllocationPolicy.DEFAULT));
    assertInstanceOf(Allocation.Rejected.class, Allocator.allocate(
        List.of(List.of()), EPC, DeviceRole.EPC, IN_KERNEL, AllocationPolicy.DEFAULT));
  }

  @Test
  void allocate_unhealthy_rejects() {
    assertInstanceOf(Allocation.Rejected.class, Allocator.allocate(List.of(List.of("0")),
        EPC.withHealth(false), DeviceRole.EPC, Set.of(), AllocationPolicy.DEFAULT));
  }

  @Test
  void prefer_twoNodes_packsOnOneNode() {
    DeviceSet s = DeviceSet.of(ResourceNames.EPC_MIB, "", 8,
        List.of(new NumaRange(0, 0, 4), new NumaRange(1, 4, 4)), true);
    // Node 0 has 2 free (0, 1), node 1 has 4 free: 3 wanted → all from node 1.
    List<String> got = NumaPreference.prefer(s, List.of("0", "1", "4", "5", "6", "7"), List.of(), 3);
    assertEquals(List.of("4", "5", "6"), got);
    // Best fit: 2 wanted → node 0 (2 free) keeps node 1 whole.
    assertEquals(List.of("0", "1"),
        NumaPreference.prefer(s, List.of("0", "1", "4", "5", "6", "7"), List.of(), 2));
    // Must-include on node 1 pulls the rest to node 1.
    assertEquals(List.of("7", "4"),
        NumaPreference.prefer(s, List.of("0", "1", "4", "5", "6", "7"), List.of("7"), 2));
    // Does not fit on one node: largest first, then the other.
    assertEquals(5, NumaPreference.prefer(s, List.of("0", "1", "4", "5", "6", "7"), List.of(), 5)
        .size());
  }
}
