package io.kubesgx.status.kube;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubesgx.status.StatusException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Builds the fabric8 client the way {@code kubectl} finds its cluster: {@code --kubeconfig} if given,
 * else {@code KUBECONFIG} or {@code ~/.kube/config}, else the in-cluster service account; {@code
 * --context} selects a context and must exist. Requests have the given timeout and are not retried,
 * so an unreachable API server fails within the timeout.
 */
public final class KubeClients {
  private KubeClients() {}

  /** Builds the client; a missing file or unknown context is a {@link StatusException.Reason#KUBECONFIG}. */
  public static KubernetesClient build(Optional<Path> kubeconfig, Optional<String> context, Duration timeout)
      throws StatusException {
    Config config;
    try {
      if (kubeconfig.isPresent()) {
        Path f = kubeconfig.get();
        if (!Files.isRegularFile(f) || !Files.isReadable(f)) {
          throw new StatusException(StatusException.Reason.KUBECONFIG,
              "--kubeconfig " + f + ": " + (Files.exists(f) ? "not a readable file" : "not found"), null);
        }
        config = Config.fromKubeconfig(context.orElse(null), f.toFile());
      } else {
        config = Config.autoConfigure(context.orElse(null));
      }
    } catch (RuntimeException e) {
      throw new StatusException(StatusException.Reason.KUBECONFIG, "cannot use the kubeconfig"
          + kubeconfig.map(p -> " " + p).orElse("") + ": " + oneLine(e), e);
    }
    if (context.isPresent()) {
      List<NamedContext> all = config.getContexts() == null ? List.of() : config.getContexts();
      NamedContext current = config.getCurrentContext();
      if (current == null || !context.get().equals(current.getName())) {
        String names = all.stream().map(NamedContext::getName).collect(Collectors.joining(", "));
        throw new StatusException(StatusException.Reason.KUBECONFIG, "--context " + context.get()
            + ": no such context in the kubeconfig" + (names.isEmpty() ? "" : " (contexts: " + names + ")"), null);
      }
    }
    return build(config, timeout);
  }

  /** Builds a client over a given configuration (tests pass the mock server's), with our timeouts and no retries. */
  public static KubernetesClient build(Config config, Duration timeout) {
    int ms = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    config.setRequestTimeout(ms);
    config.setConnectionTimeout(ms);
    config.setRequestRetryBackoffLimit(0);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  static String oneLine(Throwable t) {
    String m = t.getMessage();
    return (m == null || m.isBlank() ? t.getClass().getSimpleName() : m).replaceAll("\\s+", " ");
  }
}
