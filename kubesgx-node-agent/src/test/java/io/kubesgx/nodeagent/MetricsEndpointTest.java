package io.kubesgx.nodeagent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.sgx.EpcResource;
import io.kubesgx.nodeagent.deviceplugin.FakeKubelet;
import io.kubesgx.nodeagent.deviceplugin.PluginSupervisor;
import io.kubesgx.nodeagent.deviceplugin.ResourceNames;
import io.kubesgx.nodeagent.discovery.HostRoot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} exposes the documented families with their types, in the format asked for. */
class MetricsEndpointTest {
  /** The families of docs/node-agent.md, "Metrics", with their Prometheus types. */
  private static final Map<String, String> DOCUMENTED = new LinkedHashMap<>();

  static {
    DOCUMENTED.put("kubesgx_node_sgx_enabled", "gauge");
    DOCUMENTED.put("kubesgx_node_epc_bytes", "gauge");
    DOCUMENTED.put("kubesgx_node_epc_devices_advertised", "gauge");
    DOCUMENTED.put("kubesgx_node_epc_devices_capped", "gauge");
    DOCUMENTED.put("kubesgx_node_discovery_problems", "gauge");
    DOCUMENTED.put("kubesgx_device_plugin_registrations_total", "counter");
    DOCUMENTED.put("kubesgx_device_plugin_registered", "gauge");
    DOCUMENTED.put("kubesgx_device_plugin_healthy", "gauge");
    DOCUMENTED.put("kubesgx_device_plugin_devices", "gauge");
    DOCUMENTED.put("kubesgx_device_plugin_streams", "gauge");
    DOCUMENTED.put("kubesgx_device_plugin_allocations_total", "counter");
    DOCUMENTED.put("kubesgx_device_plugin_allocation_rejections_total", "counter");
    DOCUMENTED.put("kubesgx_node_registration_ok", "gauge");
    DOCUMENTED.put("kubesgx_node_startup_taint_removed", "gauge");
    DOCUMENTED.put("kubesgx_epc_enforcement_available", "gauge");
    DOCUMENTED.put("kubesgx_epc_limits_written_total", "counter");
  }

  private static final Pattern TYPE = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$");

  @TempDir Path tmp;

  @Test
  void metrics_simulatedEpcNoKubeApi_documentedNamesWithTypes() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "ks");
    NodeAgentConfig cfg = NodeAgentConfig.builder()
        .hostRoot(new HostRoot(tmp))
        .simulateEpcBytes(OptionalLong.of(32L << 20))
        .plugins(new PluginSupervisor.Config(dir, Duration.ofMillis(50), Duration.ofMillis(200),
            Duration.ofSeconds(15)))
        .kubeApi(false)
        .metricsPort(0)
        .epcResource(EpcResource.AZURE) // per-MiB devices: every plugin family shows in the metrics
        .build();
    try (FakeKubelet kubelet = new FakeKubelet(dir).start();
        NodeAgent agent = NodeAgent.start(cfg, Optional.empty())) {
      assertEquals(32, kubelet.awaitRegistration(ResourceNames.EPC_MIB).next().getDevicesCount());
      await().atMost(Duration.ofSeconds(15)).until(agent::ready);

      HttpResponse<String> r = get(agent.httpPort(), null);
      assertEquals(200, r.statusCode());
      assertEquals("text/plain; version=0.0.4; charset=utf-8",
          r.headers().firstValue("Content-Type").orElse(""));
      String m = r.body();
      assertEquals(DOCUMENTED, types(m), m);
      assertTrue(m.contains("kubesgx_node_epc_bytes 3.3554432E7\n"), m); // 32 MiB
      assertTrue(m.contains("kubesgx_node_epc_devices_advertised 32.0\n"), m);
      assertTrue(m.contains(
          "kubesgx_device_plugin_devices{resource=\"" + ResourceNames.EPC_MIB + "\"} 32.0\n"), m);
      assertTrue(m.contains("kubesgx_device_plugin_allocations_total{resource=\""
          + ResourceNames.EPC_MIB + "\"} 0.0\n"), m);

      HttpResponse<String> om = get(agent.httpPort(), "application/openmetrics-text; version=1.0.0");
      assertTrue(om.headers().firstValue("Content-Type").orElse("")
          .startsWith("application/openmetrics-text"));
      assertTrue(om.body().contains("# TYPE kubesgx_device_plugin_registrations counter\n"), om.body());
      assertTrue(om.body().contains("kubesgx_device_plugin_registrations_total "), om.body());
      assertTrue(om.body().endsWith("# EOF\n"), om.body());

      HttpResponse<String> proto = get(agent.httpPort(),
          "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited");
      assertEquals(200, proto.statusCode());
      assertEquals(DOCUMENTED, types(proto.body()), proto.body());
    } finally {
      Files.deleteIfExists(dir.resolve("kubelet.sock"));
      Files.deleteIfExists(dir);
    }
  }

  private static Map<String, String> types(String exposition) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = TYPE.matcher(exposition);
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }

  private static HttpResponse<String> get(int port, String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
