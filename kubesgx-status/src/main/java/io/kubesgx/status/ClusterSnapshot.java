package io.kubesgx.status;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@code kubesgx status} read, before any computation.
 *
 * @param namespace the namespace kubesgx was looked for in
 * @param nodes every node
 * @param pods pods that request EPC (any namespace)
 * @param workloads the kubesgx Deployments and DaemonSets found in the namespace
 * @param attestation the attestation service's status, when it was read
 * @param startupTaintKey the startup taint key looked for
 */
public record ClusterSnapshot(String namespace, List<NodeInfo> nodes, List<PodInfo> pods, List<Workload> workloads,
    Optional<AttestationRead> attestation, String startupTaintKey) {
  /** Copies the lists. */
  public ClusterSnapshot {
    Objects.requireNonNull(namespace, "namespace");
    nodes = List.copyOf(nodes);
    pods = List.copyOf(pods);
    workloads = List.copyOf(workloads);
    Objects.requireNonNull(attestation, "attestation");
    Objects.requireNonNull(startupTaintKey, "startupTaintKey");
  }

  /** The same snapshot with the attestation read. */
  public ClusterSnapshot withAttestation(AttestationRead read) {
    return new ClusterSnapshot(namespace, nodes, pods, workloads, Optional.of(read), startupTaintKey);
  }
}
