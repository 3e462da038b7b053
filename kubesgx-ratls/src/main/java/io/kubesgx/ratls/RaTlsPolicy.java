package io.kubesgx.ratls;

import io.kubesgx.ratls.RaTlsException.Reason;
import io.kubesgx.ratls.RaTlsException.Step;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What an RA-TLS peer must prove beyond a verified quote: enclave measurements and the TCB statuses
 * and enclave attributes that are acceptable. Mirrors Gramine's {@code RA_TLS_*} settings.
 *
 * <p>Secure by default: only an {@code UpToDate} TCB is accepted and debug enclaves are refused.
 * An empty allow-list {@link Optional} means "any value" (Gramine's {@code any}).
 *
 * <pre>{@code
 * RaTlsPolicy p = RaTlsPolicy.builder().mrEnclave(hex).minIsvSvn(3).build();
 * RaTlsPolicy q = RaTlsPolicy.fromEnvironment(System.getenv());   // RA_TLS_MRENCLAVE, ...
 * }</pre>
 *
 * @param mrEnclaves accepted MRENCLAVE values (64 lower-case hex digits each); empty = any
 * @param mrSigners accepted MRSIGNER values (64 lower-case hex digits each); empty = any
 * @param isvProdId the required ISVPRODID; empty = any
 * @param minIsvSvn the minimum ISVSVN; empty = any
 * @param allowOutdatedTcb DANGEROUS: accept {@code OutOfDate} TCB and collateral served stale past its nextUpdate
 * @param allowHwConfigNeeded accept TCB statuses that need a BIOS/hardware configuration change
 * @param allowSwHardeningNeeded accept TCB statuses that need software hardening in the enclave
 * @param allowDebugEnclave DANGEROUS: accept debug enclaves, whose memory the host can read
 */
public record RaTlsPolicy(
    Optional<Set<String>> mrEnclaves,
    Optional<Set<String>> mrSigners,
    OptionalInt isvProdId,
    OptionalInt minIsvSvn,
    boolean allowOutdatedTcb,
    boolean allowHwConfigNeeded,
    boolean allowSwHardeningNeeded,
    boolean allowDebugEnclave) {

  /** Gramine's variable for the accepted MRENCLAVE (64 hex digits or {@code any}). */
  public static final String ENV_MRENCLAVE = "RA_TLS_MRENCLAVE";
  /** Gramine's variable for the accepted MRSIGNER (64 hex digits or {@code any}). */
  public static final String ENV_MRSIGNER = "RA_TLS_MRSIGNER";
  /** Gramine's variable for the required ISVPRODID (decimal or {@code any}). */
  public static final String ENV_ISV_PROD_ID = "RA_TLS_ISV_PROD_ID";
  /** Gramine's variable for the minimum ISVSVN (decimal or {@code any}). */
  public static final String ENV_ISV_SVN = "RA_TLS_ISV_SVN";
  /** Gramine's knob: {@code 1} accepts OutOfDate TCB and stale collateral. */
  public static final String ENV_ALLOW_OUTDATED_TCB = "RA_TLS_ALLOW_OUTDATED_TCB_INSECURE";
  /** Gramine's knob: {@code 1} accepts ConfigurationNeeded TCB statuses. */
  public static final String ENV_ALLOW_HW_CONFIG_NEEDED = "RA_TLS_ALLOW_HW_CONFIG_NEEDED";
  /** Gramine's knob: {@code 1} accepts SWHardeningNeeded TCB statuses. */
  public static final String ENV_ALLOW_SW_HARDENING_NEEDED = "RA_TLS_ALLOW_SW_HARDENING_NEEDED";
  /** Gramine's knob: {@code 1} accepts debug enclaves. */
  public static final String ENV_ALLOW_DEBUG_ENCLAVE = "RA_TLS_ALLOW_DEBUG_ENCLAVE_INSECURE";

  private static final int MEASUREMENT_HEX = 64;

  /** Validates the measurements (64 hex digits, stored lower-case) and the 16-bit numbers; copies the sets. */
  public RaTlsPolicy {
    mrEnclaves = copyMeasurements(mrEnclaves, "MRENCLAVE");
    mrSigners = copyMeasurements(mrSigners, "MRSIGNER");
    Objects.requireNonNull(isvProdId, "isvProdId");
    Objects.requireNonNull(minIsvSvn, "minIsvSvn");
    isvProdId.ifPresent(v -> requireU16(v, "ISVPRODID"));
    minIsvSvn.ifPresent(v -> requireU16(v, "ISVSVN"));
  }

  /** Returns a builder; without any call it accepts every enclave with an UpToDate TCB that is not a debug enclave. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads Gramine's variables from {@code env}. Like Gramine, each of {@value #ENV_MRENCLAVE},
   * {@value #ENV_MRSIGNER}, {@value #ENV_ISV_PROD_ID} and {@value #ENV_ISV_SVN} must be set, to a
   * value or to {@code any}. The {@code RA_TLS_ALLOW_*} knobs are on when set to {@code 1}; unset,
   * empty or {@code 0} is off and any other value is refused (Gramine treats it as off).
   *
   * @throws RaTlsException {@link Step#INIT} / {@link Reason#BAD_CONFIGURATION} naming the variable
   */
  public static RaTlsPolicy fromEnvironment(Map<String, String> env) throws RaTlsException {
    Objects.requireNonNull(env, "env");
    Builder b = builder();
    String mrEnclave = required(env, ENV_MRENCLAVE);
    if (!mrEnclave.equals("any")) {
      b.mrEnclave(envHex(ENV_MRENCLAVE, mrEnclave));
    }
    String mrSigner = required(env, ENV_MRSIGNER);
    if (!mrSigner.equals("any")) {
      b.mrSigner(envHex(ENV_MRSIGNER, mrSigner));
    }
    String prodId = required(env, ENV_ISV_PROD_ID);
    if (!prodId.equals("any")) {
      b.isvProdId(envU16(ENV_ISV_PROD_ID, prodId));
    }
    String svn = required(env, ENV_ISV_SVN);
    if (!svn.equals("any")) {
      b.minIsvSvn(envU16(ENV_ISV_SVN, svn));
    }
    if (knob(env, ENV_ALLOW_OUTDATED_TCB)) {
      b.insecureAllowOutdatedTcb();
    }
    if (knob(env, ENV_ALLOW_HW_CONFIG_NEEDED)) {
      b.allowHwConfigNeeded();
    }
    if (knob(env, ENV_ALLOW_SW_HARDENING_NEEDED)) {
      b.allowSwHardeningNeeded();
    }
    if (knob(env, ENV_ALLOW_DEBUG_ENCLAVE)) {
      b.insecureAllowDebugEnclave();
    }
    return b.build();
  }

  /** Returns true when neither MRENCLAVE nor MRSIGNER is constrained (any enclave of any signer passes). */
  public boolean acceptsAnyEnclave() {
    return mrEnclaves.isEmpty() && mrSigners.isEmpty();
  }

  private static String required(Map<String, String> env, String name) throws RaTlsException {
    String v = env.get(name);
    if (v == null) {
      throw new RaTlsException(Step.INIT, Reason.BAD_CONFIGURATION,
          "the environment variable " + name + " is not set; set it to the expected value or to 'any'");
    }
    return v;
  }

  private static String envHex(String name, String value) throws RaTlsException {
    if (!isHex64(value)) {
      throw new RaTlsException(Step.INIT, Reason.BAD_CONFIGURATION,
          name + " must be 64 hex digits or 'any' (got " + value.length() + " characters)");
    }
    return value;
  }

  private static int envU16(String name, String value) throws RaTlsException {
    if (value.isEmpty() || value.length() > 5 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new RaTlsException(Step.INIT, Reason.BAD_CONFIGURATION,
          name + " must be a decimal number from 0 to 65535 or 'any'");
    }
    int v = Integer.parseInt(value);
    if (v > 0xffff) {
      throw new RaTlsException(Step.INIT, Reason.BAD_CONFIGURATION,
          name + " must be a decimal number from 0 to 65535 or 'any' (got " + v + ")");
    }
    return v;
  }

  private static boolean knob(Map<String, String> env, String name) throws RaTlsException {
    String v = env.get(name);
    if (v == null || v.isEmpty() || v.equals("0")) {
      return false;
    }
    if (v.equals("1")) {
      return true;
    }
    throw new RaTlsException(Step.INIT, Reason.BAD_CONFIGURATION, name + " must be 1 (on) or 0 (off), or be unset");
  }

  private static boolean isHex64(String s) {
    if (s.length() != MEASUREMENT_HEX) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
        return false;
      }
    }
    return true;
  }

  private static Optional<Set<String>> copyMeasurements(Optional<Set<String>> in, String what) {
    Objects.requireNonNull(in, what);
    if (in.isEmpty()) {
      return in;
    }
    Set<String> out = new LinkedHashSet<>();
    for (String s : in.get()) {
      if (s == null || !isHex64(s)) {
        throw new IllegalArgumentException(what + " values must be 64 hex digits");
      }
      out.add(s.toLowerCase(Locale.ROOT));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("an empty " + what + " allow-list would refuse every enclave; leave it unset for 'any'");
    }
    return Optional.of(Collections.unmodifiableSet(out));
  }

  private static void requireU16(int v, String what) {
    if (v < 0 || v > 0xffff) {
      throw new IllegalArgumentException(what + " must be from 0 to 65535");
    }
  }

  /** Builds a {@link RaTlsPolicy}; rejects malformed values with {@link IllegalArgumentException}. */
  public static final class Builder {
    private final Set<String> mrEnclaves = new LinkedHashSet<>();
    private final Set<String> mrSigners = new LinkedHashSet<>();
    private OptionalInt isvProdId = OptionalInt.empty();
    private OptionalInt minIsvSvn = OptionalInt.empty();
    private boolean allowOutdatedTcb;
    private boolean allowHwConfigNeeded;
    private boolean allowSwHardeningNeeded;
    private boolean allowDebugEnclave;

    private Builder() {}

    /** Adds an accepted MRENCLAVE (64 hex digits, any case). */
    public Builder mrEnclave(String hex) {
      mrEnclaves.add(Objects.requireNonNull(hex, "hex"));
      return this;
    }

    /** Adds an accepted MRSIGNER (64 hex digits, any case). */
    public Builder mrSigner(String hex) {
      mrSigners.add(Objects.requireNonNull(hex, "hex"));
      return this;
    }

    /** Requires this ISVPRODID. */
    public Builder isvProdId(int id) {
      this.isvProdId = OptionalInt.of(id);
      return this;
    }

    /** Requires at least this ISVSVN. */
    public Builder minIsvSvn(int svn) {
      this.minIsvSvn = OptionalInt.of(svn);
      return this;
    }

    /**
     * DANGEROUS: accepts {@code OutOfDate} and {@code OutOfDateConfigurationNeeded} (the latter only
     * together with {@link #allowHwConfigNeeded()}) and collateral served stale after its nextUpdate:
     * the platform may be vulnerable to published attacks.
     */
    public Builder insecureAllowOutdatedTcb() {
      this.allowOutdatedTcb = true;
      return this;
    }

    /** Accepts {@code ConfigurationNeeded} (and, with the other knobs, its combinations). */
    public Builder allowHwConfigNeeded() {
      this.allowHwConfigNeeded = true;
      return this;
    }

    /** Accepts {@code SWHardeningNeeded} (and, with the other knobs, its combinations). */
    public Builder allowSwHardeningNeeded() {
      this.allowSwHardeningNeeded = true;
      return this;
    }

    /** DANGEROUS: accepts debug enclaves, whose memory and secrets the host can read. */
    public Builder insecureAllowDebugEnclave() {
      this.allowDebugEnclave = true;
      return this;
    }

    /** Builds the policy. */
    public RaTlsPolicy build() {
      return new RaTlsPolicy(
          mrEnclaves.isEmpty() ? Optional.empty() : Optional.of(Set.copyOf(mrEnclaves)),
          mrSigners.isEmpty() ? Optional.empty() : Optional.of(Set.copyOf(mrSigners)),
          isvProdId, minIsvSvn, allowOutdatedTcb, allowHwConfigNeeded, allowSwHardeningNeeded, allowDebugEnclave);
    }
  }
}
