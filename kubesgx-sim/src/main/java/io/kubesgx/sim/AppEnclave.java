package io.kubesgx.sim;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.Attributes;
import io.kubesgx.enclave.SgxsImage;
import io.kubesgx.enclave.Sigstruct;
import io.kubesgx.enclave.sim.SgxException;
import io.kubesgx.enclave.sim.SimCpu;
import io.kubesgx.enclave.sim.SimEnclave;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The identity (SECS) of an application enclave running on a simulated platform: given directly
 * (MRENCLAVE and friends), or initialised by the simulated CPU from an enclave image — a {@code
 * .sgxs} measurement stream with its {@code .sig} SIGSTRUCT beside it, a bare SIGSTRUCT, or an
 * unsigned {@code .sgxs} (then signed by {@link #DEFAULT_MRSIGNER}).
 */
public final class AppEnclave {
  /** MRSIGNER of enclaves given without a SIGSTRUCT: SHA-256 of "kubesgx simulated enclave signer". */
  public static final Bytes DEFAULT_MRSIGNER =
      Bytes.of("kubesgx simulated enclave signer".getBytes(StandardCharsets.US_ASCII)).sha256();
  /**
   * MRENCLAVE of the default application enclave (used when no identity or image is given):
   * SHA-256 of "kubesgx simulated default enclave".
   */
  public static final Bytes DEFAULT_MRENCLAVE =
      Bytes.of("kubesgx simulated default enclave".getBytes(StandardCharsets.US_ASCII)).sha256();
  /** ATTRIBUTES of application enclaves: INIT | MODE64BIT, XFRM x87 | SSE. */
  public static final Attributes DEFAULT_ATTRIBUTES = new Attributes(Attributes.INIT | Attributes.MODE64BIT, 0x3);

  private AppEnclave() {}

  /** Returns the default application enclave: {@link #DEFAULT_MRENCLAVE}, {@link #DEFAULT_MRSIGNER}, product 0, SVN 0. */
  public static SimEnclave defaultEnclave() {
    return newBuilder().mrEnclave(DEFAULT_MRENCLAVE).build();
  }

  /** Returns a builder; every field not set takes the default (zero, or the values above). */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Initialises the enclave of {@code image} on {@code cpu}. A SIGSTRUCT (1808 bytes) is used as
   * is; an {@code .sgxs} file is measured and, when {@code IMAGE.sig} or the same name with {@code
   * .sig} instead of {@code .sgxs} exists, EINIT checks the measurement against its ENCLAVEHASH.
   */
  public static SimEnclave fromImage(SimCpu cpu, Path image, boolean debug, Bytes configId, int configSvn)
      throws IOException, MalformedInputException, SgxException {
    Bytes bytes = Bytes.of(Files.readAllBytes(image));
    if (bytes.length() == 1808) {
      Sigstruct sig = Sigstruct.parse(bytes);
      return einit(cpu, sig, null, debug, configId, configSvn);
    }
    SgxsImage sgxs;
    try {
      sgxs = SgxsImage.parse(bytes);
    } catch (MalformedInputException e) {
      throw new MalformedInputException(
          image + " is neither a SIGSTRUCT (1808 bytes) nor an .sgxs measurement stream: " + e.getMessage(), e);
    }
    Path sigPath = sibling(image);
    if (sigPath != null) {
      Sigstruct sig = Sigstruct.parse(Bytes.of(Files.readAllBytes(sigPath)));
      return einit(cpu, sig, sgxs.mrEnclave(), debug, configId, configSvn);
    }
    return newBuilder().mrEnclave(sgxs.mrEnclave()).debug(debug).config(configId, configSvn).build();
  }

  private static SimEnclave einit(SimCpu cpu, Sigstruct sig, Bytes measured, boolean debug, Bytes configId, int configSvn)
      throws SgxException {
    long flags = sig.attributes().flags() & ~Attributes.INIT;
    if (debug) {
      flags |= Attributes.DEBUG;
    }
    Attributes secs = new Attributes(flags, sig.attributes().xfrm());
    return cpu.einit(sig, secs, sig.miscSelect(), measured, configId, configSvn);
  }

  private static Path sibling(Path image) {
    Path direct = image.resolveSibling(image.getFileName() + ".sig");
    if (Files.isRegularFile(direct)) {
      return direct;
    }
    String name = image.getFileName().toString();
    if (name.endsWith(".sgxs")) {
      Path replaced = image.resolveSibling(name.substring(0, name.length() - 5) + ".sig");
      if (Files.isRegularFile(replaced)) {
        return replaced;
      }
    }
    return null;
  }

  /** Builder of an application enclave identity given field by field. */
  public static final class Builder {
    private Bytes mrEnclave = Bytes.zeros(32);
    private Bytes mrSigner = DEFAULT_MRSIGNER;
    private Attributes attributes = DEFAULT_ATTRIBUTES;
    private long miscSelect;
    private int isvProdId;
    private int isvSvn;
    private Bytes configId = Bytes.zeros(64);
    private int configSvn;
    private Bytes isvFamilyId = Bytes.zeros(16);
    private Bytes isvExtProdId = Bytes.zeros(16);

    private Builder() {}

    /** Sets MRENCLAVE (32 bytes). */
    public Builder mrEnclave(Bytes v) {
      this.mrEnclave = fixed(v, 32, "MRENCLAVE");
      return this;
    }

    /** Sets MRSIGNER (32 bytes). */
    public Builder mrSigner(Bytes v) {
      this.mrSigner = fixed(v, 32, "MRSIGNER");
      return this;
    }

    /** Sets or clears the DEBUG attribute. */
    public Builder debug(boolean debug) {
      long f = debug ? attributes.flags() | Attributes.DEBUG : attributes.flags() & ~Attributes.DEBUG;
      this.attributes = new Attributes(f, attributes.xfrm());
      return this;
    }

    /** Sets ISVPRODID and ISVSVN. */
    public Builder product(int isvProdId, int isvSvn) {
      this.isvProdId = u16(isvProdId, "ISVPRODID");
      this.isvSvn = u16(isvSvn, "ISVSVN");
      return this;
    }

    /** Sets CONFIGID (64 bytes) and CONFIGSVN; a non-zero CONFIGID needs KSS, which is then set. */
    public Builder config(Bytes configId, int configSvn) {
      this.configId = fixed(configId, 64, "CONFIGID");
      this.configSvn = u16(configSvn, "CONFIGSVN");
      if (!configId.isAllZero() || configSvn != 0) {
        this.attributes = new Attributes(attributes.flags() | Attributes.KSS, attributes.xfrm());
      }
      return this;
    }

    /** Sets MISCSELECT. */
    public Builder miscSelect(long v) {
      this.miscSelect = v & 0xffffffffL;
      return this;
    }

    /** Returns the identity. */
    public SimEnclave build() {
      return new SimEnclave(mrEnclave, mrSigner, attributes, miscSelect, isvProdId, isvSvn, configId, configSvn,
          isvFamilyId, isvExtProdId);
    }

    private static Bytes fixed(Bytes v, int n, String what) {
      Objects.requireNonNull(v, what);
      if (v.length() != n) {
        throw new IllegalArgumentException(what + " must be " + n + " bytes, got " + v.length());
      }
      return v;
    }

    private static int u16(int v, String what) {
      if (v < 0 || v > 0xffff) {
        throw new IllegalArgumentException(what + " must be 0..65535, got " + v);
      }
      return v;
    }
  }
}
