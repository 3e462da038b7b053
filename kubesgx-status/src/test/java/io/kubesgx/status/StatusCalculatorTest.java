package io.kubesgx.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure computation: pools, one EPC accounting, problems, services and attestation freshness. */
class StatusCalculatorTest {
  private static final long MIB = Quantities.MIB;
  private static final String TAINT = io.kubesgx.common.sgx.SgxNodeConventions.STARTUP_TAINT_KEY;
  private static final NodeInfo.Condition OK = new NodeInfo.Condition("True", "Advertised", "");

  private static NodeInfo sgx(String name, String pool, long intelBytes, long azureMiB) {
    return new NodeInfo(name, pool, true, intelBytes, azureMiB, true, Optional.of(OK), false);
  }

  private static List<Workload> allReady(Set<String> agentNodes) {
    return List.of(
        new Workload(Component.NODE_AGENT, "kubesgx-node-agent", 3, 3, agentNodes),
        new Workload(Component.QUOTE_HELPER, "kubesgx-quote-helper", 2, 2, Set.of()),
        Workload.of(Component.WEBHOOK, "kubesgx-webhook", 2, 2));
  }

  private static ClusterSnapshot snapshot(List<NodeInfo> nodes, List<PodInfo> pods, List<Workload> w) {
    return new ClusterSnapshot("kubesgx-system", nodes, pods, w, Optional.empty(), TAINT);
  }

  @Test
  void compute_podRequestingBothNames_countedOnceAtTheLarger() {
    NodeInfo a = sgx("a1", "pool-a", 128 * MIB, 0);
    PodInfo both = new PodInfo("app", "both", "a1", false, 10 * MIB, 10);
    PodInfo bigger = new PodInfo("app", "bigger", "a1", false, 4 * MIB, 6);
    StatusReport r = StatusCalculator.compute(snapshot(List.of(a), List.of(both, bigger), allReady(Set.of("a1"))));
    StatusReport.Pool p = r.pools().get(0);
    assertEquals(16 * MIB, p.epcRequestedBytes(), "10 MiB once + max(4 MiB, 6 MiB)");
    assertEquals(112 * MIB, p.epcFreeBytes());
    assertTrue(r.healthy(), r.problems().toString());
  }

  @Test
  void compute_terminatedPendingAndNonSgxNodePods_notCounted() {
    NodeInfo a = sgx("a1", "pool-a", 0, 64);
    NodeInfo plain = new NodeInfo("b1", "pool-b", false, 0, 0, false, Optional.empty(), false);
    List<PodInfo> pods = List.of(
        new PodInfo("app", "running", "a1", false, 0, 8),
        new PodInfo("app", "done", "a1", true, 0, 30),
        new PodInfo("app", "pending", "", false, 0, 30),
        new PodInfo("app", "elsewhere", "b1", false, 0, 30));
    StatusReport r = StatusCalculator.compute(snapshot(List.of(a, plain), pods, allReady(Set.of("a1"))));
    assertEquals(List.of(
        new StatusReport.Pool("pool-a", 1, 1, 64 * MIB, 8 * MIB, 1, 0),
        new StatusReport.Pool("pool-b", 1, 0, 0, 0, 0, 0)), r.pools());
  }

  @Test
  void compute_nodeAdvertisingBothNames_largerCountsAndProblemReported() {
    NodeInfo a = sgx("a1", "pool-a", 64 * MIB, 64);
    StatusReport r = StatusCalculator.compute(snapshot(List.of(a), List.of(), allReady(Set.of("a1"))));
    assertEquals(64 * MIB, r.pools().get(0).epcAllocatableBytes());
    assertEquals(List.of(Problem.Kind.EPC_DOUBLE_ADVERTISED), kinds(r));
  }

  @Test
  void compute_nodeAgentProblems_eachReportedWithItsPool() {
    NodeInfo condFalse = new NodeInfo("a1", "pool-a", true, 64 * MIB, 0, true,
        Optional.of(new NodeInfo.Condition("False", "PluginNotRegistered", "kubelet socket missing")), false);
    NodeInfo tainted = new NodeInfo("a2", "pool-a", true, 0, 0, true, Optional.empty(), true);
    NodeInfo noAgent = sgx("a3", "pool-a", 64 * MIB, 0);
    NodeInfo noHelper = new NodeInfo("b1", "pool-b", false, 0, 32, false, Optional.of(OK), false);
    StatusReport r = StatusCalculator.compute(snapshot(List.of(condFalse, tainted, noAgent, noHelper), List.of(),
        allReady(Set.of("a1", "a2", "b1"))));
    assertEquals(List.of(Problem.Kind.EPC_CONDITION, Problem.Kind.STARTUP_TAINT, Problem.Kind.NO_NODE_AGENT,
        Problem.Kind.QUOTE_HELPER_NOT_READY), kinds(r));
    assertEquals("node a1: condition KubesgxEpcAdvertised=False (PluginNotRegistered: kubelet socket missing)",
        r.problems().get(0).message());
    assertEquals(3, r.pools().get(0).problems());
    assertEquals(1, r.pools().get(1).problems());
    assertEquals(3, r.pools().get(0).quoteHelperReady());
    assertEquals(0, r.pools().get(1).quoteHelperReady());
    assertFalse(r.healthy());
  }

