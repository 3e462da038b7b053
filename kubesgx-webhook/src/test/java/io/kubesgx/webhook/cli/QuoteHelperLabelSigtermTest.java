package io.kubesgx.webhook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review item 4: SIGTERM to a real {@code quote-helper-label} process removes the node label and
 * exits 0 (before the fix: the hook only released a latch, the JVM exited 143 with the label on).
 */
@EnableKubernetesMockClient(crud = true)
class QuoteHelperLabelSigtermTest {
  KubernetesMockServer server;
  KubernetesClient client;
  @TempDir Path tmp;

  private String label() {
    var l = client.nodes().withName("n1").get().getMetadata().getLabels();
    return l == null ? null : l.get("kubesgx.io/quote-helper-ready");
  }

  @Test
  void sigterm_labelledNode_removesLabelAndExitsZero() throws Exception {
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("n1").endMetadata()
        .build()).create();
    Path log = tmp.resolve("label.log");
    Process p = ChildJvm.start(log, List.of(
            "-Dkubernetes.master=" + client.getMasterUrl(),
            "-Dkubernetes.trust.certificates=true",
            "-Dkubernetes.auth.tryKubeConfig=false",
            "-Dkubernetes.auth.tryServiceAccount=false",
            "-Dkubernetes.namespace=default"),
        ChildJvm.AnsweringLabel.class, "--node-name", "n1", "--interval", "1",
        "--socket", tmp.resolve("aesm.socket").toString());
    try {
      assertTrue(ChildJvm.await(p, () -> "true".equals(label())),
          () -> "the label was not set: " + ChildJvm.read(log));
      p.destroy(); // SIGTERM on Linux
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "no exit after SIGTERM");
      assertEquals(0, p.exitValue(), () -> "exit status; output: " + ChildJvm.read(log));
      assertNull(label(), () -> "label left on the node; output: " + ChildJvm.read(log));
    } finally {
      p.destroyForcibly();
    }
  }
}
