package io.kubesgx.sdk;

import io.kubesgx.sdk.QuoteProviderException.Reason;
import io.kubesgx.sdk.gramine.GramineQuoteProvider;
import io.kubesgx.sdk.gramine.GramineReportSource;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import io.kubesgx.sdk.sim.SimReportSource;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Chooses the {@link QuoteProvider} that fits the environment: Gramine's {@code /dev/attestation}
 * when its {@code attestation_type} reads {@code dcap}, else the AESM socket when {@code
 * SGX_AESM_ADDR} is set, else the simulated platform when explicitly opted in.
 *
 * <p>Nothing is cached: every call looks again, so an application that starts before its quote
 * helper or before its attestation device gets a provider on the next call.
 *
 * <pre>{@code
 * try (QuoteProvider provider = QuoteProviders.auto()) {
 *   byte[] quote = provider.quote(reportData64);
 * }
 * }</pre>
 */
public final class QuoteProviders {
  /** Environment variable naming the AESM socket; its presence selects the AESM provider. */
  public static final String AESM_ADDRESS_ENV = "SGX_AESM_ADDR";
  /** Environment variable that opts in to simulation when it is {@code 1}. */
  public static final String SIMULATION_ENV = "KUBESGX_SIMULATION";
  /** Environment variable naming the simulated platform directory (required with {@link #SIMULATION_ENV}). */
  public static final String SIM_PLATFORM_ENV = "KUBESGX_SIM_PLATFORM";
  /** The {@link QuoteProviderFactory#kind()} of the AESM provider. */
  public static final String AESM_KIND = "aesm";

  private QuoteProviders() {}

  /**
   * Returns the provider for this process's environment and {@link GramineQuoteProvider#DEFAULT_ROOT}.
   *
   * @throws QuoteProviderException {@link Reason#NOT_CONFIGURED} with a message listing what was
   *     checked when no provider fits, or the failure of the chosen provider
   */
  public static QuoteProvider auto() throws QuoteProviderException {
    return auto(System.getenv(), GramineQuoteProvider.DEFAULT_ROOT);
  }

  /**
   * Returns the provider for {@code environment} with Gramine's attestation files under {@code
   * attestationRoot}.
   *
   * <ol>
   *   <li>{@code attestationRoot/attestation_type} reads {@code dcap}: {@link GramineQuoteProvider}.
   *   <li>{@value #AESM_ADDRESS_ENV} is set: the {@value #AESM_KIND} {@link QuoteProviderFactory}
   *       (module {@code io.kubesgx:kubesgx-aesm}), with REPORTs from Gramine when running inside
   *       Gramine, else from the simulated enclave when simulation is opted in.
   *   <li>{@value #SIMULATION_ENV}{@code =1} and {@value #SIM_PLATFORM_ENV}{@code =DIR}: DANGEROUS,
   *       {@link SimQuoteProvider} (module {@code io.kubesgx:kubesgx-sim}).
   * </ol>
   *
   * @throws QuoteProviderException {@link Reason#NOT_CONFIGURED} when nothing fits or a needed
   *     module is missing, or the failure of the chosen provider
   */
  public static QuoteProvider auto(Map<String, String> environment, Path attestationRoot) throws QuoteProviderException {
    return auto(environment, attestationRoot, Thread.currentThread().getContextClassLoader(), Clock.systemUTC());
  }