  @Test
  void compute_noNodeAgentDaemonSet_notInstalledAndNoPerNodeAgentProblems() {
    NodeInfo a = sgx("a1", "pool-a", 64 * MIB, 0);
    StatusReport r = StatusCalculator.compute(snapshot(List.of(a), List.of(), List.of()));
    assertFalse(r.installed());
    assertEquals(List.of(Problem.Kind.NOT_INSTALLED), kinds(r));
    assertTrue(r.problems().get(0).message().startsWith(
        "kubesgx is not installed in namespace kubesgx-system: no node agent DaemonSet"), r.problems().get(0).message());
    assertTrue(r.services().stream().noneMatch(StatusReport.Service::present));
  }

  @Test
  void compute_deploymentNotReady_problemAndServiceRow() {
    List<Workload> w = List.of(new Workload(Component.NODE_AGENT, "kubesgx-node-agent", 1, 1, Set.of("a1")),
        Workload.of(Component.ATTESTATION, "kubesgx-attestation", 2, 1));
    StatusReport r = StatusCalculator.compute(snapshot(List.of(sgx("a1", "p", MIB, 0)), List.of(), w));
    assertEquals(List.of(Problem.Kind.NOT_READY), kinds(r));
    StatusReport.Service s = r.services().stream().filter(x -> x.component() == Component.ATTESTATION).findFirst().orElseThrow();
    assertEquals(new StatusReport.Service(Component.ATTESTATION, List.of("kubesgx-attestation"), 2, 1), s);
    assertEquals(List.of(Component.WEBHOOK, Component.ATTESTATION, Component.KEY_BROKER, Component.QUOTE_HELPER,
        Component.NODE_AGENT), r.services().stream().map(StatusReport.Service::component).toList());
  }

  @Test
  void compute_attestationStatus_earliestPerFmspcKeyAgeAndStaleProblem() {
    Instant now = Instant.parse("2026-12-06T12:00:00Z");
    AttestationStatus st = new AttestationStatus(now,
        new AttestationStatus.SigningKey("kid-1", "ES256", now.minus(Duration.ofDays(3)).minusSeconds(3600)),
        List.of(
            new AttestationStatus.Collateral("sgx/00906ED50000/processor/standard", "00906ED50000",
                Optional.of(Instant.parse("2026-12-20T00:00:00Z")), false, false),
            new AttestationStatus.Collateral("sgx/00906ED50000/platform/standard", "00906ED50000",
                Optional.of(Instant.parse("2026-12-10T00:00:00Z")), false, false),
            new AttestationStatus.Collateral("sgx/00A067110000/processor/standard", "00A067110000",
                Optional.of(Instant.parse("2026-12-01T00:00:00Z")), true, false)));
    ClusterSnapshot s = snapshot(List.of(sgx("a1", "p", MIB, 0)), List.of(), allReady(Set.of("a1")))
        .withAttestation(AttestationRead.ok("service proxy kubesgx-system/kubesgx-attestation:http", st));
    StatusReport r = StatusCalculator.compute(s);
    StatusReport.Attestation a = r.attestation().orElseThrow();
    assertEquals(Optional.of(Duration.ofDays(3).plusHours(1)), a.signingKeyAge());
    assertEquals(List.of(
        new StatusReport.FmspcExpiry("00906ED50000", Optional.of(Instant.parse("2026-12-10T00:00:00Z")), false, false),
        new StatusReport.FmspcExpiry("00A067110000", Optional.of(Instant.parse("2026-12-01T00:00:00Z")), true, false)),
        a.collateral());
    assertEquals(Optional.of(Instant.parse("2026-12-01T00:00:00Z")), a.earliestExpiry());
    assertEquals(List.of(Problem.Kind.COLLATERAL_STALE), kinds(r));
    assertEquals("00A067110000", r.problems().get(0).subject());
  }

  @Test
  void compute_attestationUnreadable_problem() {
    ClusterSnapshot s = snapshot(List.of(), List.of(), allReady(Set.of()))
        .withAttestation(AttestationRead.failed("http://x/status", "connection refused"));
    StatusReport r = StatusCalculator.compute(s);
    assertEquals(List.of(Problem.Kind.ATTESTATION_UNREADABLE), kinds(r));
    assertEquals(Optional.of("connection refused"), r.attestation().orElseThrow().error());
  }

  @Test
  void compute_hugeQuantities_saturateInsteadOfWrapping() {
    NodeInfo a = sgx("a1", "p", Long.MAX_VALUE, 0);
    NodeInfo b = sgx("a2", "p", Long.MAX_VALUE, 0);
    PodInfo huge = new PodInfo("app", "huge", "a1", false, 0, Long.MAX_VALUE);
    StatusReport r = StatusCalculator.compute(snapshot(List.of(a, b), List.of(huge), allReady(Set.of("a1", "a2"))));
    assertEquals(Long.MAX_VALUE, r.pools().get(0).epcAllocatableBytes());
    assertEquals(Long.MAX_VALUE, r.pools().get(0).epcRequestedBytes());
    assertEquals(0, r.pools().get(0).epcFreeBytes());
  }

  private static List<Problem.Kind> kinds(StatusReport r) {
    return r.problems().stream().map(Problem::kind).toList();
  }
}
