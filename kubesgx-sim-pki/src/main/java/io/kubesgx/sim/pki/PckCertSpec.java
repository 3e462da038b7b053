package io.kubesgx.sim.pki;

import io.kubesgx.common.Bytes;
import io.kubesgx.pck.PckCa;
import io.kubesgx.pck.SgxType;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What goes into a PCK leaf certificate issued by a {@link DcapPki}: the issuing CA, validity, key
 * label, serial and every field of the Intel SGX extension (dcap-verification.md §3.3).
 *
 * <pre>{@code
 * PckCertSpec spec = PckCertSpec.newBuilder().ca(PckCa.PLATFORM).keyLabel("pck/" + id)
 *     .serial(serial).validity(from, to).ppid(ppidHex).fmspc("00515e000000")
 *     .components(5, 5, 2, 2, 3, 1, 0, 5).pceSvn(11).platformInstanceId(instanceHex).build();
 * }</pre>
 *
 * <p>Only values Intel's PCS fixes have defaults (PCE-ID {@code 0000}, SGX type Standard, the three
 * Platform-CA configuration flags true, CPUSVN equal to the components); everything that
 * identifies a platform or certificate must be set.
 */
public final class PckCertSpec {
  private final PckCa ca;
  private final String keyLabel;
  private final BigInteger serial;
  private final Instant notBefore;
  private final Instant notAfter;
  private final Bytes ppid;
  private final List<Integer> components;
  private final int pceSvn;
  private final Bytes cpuSvn;
  private final Bytes pceId;
  private final Bytes fmspc;
  private final SgxType sgxType;
  private final Bytes platformInstanceId;
  private final boolean dynamicPlatform;
  private final boolean cachedKeys;
  private final boolean smtEnabled;

  private PckCertSpec(Builder b) {
    this.ca = b.ca;
    this.keyLabel = b.keyLabel;
    this.serial = b.serial;
    this.notBefore = b.notBefore;
    this.notAfter = b.notAfter;
    this.ppid = b.ppid;
    this.components = List.copyOf(b.components);
    this.pceSvn = b.pceSvn;
    this.cpuSvn = b.cpuSvn != null ? b.cpuSvn : cpuSvnOf(b.components);
    this.pceId = b.pceId;
    this.fmspc = b.fmspc;
    this.sgxType = b.sgxType;
    this.platformInstanceId = b.platformInstanceId;
    this.dynamicPlatform = b.dynamicPlatform;
    this.cachedKeys = b.cachedKeys;
    this.smtEnabled = b.smtEnabled;
  }

  private static Bytes cpuSvnOf(List<Integer> comps) {
    byte[] out = new byte[16];
    for (int i = 0; i < 16; i++) {
      out[i] = (byte) (int) comps.get(i);
    }
    return Bytes.of(out);
  }

