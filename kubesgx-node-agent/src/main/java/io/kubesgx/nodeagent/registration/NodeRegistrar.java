package io.kubesgx.nodeagent.registration;

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

  /** Registers {@code nodeName}, removing {@code startupTaint} (if any) once ready. */
  public NodeRegistrar(NodeApi api, String nodeName, Optional<Taint> startupTaint) {
    this.api = Objects.requireNonNull(api, "api");
    this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
    this.startupTaint = Objects.requireNonNull(startupTaint, "startupTaint");
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
    NodeUpdate u = NodePlanner.plan(info, state.get(), pluginsRegistered, startupTaint);
    if (u.isEmpty()) {
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
}
