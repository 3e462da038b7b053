package io.kubesgx.nodeagent.deviceplugin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kubesgx.nodeagent.discovery.Discovery;
import io.kubesgx.nodeagent.discovery.DiscoveryOptions;
import io.kubesgx.nodeagent.discovery.HostRoot;
import io.kubesgx.nodeagent.discovery.HostRootFixtures;
import io.kubesgx.nodeagent.discovery.NodeSgxInfo;
import io.kubesgx.nodeagent.discovery.Sizes;
import io.kubesgx.proto.deviceplugin.v1beta1.ContainerAllocateResponse;
import io.kubesgx.proto.deviceplugin.v1beta1.ContainerPreferredAllocationRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.DeviceSpec;
import io.kubesgx.proto.deviceplugin.v1beta1.ListAndWatchResponse;
import io.kubesgx.proto.deviceplugin.v1beta1.PreferredAllocationRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.RegisterRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The device plugins against a fake kubelet over real UNIX sockets. */
class DevicePluginKubeletTest {
  private Path dir;
  private Path hostRoot;
  private FakeKubelet kubelet;
  private PluginSupervisor supervisor;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory(Path.of("/tmp"), "ks");
    hostRoot = Files.createTempDirectory(Path.of("/tmp"), "ksroot");
    kubelet = new FakeKubelet(dir).start();
  }

  @AfterEach
  void tearDown() throws IOException {
    if (supervisor != null) {
      supervisor.close();
    }
    kubelet.close();
    for (Path p : List.of(dir, hostRoot)) {
      try (Stream<Path> w = Files.walk(p)) {
        w.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private PluginSupervisor startAgent(String fixture, Optional<Long> simulateEpc,
      AllocationPolicy policy, int slots) throws IOException {
    if (fixture != null) {
      HostRootFixtures.driverFixture(fixture, hostRoot);
    }
    NodeSgxInfo info = Discovery.discover(new DiscoveryOptions(new HostRoot(hostRoot),
        simulateEpc.map(java.util.OptionalLong::of).orElse(java.util.OptionalLong.empty()), 0));
    EpcPlan plan = EpcPlan.plan(info.epcPerNumaNode(), true, Long.MAX_VALUE,
        EpcPlan.DEFAULT_BUDGET);
    boolean multiNuma = info.epcPerNumaNode().size() > 1;
    List<DevicePlugin> plugins = new ArrayList<>();
    plugins.add(new DevicePlugin(plan.devices().withHealth(
        PluginSupervisor.healthy(DeviceRole.EPC, info.devices(), info.simulated())),
        DeviceRole.EPC, policy, info.devices(), multiNuma));
    if (slots > 0) {
      plugins.add(new DevicePlugin(DeviceSet.slots(ResourceNames.ENCLAVE, "enclave-", slots,
          PluginSupervisor.healthy(DeviceRole.ENCLAVE, info.devices(), info.simulated())),
          DeviceRole.ENCLAVE, policy, info.devices(), false));
      plugins.add(new DevicePlugin(DeviceSet.slots(ResourceNames.PROVISION, "provision-", slots,
          PluginSupervisor.healthy(DeviceRole.PROVISION, info.devices(), info.simulated())),
          DeviceRole.PROVISION, policy, info.devices(), false));
    }
    PluginSupervisor.Config cfg = new PluginSupervisor.Config(dir, Duration.ofMillis(50),
        Duration.ofMillis(50), Duration.ofSeconds(15));
    supervisor = new PluginSupervisor(cfg, plugins, new HostRoot(hostRoot), info.simulated(),
        UdsTransport.auto(), r -> { });
    supervisor.start();
    return supervisor;
  }

  @Test
  void register_simulatedEpc_registersOnceWithExpectedFieldsAndFullHealthyList() throws Exception {
    startAgent(null, Optional.of(64 * Sizes.MIB), AllocationPolicy.DEFAULT, 0);
    FakeKubelet.Connection c = kubelet.awaitRegistration(ResourceNames.EPC_MIB);
    RegisterRequest r = c.request;
    assertEquals("v1beta1", r.getVersion());
    assertEquals("kubesgx-kubernetes.azure.com-sgx_epc_mem_in_MiB.sock", r.getEndpoint());
    assertFalse(r.getOptions().getPreStartRequired());
    assertEquals(r.getOptions(), c.options);
    assertEquals("localhost", kubelet.authorities.poll());
    ListAndWatchResponse first = c.next();
    assertEquals(64, first.getDevicesCount());
    assertTrue(first.getDevicesList().stream().allMatch(d -> d.getHealth().equals("Healthy")));
    // The stream stays open and nothing else is sent without a change.
    assertNull(c.updates.poll(300, java.util.concurrent.TimeUnit.MILLISECONDS));
    assertFalse(c.completed);
    assertTrue(c.streamErrors.isEmpty());
    assertTrue(supervisor.allRegistered());
  }

  @Test
  void listAndWatch_256GiB_cappedListFitsKubeletLimit() throws Exception {
    startAgent(null, Optional.of(256L << 30), AllocationPolicy.DEFAULT, 0);
    FakeKubelet.Connection c = kubelet.awaitRegistration(ResourceNames.EPC_MIB);
    ListAndWatchResponse first = c.next();
    assertTrue(first.getDevicesCount() > 120_000 && first.getDevicesCount() < 262_144,
        "count " + first.getDevicesCount());
    assertTrue(first.getSerializedSize() <= EpcPlan.DEFAULT_BUDGET);
  }

  @Test
  void allocate_inKernelFixture_returnsEnclaveNodeAndSlotsReturnTheirNodes() throws Exception {
    startAgent("in-kernel", Optional.empty(), AllocationPolicy.DEFAULT, 4);
    FakeKubelet.Connection epc = kubelet.awaitRegistration(ResourceNames.EPC_MIB);
    assertEquals(65536, epc.next().getDevicesCount());
    var resp = epc.allocate(List.of(List.of("0", "1"), List.of("2")));
    assertEquals(2, resp.getContainerResponsesCount());
    ContainerAllocateResponse c0 = resp.getContainerResponses(0);
    assertEquals(List.of(DeviceSpec.newBuilder().setHostPath("/dev/sgx_enclave")
        .setContainerPath("/dev/sgx_enclave").setPermissions("rw").build()), c0.getDevicesList());
    assertEquals("2", c0.getEnvsMap().get(Allocator.ENV_EPC_MIB));
    assertEquals("1", resp.getContainerResponses(1).getEnvsMap().get(Allocator.ENV_EPC_MIB));

    FakeKubelet.Connection prov = kubelet.connections.get(ResourceNames.PROVISION);
    if (prov == null) {
      prov = kubelet.awaitRegistration(ResourceNames.PROVISION);
    }
    assertEquals(4, prov.next().getDevicesCount());
    assertEquals("/dev/sgx_provision",
        prov.allocate(List.of(List.of("provision-3"))).getContainerResponses(0)
            .getDevices(0).getHostPath());
  }

  @Test
  void allocate_dcapLegacyFixtureWithQuoteHelper_returnsLegacyPathAndAesmWiring()
      throws Exception {
    AllocationPolicy p = new AllocationPolicy(true, "/var/run/aesmd",
        Optional.of("kubesgx.io/sgx"), true);
    startAgent("dcap-legacy", Optional.empty(), p, 0);
    FakeKubelet.Connection epc = kubelet.awaitRegistration(ResourceNames.EPC_MIB);
    assertEquals(94, epc.next().getDevicesCount());
    ContainerAllocateResponse c = epc.allocate(List.of(List.of("2l"))).getContainerResponses(0);
    assertEquals(List.of("/dev/sgx/enclave", "/dev/sgx/enclave"),
        c.getDevicesList().stream().map(DeviceSpec::getHostPath).toList());
    assertEquals(List.of("/dev/sgx/enclave", "/dev/sgx_enclave"),
        c.getDevicesList().stream().map(DeviceSpec::getContainerPath).toList());
    assertEquals("1", c.getEnvsMap().get("SGX_AESM_ADDR"));
    assertEquals("/var/run/aesmd", c.getMounts(0).getHostPath());
    assertEquals("kubesgx.io/sgx=enclave", c.getCdiDevices(0).getName());
  }

  @Test
  void allocate_isgxFixture_returnsIsgxNode() throws Exception {
    startAgent("isgx", Optional.empty(), AllocationPolicy.DEFAULT, 0);
    FakeKubelet.Connection epc = kubelet.awaitRegistration(ResourceNames.EPC_MIB);
    epc.next();
    assertEquals("/dev/isgx", epc.allocate(List.of(List.of("0"))).getContainerResponses(0)
        .getDevices(0).getContainerPath());
  }

  @Test
  void allocate_unknownId_failsWithInvalidArgumentAndRepublishes() throws Exception {
    startAgent(null, Optional.of(8 * Sizes.MIB), AllocationPolicy.DEFAULT, 0);
    FakeKubelet.Connection epc = kubelet.awaitRegistration(ResourceNames.EPC_MIB);
    epc.next();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> epc.allocate(List.of(List.of("0"), List.of("zz"))));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(8, epc.next().getDevicesCount());
  }

  @Test
  void getPreferredAllocation_twoNumaNodes_packsOnOneNode() throws Exception {
    startAgent("in-kernel", Optional.empty(), AllocationPolicy.DEFAULT, 0);
    FakeKubelet.Connection epc = kubelet.awaitRegistration(ResourceNames.EPC_MIB);
    assertTrue(epc.options.getGetPreferredAllocationAvailable());
    ListAndWatchResponse list = epc.next();
    // Offer 10 devices of node 0 (indexes 0..9) and 20 of node 1; ask for 15.
    List<String> avail = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      avail.add(list.getDevices(i).getID());
    }
    for (int i = 32768; i < 32788; i++) {
      avail.add(list.getDevices(i).getID());
      assertEquals(1, list.getDevices(i).getTopology().getNodes(0).getID());
    }
    var resp = epc.preferred(PreferredAllocationRequest.newBuilder().addContainerRequests(
        ContainerPreferredAllocationRequest.newBuilder().addAllAvailableDeviceIDs(avail)
            .setAllocationSize(15)).build());
    List<String> got = resp.getContainerResponses(0).getDeviceIDsList();
    assertEquals(15, got.size());
    assertTrue(got.stream().allMatch(id -> Integer.parseInt(id, 36) >= 32768), got.toString());
  }

  @Test
  void health_enclaveNodeRemovedAndRestored_listGoesUnhealthyThenHealthy() throws Exception {
    startAgent("in-kernel", Optional.empty(), AllocationPolicy.DEFAULT, 0);
    FakeKubelet.Connection epc = kubelet.awaitRegistration(ResourceNames.EPC_MIB);
    assertEquals("Healthy", epc.next().getDevices(0).getHealth());
    Path enclave = hostRoot.resolve("dev/sgx_enclave");
    Files.delete(enclave);
    ListAndWatchResponse down = epc.next();
    assertEquals(65536, down.getDevicesCount());
    assertTrue(down.getDevicesList().stream().allMatch(d -> d.getHealth().equals("Unhealthy")));
    assertThrows(StatusRuntimeException.class, () -> epc.allocate(List.of(List.of("0"))));
    epc.updates.clear();
    Files.createFile(enclave);
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      ListAndWatchResponse r = epc.updates.poll();
      return r != null && r.getDevices(0).getHealth().equals("Healthy");
    });
    assertEquals(1, epc.allocate(List.of(List.of("0"))).getContainerResponsesCount());
  }

  @Test
  void kubeletRestart_socketsDeleted_pluginReRegistersAndNewStreamGetsFullList() throws Exception {
    startAgent(null, Optional.of(16 * Sizes.MIB), AllocationPolicy.DEFAULT, 2);
    for (String r : List.of(ResourceNames.EPC_MIB, ResourceNames.ENCLAVE, ResourceNames.PROVISION)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> supervisor.registered(r));
    }
    Files.writeString(dir.resolve("kubelet_internal_checkpoint"), "{}");
    long before = supervisor.registrations();
    kubelet.registrations.clear();
    long t0 = System.nanoTime();
    kubelet.restart();
    await().atMost(Duration.ofSeconds(5)).until(() -> supervisor.registrations() >= before + 3);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("re-registration of 3 plugins after kubelet restart took " + ms + " ms");
    FakeKubelet.Connection epc = kubelet.connections.get(ResourceNames.EPC_MIB);
    assertEquals(16, epc.next().getDevicesCount());
    assertTrue(Files.exists(dir.resolve("kubelet_internal_checkpoint")));
    assertTrue(Files.exists(supervisor.socketOf(ResourceNames.EPC_MIB)));
  }

  @Test
  void register_kubeletRejects_backsOffAndSucceedsLater() throws Exception {
    kubelet.rejectWith = Status.INVALID_ARGUMENT.withDescription("go away");
    startAgent(null, Optional.of(4 * Sizes.MIB), AllocationPolicy.DEFAULT, 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> kubelet.authorities.size() >= 2);
    assertFalse(supervisor.registered(ResourceNames.EPC_MIB));
    kubelet.rejectWith = null;
    kubelet.awaitRegistration(ResourceNames.EPC_MIB);
    await().atMost(Duration.ofSeconds(5)).until(() -> supervisor.registered(ResourceNames.EPC_MIB));
  }

  @Test
  void close_cleanShutdown_removesPluginSockets() throws Exception {
    startAgent(null, Optional.of(4 * Sizes.MIB), AllocationPolicy.DEFAULT, 2);
    kubelet.awaitRegistration(ResourceNames.EPC_MIB);
    Path sock = supervisor.socketOf(ResourceNames.EPC_MIB);
    assertTrue(Files.exists(sock));
    supervisor.close();
    supervisor = null;
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of("kubelet.sock"),
          s.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void fakeKubelet_resourceNameRules_matchKubelet() {
    assertTrue(FakeKubelet.isExtendedResourceName(ResourceNames.EPC_MIB));
    assertTrue(FakeKubelet.isExtendedResourceName(ResourceNames.ENCLAVE));
    assertFalse(FakeKubelet.isExtendedResourceName("sgx.kubernetes.io/epc"));
    assertFalse(FakeKubelet.isExtendedResourceName("epc"));
    assertFalse(FakeKubelet.isExtendedResourceName("requests.x.io/epc"));
    assertEquals(Map.of(), Map.of());
  }
}
