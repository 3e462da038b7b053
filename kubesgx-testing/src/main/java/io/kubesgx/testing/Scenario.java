package io.kubesgx.testing;

import io.kubesgx.sim.collateral.TcbInfoBuilder;
import io.kubesgx.sim.pki.CrlSpec;
import io.kubesgx.sim.pki.PckCertSpec;
import io.kubesgx.pck.PckCa;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One synthetic vector: how to build its quote and collateral from the standard platform, and what
 * a verifier must conclude. Instances are made by {@link Scenarios}; fields are set with the
 * fluent methods while the list is being assembled and are not changed afterwards.
 */
public final class Scenario {
  /** Default evaluation time of the vectors (inside every default validity window). */
  public static final Instant DEFAULT_NOW = Instant.parse("2025-06-15T12:00:00Z");

  final String name;
  final String description;
  final QuoteBuilder.Format format;
  Instant now = DEFAULT_NOW;
  PckCa pckCa;
  String platformStatus = "UpToDate";
  List<String> platformAdvisories = List.of();
  String qeStatus = "UpToDate";
  List<String> qeAdvisories = List.of();
  boolean revokeLeaf;
  boolean revokeIntermediate;
  boolean revokeTcbSigning;
  boolean wrongTcbInfoSigner;
  boolean tcbInfoV2;
  boolean duplicateLevel;
  boolean includePckCert = true;
  Instant tcbInfoIssue;
  Instant tcbInfoNextUpdate;
  CrlSpec pckCrl;
  Consumer<PckCertSpec.Builder> pck = b -> {};
  Consumer<TcbInfoBuilder> tcbInfo = b -> {};
  Consumer<QuoteBuilder> quote = b -> {};

  // expectations
  String expectedTcbStatus;
  List<String> expectedAdvisoryIds = List.of();
  String expectedReason;
  boolean expectedDebug;
  boolean failsAtLoad;

  Scenario(String name, QuoteBuilder.Format format, String description) {
    this.name = Objects.requireNonNull(name);
    this.format = Objects.requireNonNull(format);
    this.description = Objects.requireNonNull(description);
    this.pckCa = format.isTdx() ? PckCa.PLATFORM : PckCa.PROCESSOR;
  }

  /** Returns the vector name (its directory). */
  public String name() {
    return name;
  }

  /** Returns the one-line description. */
  public String description() {
    return description;
  }

  /** Returns the quote format. */
  public QuoteBuilder.Format format() {
    return format;
  }

  /** Returns the evaluation time. */
  public Instant now() {
    return now;
  }

  Scenario now(Instant t) {
    this.now = t;
    return this;
  }

  Scenario pckCa(PckCa ca) {
    this.pckCa = ca;
    return this;
  }

  Scenario platform(String status, String... advisories) {
    this.platformStatus = status;
    this.platformAdvisories = List.of(advisories);
    return this;
  }

  Scenario qe(String status, String... advisories) {
    this.qeStatus = status;
    this.qeAdvisories = List.of(advisories);
    return this;
  }

  Scenario expectStatus(String status, String... advisories) {
    this.expectedTcbStatus = status;
    this.expectedAdvisoryIds = List.of(advisories);
    return this;
  }

  Scenario expectReason(String reason) {
    this.expectedReason = reason;
    return this;
  }
}
