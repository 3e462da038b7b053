package io.kubesgx.sim.collateral;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.CollateralLoader;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.pck.PckCa;
import io.kubesgx.sim.pki.CrlSpec;
import io.kubesgx.sim.pki.DcapPki;
import io.kubesgx.sim.pki.DerivedKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds signed collateral for a {@link DcapPki}: a TCB info and a QE identity signed by
 * the PKI's TCB signing key over the exact JSON text emitted (dcap-verification.md §4.4), their
 * issuer chain, the root CA CRL and the PCK CRL with its issuer chain, and optionally the PCK
 * certificate.
 *
 * <p>Outputs: a {@link Collateral} (through {@link CollateralLoader#fromPcsResponses}), PCS-shaped
 * bodies {@code {"tcbInfo":{…},"signature":"<hex>"}}, dcap-qvl JSON, or an Intel QVL sample-style
 * directory that {@link CollateralLoader#fromDirectory} reads.
 *
 * <pre>{@code
 * Collateral c = CollateralBuilder.newBuilder(pki)
 *     .tcbInfo(tcbInfo).qeIdentity(qeIdentity)
 *     .pckCrl(CrlSpec.of(from, to)).rootCaCrl(CrlSpec.of(from, to))
 *     .build();
 * }</pre>
 */
public final class CollateralBuilder {
  private final DcapPki pki;
  private String tcbInfoJson;
  private String qeIdentityJson;
  private PckCa pckCa = PckCa.PROCESSOR;
  private CrlSpec rootCaCrl;
  private CrlSpec pckCrl;
  private DcapPki.Issued pckLeaf;
  private DerivedKey tcbInfoSigner;
  private DerivedKey qeIdentitySigner;

  private CollateralBuilder(DcapPki pki) {
    this.pki = Objects.requireNonNull(pki);
    this.tcbInfoSigner = pki.tcbSigning().key();
    this.qeIdentitySigner = pki.tcbSigning().key();
  }

  /** Returns a builder; both CRLs are omitted until set. */
  public static CollateralBuilder newBuilder(DcapPki pki) {
    return new CollateralBuilder(pki);
  }

  /** Sets the TCB info. */
  public CollateralBuilder tcbInfo(TcbInfoBuilder tcbInfo) {
    return tcbInfoJson(tcbInfo.toJson());
  }

  /** Sets the exact {@code tcbInfo} JSON text to sign and serve. */
  public CollateralBuilder tcbInfoJson(String json) {
    this.tcbInfoJson = Objects.requireNonNull(json);
    return this;
  }

  /** Sets the QE identity. */
  public CollateralBuilder qeIdentity(QeIdentityBuilder qeIdentity) {
    return qeIdentityJson(qeIdentity.toJson());
  }

  /** Sets the exact {@code enclaveIdentity} JSON text to sign and serve. */
  public CollateralBuilder qeIdentityJson(String json) {
    this.qeIdentityJson = Objects.requireNonNull(json);
    return this;
  }

  /** Sets the PCK CA whose CRL and issuer chain are served (default Processor). */
  public CollateralBuilder pckCa(PckCa ca) {
    this.pckCa = Objects.requireNonNull(ca);
    return this;
  }

  /** Sets the root CA CRL; null omits it. */
  public CollateralBuilder rootCaCrl(CrlSpec spec) {
    this.rootCaCrl = spec;
    return this;
  }

  /** Sets the PCK CRL; null omits it (and its issuer chain). */
  public CollateralBuilder pckCrl(CrlSpec spec) {
    this.pckCrl = spec;
    return this;
  }

  /** Includes the PCK leaf (and so the PCK chain) in the collateral; its CA becomes {@link #pckCa}. */
  public CollateralBuilder pckCertificate(DcapPki.Issued leaf) {
    this.pckLeaf = leaf;
    this.pckCa =
        PckCa.fromIssuer(leaf.certificate().getIssuerX500Principal())
            .orElseThrow(() -> new IllegalArgumentException("not a PCK leaf"));
    return this;
  }

  /**
   * For negative tests: signs the TCB info with {@code key} instead of the PKI's TCB signing key, so
   * its signature does not verify.
   */
  public CollateralBuilder corruptTcbInfoSigner(DerivedKey key) {
    this.tcbInfoSigner = Objects.requireNonNull(key);
    return this;
  }

  /**
   * For negative tests: signs the QE identity with {@code key} instead of the PKI's TCB signing key,
   * so its signature does not verify.
   */
  public CollateralBuilder corruptQeIdentitySigner(DerivedKey key) {
    this.qeIdentitySigner = Objects.requireNonNull(key);
    return this;
  }

  /** Returns the signed {@code tcbInfo} text. */
  public String tcbInfoJson() {
    return require(tcbInfoJson, "TCB info");
  }

  /** Returns the signed {@code enclaveIdentity} text. */
  public String qeIdentityJson() {
    return require(qeIdentityJson, "QE identity");
  }

  /** Returns the 64-byte r‖s signature over the exact UTF-8 bytes of {@link #tcbInfoJson()}. */
  public Bytes tcbInfoSignature() {
    return tcbInfoSigner.signP1363(tcbInfoJson().getBytes(StandardCharsets.UTF_8));
  }

  /** Returns the 64-byte r‖s signature over the exact UTF-8 bytes of {@link #qeIdentityJson()}. */
  public Bytes qeIdentitySignature() {
    return qeIdentitySigner.signP1363(qeIdentityJson().getBytes(StandardCharsets.UTF_8));
  }

  /** Returns the PCS response body {@code {"tcbInfo":…,"signature":"<hex>"}}. */
  public String tcbInfoBody() {
    return "{\"tcbInfo\":" + tcbInfoJson() + ",\"signature\":\"" + tcbInfoSignature().hex() + "\"}";
  }

  /** Returns the PCS response body {@code {"enclaveIdentity":…,"signature":"<hex>"}}. */
  public String qeIdentityBody() {
    return "{\"enclaveIdentity\":" + qeIdentityJson() + ",\"signature\":\"" + qeIdentitySignature().hex() + "\"}";
  }

  /** Returns the TCB info / QE identity issuer chain as PEM (signer, root). */
  public String tcbSignChainPem() {
    return DcapPki.toPem(pki.tcbSignChain());
  }

  /** Returns the PCK CRL issuer chain as PEM (intermediate, root). */
  public String pckSignChainPem() {
    return DcapPki.toPem(pki.pckSignChain(pckCa));
  }

  /** Returns the DER root CA CRL, or null when omitted. */
  public byte[] rootCaCrlDer() {
    return rootCaCrl == null ? null : pki.rootCrl(rootCaCrl);
  }

  /** Returns the DER PCK CRL, or null when omitted. */
  public byte[] pckCrlDer() {
    return pckCrl == null ? null : pki.pckCrl(pckCa, pckCrl);
  }

  /** Builds the collateral through {@link CollateralLoader#fromPcsResponses}. */
  public Collateral build() throws MalformedInputException {
    byte[] pckChain = null;
    if (pckLeaf != null) {
      pckChain = DcapPki.toPem(pki.pckChain(pckLeaf)).getBytes(StandardCharsets.US_ASCII);
    }
    return CollateralLoader.fromPcsResponses(
        tcbInfoBody(), tcbSignChainPem(), qeIdentityBody(), tcbSignChainPem(),
        pckCrlDer(), pckCrl == null ? null : pckSignChainPem(), rootCaCrlDer(), pckChain);
  }

  /** Returns dcap-qvl {@code QuoteCollateralV3} JSON (no parsing, so broken collateral can be written). */
  public String toDcapQvlJson() {
    byte[] root = rootCaCrlDer();
    byte[] pck = pckCrlDer();
    JsonBuilder b =
        JsonBuilder.object()
            .put("pck_crl_issuer_chain", pckSignChainPem())
            .put("root_ca_crl", root == null ? null : Bytes.of(root).hex())
            .put("pck_crl", pck == null ? null : Bytes.of(pck).hex())
            .put("tcb_info_issuer_chain", tcbSignChainPem())
            .put("tcb_info", tcbInfoJson())
            .put("tcb_info_signature", tcbInfoSignature().hex())
            .put("qe_identity_issuer_chain", tcbSignChainPem())
            .put("qe_identity", qeIdentityJson())
            .put("qe_identity_signature", qeIdentitySignature().hex());
    if (pckLeaf != null) {
      b.put("pck_certificate_chain", DcapPki.toPem(pki.pckChain(pckLeaf)));
    }
    return b.toString();
  }

  /**
   * Writes an Intel QVL sample-style directory: {@code tcbInfo.json}, {@code tcbSignChain.pem},
   * {@code qeIdentity.json}, {@code rootCaCrl.der}, {@code intermediateCaCrl.der}, {@code
   * pckSignChain.pem}, {@code pckCert.pem} (when a PCK leaf was given) and {@code
   * trustedRootCaCert.pem}. Returns the names written, sorted.
   */
  public List<String> writeDirectory(Path dir) throws IOException {
    Files.createDirectories(dir);
    List<String> names = new ArrayList<>();
    write(dir, "tcbInfo.json", tcbInfoBody().getBytes(StandardCharsets.UTF_8), names);
    write(dir, "tcbSignChain.pem", ascii(tcbSignChainPem()), names);
    write(dir, "qeIdentity.json", qeIdentityBody().getBytes(StandardCharsets.UTF_8), names);
    byte[] root = rootCaCrlDer();
    if (root != null) {
      write(dir, "rootCaCrl.der", root, names);
    }
    byte[] pck = pckCrlDer();
    if (pck != null) {
      write(dir, "intermediateCaCrl.der", pck, names);
    }
    write(dir, "pckSignChain.pem", ascii(pckSignChainPem()), names);
    if (pckLeaf != null) {
      write(dir, "pckCert.pem", ascii(pckLeaf.pem()), names);
    }
    write(dir, "trustedRootCaCert.pem", ascii(pki.root().pem()), names);
    names.sort(null);
    return names;
  }

  private static void write(Path dir, String name, byte[] data, List<String> names) throws IOException {
    Files.write(dir.resolve(name), data);
    names.add(name);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String require(String s, String what) {
    if (s == null) {
      throw new IllegalStateException(what + " not set");
    }
    return s;
  }
}
