package io.kubesgx.sim;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.pck.PckCa;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * The public description of a simulated platform, stored as {@code platform.json} in its
 * directory: the values its PCK certificate carries (FMSPC, PCE-ID, CPUSVN, PCESVN, PPID), the
 * quoting enclave's ISVSVN, when it was created and the scenario its PCS serves.
 *
 * @param created creation time (certificate validity starts one day earlier)
 * @param fmspc the 6-byte FMSPC
 * @param pceId the 2-byte PCE-ID
 * @param cpuSvn the 16-byte CPUSVN, whose bytes are the 16 SGX TCB component SVNs
 * @param pceSvn the PCE ISVSVN
 * @param qeSvn the quoting enclave ISVSVN
 * @param ppid the 16-byte platform provisioning ID written into the PCK certificate
 * @param pckCa the CA that issues the PCK certificate (Processor for single-package platforms,
 *     Platform for multi-package ones; the SGX extension then also carries the platform instance
 *     ID and configuration)
 * @param scenario the scenario the platform's collateral and PCS follow
 */
public record PlatformConfig(
    Instant created, Bytes fmspc, Bytes pceId, Bytes cpuSvn, int pceSvn, int qeSvn, Bytes ppid, PckCa pckCa,
    Scenario scenario) {
  /** Value of the {@code format} member. */
  public static final String FORMAT = "kubesgx-sim-platform/1";
  /**
   * Default FMSPC. {@code 00515E000000} is not an FMSPC of any Intel platform family, so simulated
   * collateral can never be cached under a real platform's key.
   */
  public static final String DEFAULT_FMSPC = "00515e000000";
  /** Default CPUSVN: SGX TCB components 4, 4, 2, 2, 3, 1, 0, 5, then zeros. */
  public static final String DEFAULT_CPUSVN = "04040202030100050000000000000000";
  /** Default PCESVN. */
  public static final int DEFAULT_PCE_SVN = 13;
  /** Default QE ISVSVN (that of Intel's current QE3). */
  public static final int DEFAULT_QE_SVN = 8;

  /** Checks sizes and ranges. */
  public PlatformConfig {
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(scenario, "scenario");
    Objects.requireNonNull(pckCa, "pckCa");
    requireLength(fmspc, 6, "fmspc");
    requireLength(pceId, 2, "pceId");
    requireLength(cpuSvn, 16, "cpuSvn");
    requireLength(ppid, 16, "ppid");
    if (pceSvn < 0 || pceSvn > 0xffff) {
      throw new IllegalArgumentException("pceSvn must be 0..65535, got " + pceSvn);
    }
    if (qeSvn < 1 || qeSvn > 0xffff) {
      throw new IllegalArgumentException("qeSvn must be 1..65535, got " + qeSvn);
    }
  }

  /** Returns a copy following {@code s}. */
  public PlatformConfig withScenario(Scenario s) {
    return new PlatformConfig(created, fmspc, pceId, cpuSvn, pceSvn, qeSvn, ppid, pckCa, s);
  }

  /** Returns the 16 SGX TCB component SVNs (the CPUSVN bytes). */
  public int[] components() {
    int[] c = new int[16];
    for (int i = 0; i < 16; i++) {
      c[i] = cpuSvn.get(i);
    }
    return c;
  }

  /** Returns the JSON stored in {@code platform.json}. */
  public String toJson() {
    return JsonBuilder.object()
        .put("format", FORMAT)
        .put("created", created.toString())
        .put("fmspc", fmspc.hex())
        .put("pceId", pceId.hex())
        .put("cpuSvn", cpuSvn.hex())
        .put("pceSvn", pceSvn)
        .put("qeSvn", qeSvn)
        .put("ppid", ppid.hex())
        .put("pckCa", pckCa.crlParameter())
        .put("scenario", scenario.cliName())
        .toString();
  }

  /** Parses {@code platform.json}; every problem names the member to fix. */
  public static PlatformConfig parse(String json) throws MalformedInputException {
    JsonObject o = Json.parseObject(json);
    String format = o.string("format");
    if (!FORMAT.equals(format)) {
      throw new MalformedInputException("platform.json: format is '" + format + "', expected '" + FORMAT + "'");
    }
    try {
      return new PlatformConfig(
          Instant.parse(o.string("created")),
          Bytes.fromHex(o.string("fmspc")),
          Bytes.fromHex(o.string("pceId")),
          Bytes.fromHex(o.string("cpuSvn")),
          Math.toIntExact(o.integer("pceSvn")),
          Math.toIntExact(o.integer("qeSvn")),
          Bytes.fromHex(o.string("ppid")),
          parseCa(o.has("pckCa") ? o.string("pckCa") : "processor"),
          Scenario.parse(o.string("scenario")));
    } catch (IllegalArgumentException | ArithmeticException | DateTimeParseException e) {
      throw new MalformedInputException("platform.json: " + e.getMessage());
    }
  }

  /** Parses {@code processor} or {@code platform}. */
  public static PckCa parseCa(String name) {
    for (PckCa ca : PckCa.values()) {
      if (ca.crlParameter().equalsIgnoreCase(name)) {
        return ca;
      }
    }
    throw new IllegalArgumentException("PCK CA must be 'processor' or 'platform', got '" + name + "'");
  }

  private static void requireLength(Bytes b, int n, String what) {
    Objects.requireNonNull(b, what);
    if (b.length() != n) {
      throw new IllegalArgumentException(what + " must be " + n + " bytes, got " + b.length());
    }
  }
}
