package io.kubesgx.status;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The computed status: what the table and the JSON show.
 *
 * @param namespace where kubesgx was looked for
 * @param installed a node agent DaemonSet was found
 * @param pools one row per node pool, sorted by name
 * @param services one row per component, in {@link Component} order (absent ones included)
 * @param attestation the attestation service's freshness, when it was read or tried
 * @param problems everything to fix; empty when healthy
 */
public record StatusReport(String namespace, boolean installed, List<Pool> pools, List<Service> services,
    Optional<Attestation> attestation, List<Problem> problems) {

  /** Copies the lists. */
  public StatusReport {
    Objects.requireNonNull(namespace, "namespace");
    pools = List.copyOf(pools);
    services = List.copyOf(services);
    Objects.requireNonNull(attestation, "attestation");
    problems = List.copyOf(problems);
  }

  /** Installed and no problem found. */
  public boolean healthy() {
    return installed && problems.isEmpty();
  }

  /**
   * One node pool.
   *
   * @param name pool name
   * @param nodes all nodes of the pool
   * @param sgxNodes nodes advertising EPC or labelled {@code kubesgx.io/sgx=true}
   * @param epcAllocatableBytes EPC the SGX nodes offer (one accounting, bytes)
   * @param epcRequestedBytes EPC requested by non-terminated pods bound to them (one accounting)
   * @param quoteHelperReady SGX nodes labelled {@code kubesgx.io/quote-helper-ready=true}
   * @param problems how many problems concern this pool
   */
  public record Pool(String name, int nodes, int sgxNodes, long epcAllocatableBytes, long epcRequestedBytes,
      int quoteHelperReady, int problems) {
    /** Allocatable minus requested (negative when overcommitted). */
    public long epcFreeBytes() {
      return epcAllocatableBytes - epcRequestedBytes;
    }
  }

  /**
   * One component.
   *
   * @param component the component
   * @param names the objects found (empty when the component is not installed)
   * @param desired desired replicas (summed over the objects)
   * @param ready ready replicas (summed)
   */
  public record Service(Component component, List<String> names, int desired, int ready) {
    /** Copies the list. */
    public Service {
      names = List.copyOf(names);
    }

    /** Whether the component was found. */
    public boolean present() {
      return !names.isEmpty();
    }
  }

  /**
   * The attestation service's freshness.
   *
   * @param source where it was read
   * @param error why it could not be read
   * @param signingKeyKid the signing key's ID
   * @param signingKeyAge the signing key's age on the service's clock
   * @param collateral per FMSPC, the earliest {@code nextUpdate}, sorted by FMSPC
   */
  public record Attestation(String source, Optional<String> error, Optional<String> signingKeyKid,
      Optional<Duration> signingKeyAge, List<FmspcExpiry> collateral) {
    /** Copies the list. */
    public Attestation {
      collateral = List.copyOf(collateral);
    }

    /** The earliest {@code nextUpdate} over all FMSPCs. */
    public Optional<Instant> earliestExpiry() {
      return collateral.stream().map(FmspcExpiry::nextUpdate).flatMap(Optional::stream).min(Instant::compareTo);
    }
  }

  /**
   * One FMSPC's collateral.
   *
   * @param fmspc 12 upper-case hex digits
   * @param nextUpdate the earliest {@code nextUpdate} over its cached sets (empty when none is cached)
   * @param stale any set is stale
   * @param expired any set is expired
   */
  public record FmspcExpiry(String fmspc, Optional<Instant> nextUpdate, boolean stale, boolean expired) {}
}
