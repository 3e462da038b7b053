package io.kubesgx.status.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubesgx.common.cli.CliException;
import io.kubesgx.common.sgx.SgxNodeConventions;
import io.kubesgx.status.AttestationRead;
import io.kubesgx.status.ClusterSnapshot;
import io.kubesgx.status.Component;
import io.kubesgx.status.StatusCalculator;
import io.kubesgx.status.StatusException;
import io.kubesgx.status.StatusRenderer;
import io.kubesgx.status.StatusReport;
import io.kubesgx.status.Workload;
import io.kubesgx.status.attestation.AttestationEndpoint;
import io.kubesgx.status.kube.ClusterReader;
import io.kubesgx.status.kube.KubeClients;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kubesgx status}: EPC per node pool, component readiness and the attestation service's
 * freshness, read from the API server. Exit 0 healthy, 1 problems found (including "not installed"),
 * 2 usage error or API server unreachable (one line on stderr). docs/status.md has the columns and
 * the JSON schema.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show what kubesgx looks like in the cluster: per node pool SGX nodes, EPC allocatable/"
        + "requested/free, quote helpers ready and node agent problems; per component ready replicas; the "
        + "attestation service's signing-key age and collateral expiry. Exit 0 healthy, 1 problems found, "
        + "2 usage error or API server unreachable.")
public final class StatusCommand implements Callable<Integer> {
  /** Exit code when everything is healthy. */
  public static final int HEALTHY = 0;
  /** Exit code when problems were found (or kubesgx is not installed). */
  public static final int PROBLEMS = 1;
  /** The namespace the chart installs into by default. */
  public static final String DEFAULT_NAMESPACE = "kubesgx-system";

  @Spec CommandSpec spec;

  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "Kubeconfig file (default: KUBECONFIG, ~/.kube/config, else the in-cluster service account).")
  Path kubeconfig;

  @Option(names = "--context", paramLabel = "NAME", description = "Kubeconfig context (default: the current one).")
  String context;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = DEFAULT_NAMESPACE,
      description = "Namespace kubesgx is installed in (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = "--json", description = "Print the JSON document of docs/status.md instead of tables.")
  boolean json;

  @Option(names = "--attestation-url", paramLabel = "URL",
      description = "Read the attestation service's /status from this base URL instead of through the API "
          + "server's service proxy (e.g. http://127.0.0.1:8080 with a port-forward).")
  String attestationUrl;

  @Option(names = "--no-attestation", description = "Do not read the attestation service's status.")
  boolean noAttestation;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
      description = "Timeout of each request to the API server or the attestation service (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Option(names = "--startup-taint-key", paramLabel = "KEY", defaultValue = SgxNodeConventions.STARTUP_TAINT_KEY,
      description = "The node agent's startup taint key, if you changed --startup-taint (default: ${DEFAULT-VALUE}).")
  String startupTaintKey;

  private final Function<Duration, KubernetesClient> clientFactory;

  /** Creates the command using {@code --kubeconfig}/{@code --context}. */
  public StatusCommand() {
    this.clientFactory = null;
  }

  /** Creates the command with a client factory (tests pass the mock server's client). */
  StatusCommand(Function<Duration, KubernetesClient> clientFactory) {
    this.clientFactory = clientFactory;
  }

  @Override
  public Integer call() {
    if (timeoutSeconds < 1 || timeoutSeconds > 600) {
      throw CliException.usage("--timeout must be between 1 and 600 seconds");
    }
    if (namespace.isBlank()) {
      throw CliException.usage("--namespace must not be empty");
    }
    Optional<URI> url = Optional.ofNullable(attestationUrl).map(StatusCommand::parseUrl);
    if (url.isPresent() && noAttestation) {
      throw CliException.usage("--attestation-url and --no-attestation contradict each other; give one");
    }
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    StatusReport report;
    try (KubernetesClient client = client(timeout)) {
      ClusterReader reader = new ClusterReader(client);
      ClusterSnapshot snap = reader.read(namespace, startupTaintKey);
      if (!noAttestation) {
        Optional<AttestationRead> read = Optional.empty();
        if (url.isPresent()) {
          read = Optional.of(AttestationEndpoint.viaUrl(url.get(), timeout));
        } else if (snap.workloads().stream().map(Workload::component).anyMatch(c -> c == Component.ATTESTATION)) {
          Optional<ClusterReader.ServiceRef> svc = reader.attestationService(namespace);
          read = Optional.of(svc.isPresent()
              ? AttestationEndpoint.viaServiceProxy(client, namespace, svc.get().name(), svc.get().port(),
                  svc.get().https(), timeout)
              : AttestationRead.failed("namespace " + namespace, "no Service for the attestation Deployment (label "
                  + Component.COMPONENT_LABEL + "=attestation or name kubesgx-attestation); give --attestation-url"));
        }
        if (read.isPresent()) {
          snap = snap.withAttestation(read.get());
        }
      }
      report = StatusCalculator.compute(snap);
    } catch (StatusException e) {
      throw CliException.io(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? StatusRenderer.json(report) : StatusRenderer.text(report));
    out.flush();
    return report.healthy() ? HEALTHY : PROBLEMS;
  }

  private KubernetesClient client(Duration timeout) throws StatusException {
    if (clientFactory != null) {
      return clientFactory.apply(timeout);
    }
    return KubeClients.build(Optional.ofNullable(kubeconfig), Optional.ofNullable(context), timeout);
  }

  private static URI parseUrl(String s) {
    URI u;
    try {
      u = new URI(s);
    } catch (java.net.URISyntaxException e) {
      throw CliException.usage("--attestation-url " + s + ": not a URL (" + e.getReason() + ")");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
      throw CliException.usage("--attestation-url " + s + ": give an http:// or https:// URL with a host");
    }
    if (u.getRawQuery() != null || u.getRawFragment() != null) {
      throw CliException.usage("--attestation-url " + s + ": give the service's base URL without query or fragment");
    }
    return u;
  }
}
