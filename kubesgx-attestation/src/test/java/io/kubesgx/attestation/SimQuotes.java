package io.kubesgx.attestation;

import io.kubesgx.common.Bytes;
import io.kubesgx.enclave.Report;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.QuotingEnclave;
import io.kubesgx.sim.SimPlatform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

/** Test helper: quotes from a simulated platform with REPORTDATA bound to runtime data. */
public final class SimQuotes {
  public static final Bytes MRENCLAVE = Bytes.of("kubesgx attestation test enclave".getBytes(StandardCharsets.US_ASCII)).sha256();

  private final SimPlatform platform;

  public SimQuotes(Path dir, Clock clock) throws Exception {
    this.platform = SimPlatform.openOrCreate(dir, clock);
  }

  public SimPlatform platform() {
    return platform;
  }

  /** REPORTDATA = SHA-256(runtimeData) ‖ 0^32. */
  public static Bytes reportDataFor(byte[] runtimeData) {
    return Bytes.of(runtimeData).sha256().concat(Bytes.zeros(32));
  }

  public byte[] quote(byte[] runtimeData, boolean debug) throws Exception {
    return quote(reportDataFor(runtimeData), debug, Bytes.zeros(64), 3);
  }

  public byte[] quote(Bytes reportData, boolean debug, Bytes configId, int version) throws Exception {
    SimEnclave app = AppEnclave.newBuilder().mrEnclave(MRENCLAVE).debug(debug).product(7, 3).config(configId, 0).build();
    QuotingEnclave qe = platform.quotingEnclave();
    Report report = platform.cpu().ereport(app, qe.targetInfo(), reportData);
    return qe.quote(report, version);
  }
}
