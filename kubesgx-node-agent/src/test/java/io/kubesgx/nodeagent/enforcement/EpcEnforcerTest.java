package io.kubesgx.nodeagent.enforcement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.kubesgx.nodeagent.discovery.HostRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EpcEnforcerTest {
  @TempDir Path root;

  private static final String UID = "0b4c3f9e-1a2b-4c5d-8e9f-001122334455";
  private static final String CID = "a".repeat(64);

  private static Pod pod(String mib, String bytes) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName("p").withNamespace("ns")
        .withUid(UID).endMetadata().withNewSpec().withNodeName("n")
        .addNewContainer().withName("app").withNewResources()
        .addToLimits(mib == null ? "cpu" : "kubernetes.azure.com/sgx_epc_mem_in_MiB",
            new Quantity(mib == null ? "1" : mib))
        .addToLimits(bytes == null ? "memory" : "sgx.intel.com/epc",
            new Quantity(bytes == null ? "1Gi" : bytes))
        .endResources().endContainer()
        .addNewContainer().withName("plain").endContainer().endSpec()
        .withNewStatus().addNewContainerStatus().withName("app")
        .withContainerID("containerd://" + CID).endContainerStatus()
        .addNewContainerStatus().withName("plain").withContainerID("containerd://" + "b".repeat(64))
        .endContainerStatus().endStatus();
    return b.build();
  }

  @Test
  void extract_bothResourceNames_summedInBytes() {
    List<ContainerEpc> c = PodEpcExtractor.extract(List.of(pod("10", "512Ki")));
    assertEquals(1, c.size());
    assertEquals(10L * 1024 * 1024 + 512 * 1024, c.get(0).epcBytes());
    assertEquals(CID, c.get(0).containerId());
  }

  @Test
  void reconcile_systemdLayout_writesMiscMaxOnceThenUnchanged() throws Exception {
    Path dir = root.resolve("sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/"
        + "kubepods-burstable-pod" + UID.replace('-', '_') + ".slice/cri-containerd-" + CID
        + ".scope");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("misc.max"), "sgx_epc max\n");
    EpcEnforcer e = new EpcEnforcer(new CgroupLocator(new HostRoot(root)), true);
    List<ContainerEpc> c = PodEpcExtractor.extract(List.of(pod("10", null)));
    assertEquals(new EpcEnforcer.Report(1, 0, 0, 0), e.reconcile(c));
    assertEquals("sgx_epc 10485760\n", Files.readString(dir.resolve("misc.max")));
    assertEquals(new EpcEnforcer.Report(0, 1, 0, 0), e.reconcile(c));
  }

  @Test
  void reconcile_cgroupfsLayout_writesMiscMax() throws Exception {
    Path dir = root.resolve("sys/fs/cgroup/kubepods/besteffort/pod" + UID + "/" + CID);
    Files.createDirectories(dir);
    EpcEnforcer e = new EpcEnforcer(new CgroupLocator(new HostRoot(root)), true);
    e.reconcile(PodEpcExtractor.extract(List.of(pod(null, "4Mi"))));
    assertEquals("sgx_epc 4194304\n", Files.readString(dir.resolve("misc.max")));
  }

  @Test
  void reconcile_unavailable_doesNothingAndSaysWhy() {
    EpcEnforcer e = new EpcEnforcer(new CgroupLocator(new HostRoot(root)), false);
    assertFalse(e.available());
    assertFalse(e.unavailableReason().isEmpty());
    assertEquals(new EpcEnforcer.Report(0, 0, 0, 0),
        e.reconcile(PodEpcExtractor.extract(List.of(pod("10", null)))));
  }

  @Test
  void reconcile_containerNotStarted_countedMissing() {
    EpcEnforcer e = new EpcEnforcer(new CgroupLocator(new HostRoot(root)), true);
    assertEquals(new EpcEnforcer.Report(0, 0, 1, 0),
        e.reconcile(PodEpcExtractor.extract(List.of(pod("10", null)))));
  }
}
