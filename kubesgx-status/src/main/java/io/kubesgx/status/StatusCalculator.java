package io.kubesgx.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Computes a {@link StatusReport} from a {@link ClusterSnapshot}: pure, no I/O, no clock (the signing
 * key's age is measured on the attestation service's own clock).
 *
 * <p>EPC has one accounting: a node's EPC is the larger of its {@code sgx.intel.com/epc} bytes and its
 * {@code kubernetes.azure.com/sgx_epc_mem_in_MiB} MiB, and a pod's request likewise ({@link
 * PodInfo#epcBytes()}), so a pod requesting both names is counted once.
 */
public final class StatusCalculator {
  private StatusCalculator() {}

  /** Computes the report. */
  public static StatusReport compute(ClusterSnapshot s) {
    Map<Component, List<Workload>> byComponent = new EnumMap<>(Component.class);
    for (Workload w : Workload.sorted(s.workloads())) {
      byComponent.computeIfAbsent(w.component(), c -> new ArrayList<>()).add(w);
    }
    boolean installed = byComponent.containsKey(Component.NODE_AGENT);
    boolean quoteHelper = byComponent.containsKey(Component.QUOTE_HELPER);
    Set<String> agentNodes = new HashSet<>();
    byComponent.getOrDefault(Component.NODE_AGENT, List.of()).forEach(w -> agentNodes.addAll(w.podNodes()));

    List<Problem> problems = new ArrayList<>();
    if (!installed) {
      problems.add(new Problem(Problem.Kind.NOT_INSTALLED, "", s.namespace(),
          "kubesgx is not installed in namespace " + s.namespace() + ": no node agent DaemonSet (label "
              + Component.COMPONENT_LABEL + "=" + Component.NODE_AGENT.label() + " or name "
              + Component.NODE_AGENT.defaultName() + "); install the chart or pass --namespace where it is installed"));
    }

    List<NodeInfo> nodes = new ArrayList<>(s.nodes());
    nodes.sort(Comparator.comparing(NodeInfo::pool).thenComparing(NodeInfo::name));
    Map<String, NodeInfo> sgxByName = new HashMap<>();
    for (NodeInfo n : nodes) {
      if (n.isSgx()) {
        sgxByName.put(n.name(), n);
      }
    }
    Map<String, Long> requestedByNode = new HashMap<>();
    for (PodInfo p : s.pods()) {
      if (!p.terminated() && sgxByName.containsKey(p.nodeName())) {
        requestedByNode.merge(p.nodeName(), p.epcBytes(), Quantities::add);
      }
    }

    Map<String, long[]> pools = new TreeMap<>(); // nodes, sgx, allocatable, requested, qhReady
    for (NodeInfo n : nodes) {
      long[] row = pools.computeIfAbsent(n.pool(), k -> new long[5]);
      row[0]++;
      if (n.isSgx()) {
        row[1]++;
        long alloc = Math.max(n.epcIntelBytes(), Quantities.mibToBytes(n.epcAzureMiB()));
        row[2] = Quantities.add(row[2], alloc);
        row[3] = Quantities.add(row[3], requestedByNode.getOrDefault(n.name(), 0L));
        if (n.quoteHelperReady()) {
          row[4]++;
        }
      }
      nodeProblems(n, s.startupTaintKey(), installed, agentNodes, quoteHelper, problems);
    }
    for (Map.Entry<String, long[]> e : pools.entrySet()) {
      long[] row = e.getValue();
      if (row[3] > row[2]) {
        problems.add(new Problem(Problem.Kind.EPC_OVERCOMMITTED, e.getKey(), e.getKey(),
            "pool " + e.getKey() + ": pods request " + Quantities.human(row[3]) + " of EPC but its SGX nodes offer "
                + Quantities.human(row[2]) + " (a node's EPC shrank or was advertised twice before)"));
      }
    }

    List<StatusReport.Service> services = new ArrayList<>();
    for (Component c : Component.values()) {
      List<Workload> ws = byComponent.getOrDefault(c, List.of());
      int desired = 0;
      int ready = 0;
      List<String> names = new ArrayList<>();
      for (Workload w : ws) {
        desired += w.desired();
        ready += w.ready();
        names.add(w.name());
      }
      services.add(new StatusReport.Service(c, names, desired, ready));
      if (!ws.isEmpty() && ready < desired) {
        problems.add(new Problem(Problem.Kind.NOT_READY, "", String.join(",", names),
            c.label() + " " + c.kind() + " " + String.join(",", names) + ": " + ready + " of " + desired
                + " ready (kubectl -n " + s.namespace() + " describe " + c.kind().toLowerCase(java.util.Locale.ROOT)
                + " " + names.get(0) + ")"));
      }
    }

    Optional<StatusReport.Attestation> attestation = s.attestation().map(r -> attestation(r, problems));

    List<StatusReport.Pool> poolRows = new ArrayList<>();
    for (Map.Entry<String, long[]> e : pools.entrySet()) {
      long[] r = e.getValue();
      int count = (int) problems.stream().filter(p -> p.pool().equals(e.getKey())).count();
      poolRows.add(new StatusReport.Pool(e.getKey(), (int) r[0], (int) r[1], r[2], r[3], (int) r[4], count));
    }
    return new StatusReport(s.namespace(), installed, poolRows, services, attestation, problems);
  }