  /** Returns a builder (Processor CA unless set). */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Returns a builder pre-filled with this spec. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.ca = ca;
    b.keyLabel = keyLabel;
    b.serial = serial;
    b.notBefore = notBefore;
    b.notAfter = notAfter;
    b.ppid = ppid;
    b.components = new ArrayList<>(components);
    b.pceSvn = pceSvn;
    b.cpuSvn = cpuSvn;
    b.pceId = pceId;
    b.fmspc = fmspc;
    b.sgxType = sgxType;
    b.platformInstanceId = platformInstanceId;
    b.dynamicPlatform = dynamicPlatform;
    b.cachedKeys = cachedKeys;
    b.smtEnabled = smtEnabled;
    return b;
  }

  /** Returns the issuing PCK CA. */
  public PckCa ca() {
    return ca;
  }

  /** Returns the label the leaf key is derived from. */
  public String keyLabel() {
    return keyLabel;
  }

  /** Returns the serial number. */
  public BigInteger serial() {
    return serial;
  }

  /** Returns notBefore. */
  public Instant notBefore() {
    return notBefore;
  }

  /** Returns notAfter. */
  public Instant notAfter() {
    return notAfter;
  }

  /** Returns the 16-byte PPID. */
  public Bytes ppid() {
    return ppid;
  }

  /** Returns the 16 SGX TCB component SVNs. */
  public List<Integer> components() {
    return components;
  }

  /** Returns PCESVN. */
  public int pceSvn() {
    return pceSvn;
  }

  /** Returns the 16-byte CPUSVN (by default the components as bytes). */
  public Bytes cpuSvn() {
    return cpuSvn;
  }

  /** Returns the 2-byte PCE-ID. */
  public Bytes pceId() {
    return pceId;
  }

  /** Returns the 6-byte FMSPC. */
  public Bytes fmspc() {
    return fmspc;
  }

  /** Returns the SGX type. */
  public SgxType sgxType() {
    return sgxType;
  }

  /** Returns the platform instance ID (Platform-CA leaves only). */
  public Bytes platformInstanceId() {
    return platformInstanceId;
  }

  /** Returns the dynamicPlatform flag (Platform-CA leaves only). */
  public boolean dynamicPlatform() {
    return dynamicPlatform;
  }

  /** Returns the cachedKeys flag (Platform-CA leaves only). */
  public boolean cachedKeys() {
    return cachedKeys;
  }

  /** Returns the SMTEnabled flag (Platform-CA leaves only). */
  public boolean smtEnabled() {
    return smtEnabled;
  }

  /** Builder for {@link PckCertSpec}. */
  public static final class Builder {
    private PckCa ca = PckCa.PROCESSOR;
    private String keyLabel;
    private BigInteger serial;
    private Instant notBefore;
    private Instant notAfter;
    private Bytes ppid;
    private List<Integer> components;
    private int pceSvn = -1;
    private Bytes cpuSvn;
    private Bytes pceId = hex("0000");
    private Bytes fmspc;
    private SgxType sgxType = SgxType.STANDARD;
    private Bytes platformInstanceId;
    private boolean dynamicPlatform = true;
    private boolean cachedKeys = true;
    private boolean smtEnabled = true;

    private Builder() {}

    /** Sets the issuing CA (decides the extension shape). */
    public Builder ca(PckCa ca) {
      this.ca = Objects.requireNonNull(ca);
      return this;
    }

    /** Sets the label the leaf key is derived from (different labels give different keys). */
    public Builder keyLabel(String label) {
      this.keyLabel = Objects.requireNonNull(label);
      return this;
    }

    /** Sets the serial number. */
    public Builder serial(BigInteger serial) {
      this.serial = Objects.requireNonNull(serial);
      return this;
    }

    /** Sets the validity window. */
    public Builder validity(Instant notBefore, Instant notAfter) {
      this.notBefore = Objects.requireNonNull(notBefore);
      this.notAfter = Objects.requireNonNull(notAfter);
      return this;
    }

    /** Sets the PPID (hex, 16 bytes). */
    public Builder ppid(String hex) {
      this.ppid = hex(hex);
      return this;
    }

    /** Sets the leading SGX TCB component SVNs; the rest are zero. CPUSVN follows unless set explicitly. */
    public Builder components(int... svns) {
      if (svns.length > 16) {
        throw new IllegalArgumentException("at most 16 components");
      }
      List<Integer> l = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        l.add(i < svns.length ? svns[i] : 0);
      }
      this.components = l;
      return this;
    }

    /** Sets PCESVN (0..65535). */
    public Builder pceSvn(int pceSvn) {
      if (pceSvn < 0 || pceSvn > 0xffff) {
        throw new IllegalArgumentException("PCESVN must be 0..65535, got " + pceSvn);
      }
      this.pceSvn = pceSvn;
      return this;
    }

    /** Overrides CPUSVN (hex, 16 bytes); by default it equals the components. */
    public Builder cpuSvn(String hex) {
      this.cpuSvn = hex(hex);
      return this;
    }

    /** Sets the PCE-ID (hex, 2 bytes). */
    public Builder pceId(String hex) {
      this.pceId = hex(hex);
      return this;
    }

    /** Sets the FMSPC (hex, 6 bytes). */
    public Builder fmspc(String hex) {
      this.fmspc = hex(hex);
      return this;
    }

    /** Sets the SGX type. */
    public Builder sgxType(SgxType type) {
      this.sgxType = Objects.requireNonNull(type);
      return this;
    }

    /** Sets the platform instance ID (hex, 16 bytes; Platform-CA leaves only). */
    public Builder platformInstanceId(String hex) {
      this.platformInstanceId = hex(hex);
      return this;
    }

    /** Sets the three configuration flags (Platform-CA leaves only). */
    public Builder configuration(boolean dynamicPlatform, boolean cachedKeys, boolean smtEnabled) {
      this.dynamicPlatform = dynamicPlatform;
      this.cachedKeys = cachedKeys;
      this.smtEnabled = smtEnabled;
      return this;
    }

    /** Builds the spec; every identifying field must have been set (platform instance ID for Platform-CA leaves). */
    public PckCertSpec build() {
      require(keyLabel, "keyLabel");
      require(serial, "serial");
      require(notBefore, "validity");
      require(ppid, "ppid");
      require(components, "components");
      require(fmspc, "fmspc");
      if (pceSvn < 0) {
        throw new IllegalStateException("PckCertSpec.pceSvn(...) must be set");
      }
      if (ca == PckCa.PLATFORM) {
        require(platformInstanceId, "platformInstanceId");
      }
      return new PckCertSpec(this);
    }

    private static void require(Object value, String setting) {
      if (value == null) {
        throw new IllegalStateException("PckCertSpec." + setting + "(...) must be set");
      }
    }
  }

  private static Bytes hex(String hex) {
    try {
      return Bytes.fromHex(hex);
    } catch (io.kubesgx.common.MalformedInputException e) {
      throw new IllegalArgumentException("bad hex: " + hex, e);
    }
  }
}