  static QuoteProvider auto(Map<String, String> env, Path root, ClassLoader loader, Clock clock)
      throws QuoteProviderException {
    Objects.requireNonNull(env, "environment");
    Objects.requireNonNull(root, "attestationRoot");
    List<String> checked = new ArrayList<>();
    Optional<String> gramineType = GramineQuoteProvider.attestationType(root);
    if (gramineType.isPresent() && gramineType.get().equals("dcap")) {
      return GramineQuoteProvider.open(root);
    }
    checked.add(root.resolve("attestation_type") + " "
        + gramineType.map(t -> "reads '" + t + "' (need 'dcap'; set sgx.remote_attestation = \"dcap\" in the Gramine manifest)")
            .orElse("is absent (not running inside Gramine)"));

    boolean simulation = simulationOptedIn(env);
    String aesm = env.get(AESM_ADDRESS_ENV);
    if (aesm != null && !aesm.isBlank()) {
      QuoteProviderFactory factory = aesmFactory(loader);
      ReportSource reports;
      if (gramineType.isPresent()) {
        reports = GramineReportSource.open(root);
      } else if (simulation) {
        reports = simReportSource(env, clock);
      } else {
        throw new QuoteProviderException(Reason.NOT_CONFIGURED, AESM_ADDRESS_ENV + " is set, but there is no"
            + " enclave to produce REPORTs: run inside Gramine (" + root + "), or DANGEROUS for development only, set "
            + SIMULATION_ENV + "=1 and " + SIM_PLATFORM_ENV + "=DIR to report as a simulated enclave");
      }
      return factory.open(env, reports);
    }
    checked.add(AESM_ADDRESS_ENV + " is not set (no AESM socket of a quote helper)");

    if (simulation) {
      return simQuoteProvider(env, clock);
    }
    checked.add(SIMULATION_ENV + " is not 1 (simulation not opted in)");
    throw new QuoteProviderException(Reason.NOT_CONFIGURED, "no quote provider fits this environment; checked: "
        + String.join("; ", checked));
  }

  private static boolean simulationOptedIn(Map<String, String> env) {
    return "1".equals(env.get(SIMULATION_ENV));
  }

  private static Path simPlatformDir(Map<String, String> env) throws QuoteProviderException {
    String dir = env.get(SIM_PLATFORM_ENV);
    if (dir == null || dir.isBlank()) {
      throw new QuoteProviderException(Reason.NOT_CONFIGURED,
          SIMULATION_ENV + "=1 also needs " + SIM_PLATFORM_ENV + "=DIR, the simulated platform directory");
    }
    requireSimModule();
    try {
      return Path.of(dir);
    } catch (InvalidPathException e) {
      throw new QuoteProviderException(Reason.NOT_CONFIGURED, SIM_PLATFORM_ENV + " is not a path: " + dir, e);
    }
  }

  private static void requireSimModule() throws QuoteProviderException {
    try {
      Class.forName("io.kubesgx.sim.SimPlatform", false, QuoteProviders.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new QuoteProviderException(Reason.NOT_CONFIGURED,
          "simulation was requested but the simulated platform is not on the class path: add the dependency"
              + " io.kubesgx:kubesgx-sim", e);
    }
  }

  // Kept in separate methods so the optional kubesgx-sim classes load only when simulation is chosen.
  private static QuoteProvider simQuoteProvider(Map<String, String> env, Clock clock) throws QuoteProviderException {
    Path dir = simPlatformDir(env);
    try {
      return SimQuoteProvider.open(dir, clock);
    } catch (NoClassDefFoundError e) {
      throw simModuleIncomplete(e);
    }
  }

  private static ReportSource simReportSource(Map<String, String> env, Clock clock) throws QuoteProviderException {
    Path dir = simPlatformDir(env);
    try {
      return SimReportSource.open(dir, clock);
    } catch (NoClassDefFoundError e) {
      throw simModuleIncomplete(e);
    }
  }

  private static QuoteProviderException simModuleIncomplete(NoClassDefFoundError e) {
    return new QuoteProviderException(Reason.NOT_CONFIGURED, "the simulated platform's dependencies are incomplete ("
        + e.getMessage() + "): depend on io.kubesgx:kubesgx-sim with its transitive dependencies", e);
  }

  private static QuoteProviderFactory aesmFactory(ClassLoader loader) throws QuoteProviderException {
    try {
      for (QuoteProviderFactory f : ServiceLoader.load(QuoteProviderFactory.class, loader)) {
        if (AESM_KIND.equals(f.kind())) {
          return f;
        }
      }
    } catch (ServiceConfigurationError e) {
      throw new QuoteProviderException(Reason.NOT_CONFIGURED,
          "the AESM quote provider could not be loaded: " + e.getMessage(), e);
    }
    throw new QuoteProviderException(Reason.NOT_CONFIGURED, AESM_ADDRESS_ENV + " is set, but no '" + AESM_KIND
        + "' QuoteProviderFactory is on the class path: add the dependency io.kubesgx:kubesgx-aesm");
  }
}
