package io.kubesgx.nodeagent.registration;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.nodeagent.deviceplugin.ResourceNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link NodeApi} over the fabric8 client, always with explicit patch types. */
public final class Fabric8NodeApi implements NodeApi {
  private final KubernetesClient client;

  /** Uses {@code client}. */
  public Fabric8NodeApi(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Optional<NodeState> get(String name) {
    Node n = client.nodes().withName(name).get();
    if (n == null) {
      return Optional.empty();
    }
    Map<String, String> labels = new java.util.HashMap<>();
    if (n.getMetadata().getLabels() != null) {
      // Null values (a removal some stores keep verbatim) are treated as absent.
      n.getMetadata().getLabels().forEach((k, v) -> {
        if (k != null && v != null) {
          labels.put(k, v);
        }
      });
    }
    Optional<String> epc = Optional.empty();
    if (n.getStatus() != null && n.getStatus().getCapacity() != null) {
      Quantity q = n.getStatus().getCapacity().get(ResourceNames.EPC_BYTES);
      if (q != null) {
        epc = Optional.of(q.getNumericalAmount().toBigInteger().toString());
      }
    }
    List<Taint> taints = new ArrayList<>();
    if (n.getSpec() != null && n.getSpec().getTaints() != null) {
      for (io.fabric8.kubernetes.api.model.Taint t : n.getSpec().getTaints()) {
        try {
          taints.add(new Taint(t.getKey(), t.getValue() == null ? "" : t.getValue(),
              t.getEffect()));
        } catch (RuntimeException e) {
          // A taint we cannot represent is never ours; keep it out of our view.
        }
      }
    }
    return Optional.of(new NodeState(labels, epc, taints));
  }

  @Override
  public void patchLabels(String node, Map<String, String> setOrRemove) {
    StringBuilder sb = new StringBuilder("{\"metadata\":{\"labels\":{");
    boolean first = true;
    for (Map.Entry<String, String> e : setOrRemove.entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      Json.quote(e.getKey(), sb);
      sb.append(':');
      if (e.getValue() == null) {
        sb.append("null");
      } else {
        Json.quote(e.getValue(), sb);
      }
    }
    sb.append("}}}");
    client.nodes().withName(node).patch(PatchContext.of(PatchType.JSON_MERGE), sb.toString());
  }

  @Override
  public void setEpcCapacity(String node, long bytes) {
    StringBuilder path = new StringBuilder("/status/capacity/");
    path.append(ResourceNames.EPC_BYTES.replace("~", "~0").replace("/", "~1"));
    String patch = "[" + Json.write(JsonBuilder.object().put("op", "add")
        .put("path", path.toString()).put("value", Long.toString(bytes)).build()) + "]";
    client.nodes().withName(node).subresource("status")
        .patch(PatchContext.of(PatchType.JSON), patch);
  }

  @Override
  public void removeEpcCapacity(String node) {
    String path = "/status/capacity/" + ResourceNames.EPC_BYTES.replace("~", "~0").replace("/", "~1");
    String patch = "[" + Json.write(JsonBuilder.object().put("op", "remove").put("path", path)
        .build()) + "]";
    client.nodes().withName(node).subresource("status")
        .patch(PatchContext.of(PatchType.JSON), patch);
  }

  @Override
  public void setEpcCondition(String node, boolean advertised, String reason, String message) {
    String now = java.time.format.DateTimeFormatter.ISO_INSTANT.format(
        java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    client.nodes().withName(node).editStatus(n -> {
      io.fabric8.kubernetes.api.model.NodeStatus st = n.getStatus() == null
          ? new io.fabric8.kubernetes.api.model.NodeStatus() : n.getStatus();
      List<io.fabric8.kubernetes.api.model.NodeCondition> conds = new ArrayList<>();
      if (st.getConditions() != null) {
        for (io.fabric8.kubernetes.api.model.NodeCondition c : st.getConditions()) {
          if (!io.kubesgx.common.sgx.SgxNodeConventions.EPC_CONDITION.equals(c.getType())) {
            conds.add(c);
          }
        }
      }
      conds.add(new io.fabric8.kubernetes.api.model.NodeConditionBuilder()
          .withType(io.kubesgx.common.sgx.SgxNodeConventions.EPC_CONDITION)
          .withStatus(advertised ? "True" : "False").withReason(reason).withMessage(message)
          .withLastHeartbeatTime(now).withLastTransitionTime(now).build());
      st.setConditions(conds);
      n.setStatus(st);
      return n;
    });
  }

  @Override
  public void removeTaint(String node, NodeState current, Taint taint) {
    StringBuilder old = new StringBuilder("[");
    StringBuilder now = new StringBuilder("[");
    for (Taint t : current.taints()) {
      String json = taintJson(t);
      old.append(old.length() > 1 ? "," : "").append(json);
      if (!t.equals(taint)) {
        now.append(now.length() > 1 ? "," : "").append(json);
      }
    }
    String patch = "[{\"op\":\"test\",\"path\":\"/spec/taints\",\"value\":" + old
        + "]},{\"op\":\"replace\",\"path\":\"/spec/taints\",\"value\":" + now + "]}]";
    client.nodes().withName(node).patch(PatchContext.of(PatchType.JSON), patch);
  }

  private static String taintJson(Taint t) {
    JsonBuilder b = JsonBuilder.object().put("key", t.key());
    if (!t.value().isEmpty()) {
      b.put("value", t.value());
    }
    return Json.write(b.put("effect", t.effect()).build());
  }
}
