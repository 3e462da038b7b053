package io.kubesgx.nodeagent.registration;

import io.kubesgx.common.sgx.EpcResource;
import io.kubesgx.nodeagent.discovery.NodeSgxInfo;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link NodePlanner} decisions through a {@link NodeApi}; one call is one reconciliation.
 *
 * <p>Failures are returned, never thrown, so the agent's loop retries with backoff and the device
 * plugins keep serving while the API server is unreachable (kubernetes-sgx.md §10, pain point 4).
 */
public final class NodeRegistrar {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRegistrar.class);

  /** Outcome of one reconciliation. */
  public enum Outcome {
    /** Nothing needed to change. */
    UP_TO_DATE,
    /** Changes were written. */
    UPDATED,
    /** The node object does not exist. */
    NODE_NOT_FOUND,
    /** A call failed; see the log and {@link #lastError()}. */
    FAILED
  }

  private final NodeApi api;
  private final String nodeName;
  private final Optional<Taint> startupTaint;
  private volatile String lastError = "";
  private volatile boolean taintRemoved;
  private final EpcResource epcResource;
  private final Optional<String> epcShortfall;
  private volatile String conditionWritten = "";

  /** Registers {@code nodeName} in an {@link EpcResource#INTEL} cluster (no EPC condition). */
  public NodeRegistrar(NodeApi api, String nodeName, Optional<Taint> startupTaint) {
    this(api, nodeName, startupTaint, EpcResource.INTEL, Optional.empty(), false);
  }

  /**
   * Registers {@code nodeName}, removing {@code startupTaint} (if any) once ready, and keeps the
   * node condition {@code KubesgxEpcAdvertised} saying whether all EPC is advertised.
   *
   * @param epcResource the cluster's canonical EPC resource
   * @param epcShortfall why not all EPC is advertised, if it is not
   */
  public NodeRegistrar(NodeApi api, String nodeName, Optional<Taint> startupTaint,
      EpcResource epcResource, Optional<String> epcShortfall) {
    this(api, nodeName, startupTaint, epcResource, epcShortfall, true);
  }

  private NodeRegistrar(NodeApi api, String nodeName, Optional<Taint> startupTaint,
      EpcResource epcResource, Optional<String> epcShortfall, boolean condition) {
    this.api = Objects.requireNonNull(api, "api");
    this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
    this.startupTaint = Objects.requireNonNull(startupTaint, "startupTaint");
    this.epcResource = Objects.requireNonNull(epcResource, "epcResource");
    this.epcShortfall = Objects.requireNonNull(epcShortfall, "epcShortfall");
    this.conditionWritten = condition ? "" : null;
  }

  /** Returns the last failure message, or empty. */
  public String lastError() {
    return lastError;
  }

  /** Returns whether the startup taint was removed (or was never present once ready). */
  public boolean taintRemoved() {
    return taintRemoved;
  }

  /** Reads the node, plans and applies the update; repeats once if capacity was just written. */
  public Outcome reconcile(NodeSgxInfo info, boolean pluginsRegistered) {
    try {
      Outcome o = reconcileOnce(info, pluginsRegistered);
      if (o == Outcome.UPDATED) {
        // Capacity written in this pass lets the next pass mark the node ready.
        Outcome again = reconcileOnce(info, pluginsRegistered);
        if (again == Outcome.FAILED || again == Outcome.NODE_NOT_FOUND) {
          return again;
        }
      }
      lastError = "";
      return o;
    } catch (RuntimeException e) {
      lastError = e.toString();
      LOG.warn("node {}: registration failed, will retry: {}", nodeName, e.toString());
      LOG.debug("registration failure", e);
      return Outcome.FAILED;
    }
  }

  private Outcome reconcileOnce(NodeSgxInfo info, boolean pluginsRegistered) {
    Optional<NodeState> state = api.get(nodeName);
    if (state.isEmpty()) {
      lastError = "node " + nodeName + " not found";
      LOG.warn("node {} not found", nodeName);
      return Outcome.NODE_NOT_FOUND;
    }
    NodeUpdate u = NodePlanner.plan(info, state.get(), pluginsRegistered, startupTaint,
        epcResource);
    boolean conditionChanged = writeCondition(info);
    if (u.isEmpty()) {
      if (conditionChanged) {
        return Outcome.UPDATED;
      }
      if (info.epcBytes() > 0 && pluginsRegistered) {
        taintRemoved = true;
      }
      return Outcome.UP_TO_DATE;
    }
    if (u.epcCapacityBytes().isPresent()) {
      api.setEpcCapacity(nodeName, u.epcCapacityBytes().getAsLong());
      LOG.info("node {}: capacity {} = {}", nodeName, "sgx.intel.com/epc",
          u.epcCapacityBytes().getAsLong());
    }
    if (u.removeEpcCapacity()) {
      api.removeEpcCapacity(nodeName);
      LOG.info("node {}: removed capacity {} (EPC is accounted as {})", nodeName,
          "sgx.intel.com/epc", epcResource.resourceName());
    }
    if (!u.setLabels().isEmpty() || !u.removeLabels().isEmpty()) {
      Map<String, String> patch = new HashMap<>(u.setLabels());
      for (String k : u.removeLabels()) {
        patch.put(k, null);
      }
      api.patchLabels(nodeName, patch);
      LOG.info("node {}: labels set {} removed {}", nodeName, u.setLabels(), u.removeLabels());
    }
    if (u.removeTaint().isPresent()) {
      api.removeTaint(nodeName, state.get(), u.removeTaint().get());
      taintRemoved = true;
      LOG.info("node {}: removed startup taint {}", nodeName, u.removeTaint().get());
    }
    return Outcome.UPDATED;
  }

  /** Writes the EPC condition when it differs from what this registrar last wrote. */
  private boolean writeCondition(NodeSgxInfo info) {
    if (conditionWritten == null || info.epcBytes() == 0) {
      return false;
    }
    long mib = info.epcBytes() / (1024L * 1024L);
    boolean ok = epcShortfall.isEmpty();
    String reason = ok ? "AllEpcAdvertised" : "EpcDevicesCapped";
    String message = ok
        ? "all " + mib + " MiB of EPC advertised as " + epcResource.resourceName()
        : epcShortfall.get() + "; to schedule all of it, run the node agent and webhook with "
            + "--epc-resource intel (sgx.intel.com/epc has no size limit)";
    String key = ok + reason + message;
    if (key.equals(conditionWritten)) {
      return false;
    }
    api.setEpcCondition(nodeName, ok, reason, message);
    conditionWritten = key;
    if (!ok) {
      LOG.warn("node {}: {}", nodeName, message);
    }
    return true;
  }
}