  private static void nodeProblems(NodeInfo n, String taintKey, boolean installed, Set<String> agentNodes,
      boolean quoteHelper, List<Problem> problems) {
    String where = "node " + n.name() + ": ";
    if (n.epcIntelBytes() > 0 && n.epcAzureMiB() > 0) {
      problems.add(new Problem(Problem.Kind.EPC_DOUBLE_ADVERTISED, n.pool(), n.name(), where
          + "advertises EPC as both sgx.intel.com/epc and kubernetes.azure.com/sgx_epc_mem_in_MiB, so the "
          + "scheduler can hand it out twice; give the node agent and the webhook the same --epc-resource"));
    }
    n.epcCondition().filter(c -> !"True".equals(c.status())).ifPresent(c -> problems.add(new Problem(
        Problem.Kind.EPC_CONDITION, n.pool(), n.name(), where + "condition KubesgxEpcAdvertised=" + c.status()
            + (c.reason().isEmpty() ? "" : " (" + c.reason() + (c.message().isEmpty() ? "" : ": " + c.message()) + ")"))));
    if (n.startupTaint()) {
      problems.add(new Problem(Problem.Kind.STARTUP_TAINT, n.pool(), n.name(), where + "startup taint " + taintKey
          + " is still present: the node agent has not advertised EPC there yet (see its log)"));
    }
    if (installed && n.isSgx() && !agentNodes.contains(n.name())) {
      problems.add(new Problem(Problem.Kind.NO_NODE_AGENT, n.pool(), n.name(), where
          + "SGX node without a node agent pod (check the DaemonSet's node selector and tolerations)"));
    }
    if (quoteHelper && n.isSgx() && !n.quoteHelperReady()) {
      problems.add(new Problem(Problem.Kind.QUOTE_HELPER_NOT_READY, n.pool(), n.name(), where
          + "quote helper not ready (no label kubesgx.io/quote-helper-ready=true)"));
    }
  }

  private static StatusReport.Attestation attestation(AttestationRead r, List<Problem> problems) {
    if (r.error().isPresent()) {
      problems.add(new Problem(Problem.Kind.ATTESTATION_UNREADABLE, "", r.source(),
          "attestation service status unreadable via " + r.source() + ": " + r.error().get()));
      return new StatusReport.Attestation(r.source(), r.error(), Optional.empty(), Optional.empty(), List.of());
    }
    AttestationStatus st = r.status().orElseThrow();
    Map<String, StatusReport.FmspcExpiry> byFmspc = new TreeMap<>();
    for (AttestationStatus.Collateral c : st.collateral()) {
      StatusReport.FmspcExpiry old = byFmspc.get(c.fmspc());
      Optional<Instant> next = c.nextUpdate();
      if (old != null) {
        next = old.nextUpdate().isEmpty() ? next
            : next.isEmpty() ? old.nextUpdate()
            : Optional.of(next.get().isBefore(old.nextUpdate().get()) ? next.get() : old.nextUpdate().get());
      }
      boolean stale = c.stale() || (old != null && old.stale());
      boolean expired = c.expired() || (old != null && old.expired());
      byFmspc.put(c.fmspc(), new StatusReport.FmspcExpiry(c.fmspc(), next, stale, expired));
    }
    for (StatusReport.FmspcExpiry f : byFmspc.values()) {
      if (f.stale() || f.expired()) {
        problems.add(new Problem(Problem.Kind.COLLATERAL_STALE, "", f.fmspc(), "collateral for FMSPC " + f.fmspc()
            + (f.expired() ? " expired" : " is stale") + f.nextUpdate().map(t -> " (nextUpdate " + t + ")").orElse("")
            + ": the attestation service cannot reach the PCS/PCCS; check its log and egress, or import a bundle"));
      }
    }
    Duration age = Duration.between(st.signingKey().createdAt(), st.now());
    return new StatusReport.Attestation(r.source(), Optional.empty(), Optional.of(st.signingKey().kid()),
        Optional.of(age.isNegative() ? Duration.ZERO : age), List.copyOf(byFmspc.values()));
  }
}
