package io.kubesgx.sim.pki;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.Pem;
import io.kubesgx.pck.PckCa;
import io.kubesgx.pck.SgxExtensionParser;
import io.kubesgx.sim.pki.internal.DeterministicEcdsa;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Boolean;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * A DCAP-profile PKI that is not Intel's: an ECDSA P-256 root CA, the two PCK intermediates
 * (Processor and Platform CA), a TCB signing certificate, PCK leaves carrying Intel's SGX extension,
 * and CRLs — the same profile as Intel's PKI (dcap-verification.md §3, §4.6) under names the caller
 * chooses (they should say what the PKI is, e.g. SIMULATED or TEST).
 *
 * <p>Everything is deterministic: keys derive from the seed, serials are fixed, and signatures use
 * RFC 6979 nonces, so the same seed, names and validity windows always give byte-identical
 * certificates and CRLs. The private keys are exactly as secret as the seed.
 *
 * <pre>{@code
 * DcapPki pki = DcapPki.newBuilder(secretSeedHex)
 *     .names("kubesgx SIMULATED", ", O=kubesgx simulated SGX platform, C=US")
 *     .crlBaseUrl("https://pcs.example.invalid/sgx/certification/v4/")
 *     .caValidity(from, to).tcbSigningValidity(from, to)
 *     .build();
 * DcapPki.Issued leaf = pki.issuePck(spec);
 * }</pre>
 *
 * <p>Never Intel: a verifier accepts this root only when it is configured explicitly.
 */
public final class DcapPki {
  /** Serial of the root CA certificate. */
  public static final BigInteger ROOT_SERIAL = BigInteger.valueOf(0x1001);
  /** Serial of the PCK Processor CA certificate. */
  public static final BigInteger PROCESSOR_CA_SERIAL = BigInteger.valueOf(0x2001);
  /** Serial of the PCK Platform CA certificate. */
  public static final BigInteger PLATFORM_CA_SERIAL = BigInteger.valueOf(0x2002);
  /** Serial of the TCB signing certificate. */
  public static final BigInteger TCB_SIGNING_SERIAL = BigInteger.valueOf(0x3001);

  private static final ASN1ObjectIdentifier SGX = new ASN1ObjectIdentifier(SgxExtensionParser.SGX_EXTENSION_OID);

  /** A certificate of the PKI and its key. */
  public record Issued(X509Certificate certificate, DerivedKey key) {
    /** Returns the certificate's serial number. */
    public BigInteger serial() {
      return certificate.getSerialNumber();
    }

    /** Returns the DER encoding. */
    public Bytes der() {
      return DcapPki.der(certificate);
    }

    /** Returns the PEM encoding (one block, trailing newline). */
    public String pem() {
      return Pem.encode("CERTIFICATE", der());
    }
  }

  private final String seed;
  private final String namePrefix;
  private final String nameSuffix;
  private final String crlBase;
  private final Issued root;
  private final Issued processorCa;
  private final Issued platformCa;
  private final Issued tcbSigning;

  private DcapPki(Builder b) {
    this.seed = b.seed;
    this.namePrefix = b.namePrefix;
    this.nameSuffix = b.nameSuffix;
    this.crlBase = b.crlBase;
    DerivedKey rootKey = DerivedKey.derive(seed, "root-ca");
    X500Name rootName = name("Root CA");
    this.root =
        new Issued(
            certificate(rootName, rootKey.publicKey(), rootName, rootKey, ROOT_SERIAL, b.caNotBefore, b.caNotAfter,
                Role.ROOT, null),
            rootKey);
    this.processorCa = intermediate("PCK Processor CA", "pck-processor-ca", PROCESSOR_CA_SERIAL, b, "processor");
    this.platformCa = intermediate("PCK Platform CA", "pck-platform-ca", PLATFORM_CA_SERIAL, b, "platform");
    DerivedKey tcbKey = DerivedKey.derive(seed, "tcb-signing");
    this.tcbSigning =
        new Issued(
            certificate(name("TCB Signing"), tcbKey.publicKey(), rootName, rootKey, TCB_SIGNING_SERIAL,
                b.tcbSigningNotBefore, b.tcbSigningNotAfter, Role.END_ENTITY, crlBase + "rootcacrl.der"),
            tcbKey);
  }

  private Issued intermediate(String cn, String label, BigInteger serial, Builder b, String crl) {
    DerivedKey key = DerivedKey.derive(seed, label);
    return new Issued(
        certificate(name(cn), key.publicKey(), name("Root CA"), root.key(), serial, b.caNotBefore, b.caNotAfter,
            Role.INTERMEDIATE, crlBase + "rootcacrl.der"),
        key);
  }

  /**
   * Returns a builder for the PKI whose keys derive from {@code seed}. Names, the CRL base URL and
   * both validity windows have no defaults and must be set.
   */
  public static Builder newBuilder(String seed) {
    return new Builder(Objects.requireNonNull(seed, "seed"));
  }

  /** Builder for {@link DcapPki}. */
  public static final class Builder {
    private String seed;
    private Instant caNotBefore;
    private Instant caNotAfter;
    private Instant tcbSigningNotBefore;
    private Instant tcbSigningNotAfter;
    private String namePrefix;
    private String nameSuffix;
    private String crlBase;

    private Builder(String seed) {
      this.seed = seed;
    }

    /**
     * Sets the subject names: each is {@code "CN=" + prefix + " " + role + suffix}, for example
     * {@code "kubesgx SIMULATED"} and {@code ", O=kubesgx simulated SGX platform, C=US"}.
     */
    public Builder names(String prefix, String suffix) {
      this.namePrefix = Objects.requireNonNull(prefix);
      this.nameSuffix = Objects.requireNonNull(suffix);
      return this;
    }

    /** Sets the base URL (ending in {@code /}) of the CRL distribution points written into certificates. */
    public Builder crlBaseUrl(String url) {
      if (!url.endsWith("/")) {
        throw new IllegalArgumentException("CRL base URL must end with '/': " + url);
      }
      this.crlBase = url;
      return this;
    }

    /** Sets the seed all keys are derived from. */
    public Builder seed(String seed) {
      this.seed = Objects.requireNonNull(seed);
      return this;
    }

    /** Sets the validity of the root and both PCK intermediates. */
    public Builder caValidity(Instant notBefore, Instant notAfter) {
      this.caNotBefore = Objects.requireNonNull(notBefore);
      this.caNotAfter = Objects.requireNonNull(notAfter);
      return this;
    }

    /** Sets the validity of the TCB signing certificate. */
    public Builder tcbSigningValidity(Instant notBefore, Instant notAfter) {
      this.tcbSigningNotBefore = Objects.requireNonNull(notBefore);
      this.tcbSigningNotAfter = Objects.requireNonNull(notAfter);
      return this;
    }

    /** Builds the PKI; every setting without a default must have been set. */
    public DcapPki build() {
      require(namePrefix, "names");
      require(crlBase, "crlBaseUrl");
      require(caNotBefore, "caValidity");
      require(tcbSigningNotBefore, "tcbSigningValidity");
      return new DcapPki(this);
    }

    private static void require(Object value, String setting) {
      if (value == null) {
        throw new IllegalStateException("DcapPki." + setting + "(...) must be set");
      }
    }
  }

  /** Returns the seed. */
  public String seed() {
    return seed;
  }

  /** Returns the self-signed root CA ({@code CN=<prefix> Root CA<suffix>}). */
  public Issued root() {
    return root;
  }

  /** Returns the root certificate. */
  public X509Certificate rootCertificate() {
    return root.certificate();
  }

  /** Returns the PCK Processor CA. */
  public Issued processorCa() {
    return processorCa;
  }

  /** Returns the PCK Platform CA. */
  public Issued platformCa() {
    return platformCa;
  }

  /** Returns the intermediate for {@code ca}. */
  public Issued ca(PckCa ca) {
    return ca == PckCa.PROCESSOR ? processorCa : platformCa;
  }

  /** Returns the TCB signing certificate (signs TCB info and QE identity). */
  public Issued tcbSigning() {
    return tcbSigning;
  }

  /** Returns the TCB info / QE identity issuer chain, signer first: TCB Signing, root. */
  public List<X509Certificate> tcbSignChain() {
    return List.of(tcbSigning.certificate(), root.certificate());
  }

  /** Returns the PCK CRL issuer chain for {@code ca}: intermediate, root. */
  public List<X509Certificate> pckSignChain(PckCa ca) {
    return List.of(ca(ca).certificate(), root.certificate());
  }

  /** Returns the full PCK chain for a leaf issued by this PKI: leaf, intermediate, root. */
  public List<X509Certificate> pckChain(Issued leaf) {
    PckCa ca =
        PckCa.fromIssuer(leaf.certificate().getIssuerX500Principal())
            .orElseThrow(() -> new IllegalArgumentException("not a PCK leaf"));
    return List.of(leaf.certificate(), ca(ca).certificate(), root.certificate());
  }

  /** Issues a PCK leaf certificate with Intel's SGX extension, signed by the intermediate of {@code spec.ca()}. */
  public Issued issuePck(PckCertSpec spec) {
    DerivedKey key = DerivedKey.derive(seed, spec.keyLabel());
    Issued issuer = ca(spec.ca());
    X509Certificate cert =
        certificate(name("PCK Certificate"), key.publicKey(), x500(issuer.certificate()), issuer.key(),
            spec.serial(), spec.notBefore(), spec.notAfter(), Role.PCK_LEAF,
            crlBase + "pckcrl?ca=" + spec.ca().crlParameter() + "&encoding=der",
            sgxExtension(spec));
    return new Issued(cert, key);
  }

  /** Returns the DER root CA CRL (issuer: the root) for {@code spec}. */
  public byte[] rootCrl(CrlSpec spec) {
    return crl(root, spec);
  }

  /** Returns the DER PCK CRL of {@code ca} for {@code spec}. */
  public byte[] pckCrl(PckCa ca, CrlSpec spec) {
    return crl(ca(ca), spec);
  }

  /** Encodes certificates as concatenated PEM blocks. */
  public static String toPem(List<X509Certificate> certs) {
    StringBuilder sb = new StringBuilder();
    for (X509Certificate c : certs) {
      sb.append(Pem.encode("CERTIFICATE", der(c)));
    }
    return sb.toString();
  }

  /** Returns the DER encoding of a certificate. */
  public static Bytes der(X509Certificate c) {
    try {
      return Bytes.of(c.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Returns the raw SGX extension value (the DER SEQUENCE inside extnValue) for {@code spec}:
   * PPID, TCB (18 entries), PCE-ID, FMSPC, SGX type, and for Platform-CA leaves platform instance
   * ID and configuration.
   */
  public static byte[] sgxExtensionValue(PckCertSpec spec) {
    try {
      return sgxExtension(spec).getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static DERSequence sgxExtension(PckCertSpec spec) {
    ASN1EncodableVector tcb = new ASN1EncodableVector();
    for (int i = 0; i < 16; i++) {
      tcb.add(entry(sub(SGX, 2, i + 1), new ASN1Integer(spec.components().get(i))));
    }
    tcb.add(entry(sub(SGX, 2, 17), new ASN1Integer(spec.pceSvn())));
    tcb.add(entry(sub(SGX, 2, 18), new DEROctetString(spec.cpuSvn().toByteArray())));
    ASN1EncodableVector top = new ASN1EncodableVector();
    top.add(entry(sub(SGX, 1), new DEROctetString(spec.ppid().toByteArray())));
    top.add(entry(sub(SGX, 2), new DERSequence(tcb)));
    top.add(entry(sub(SGX, 3), new DEROctetString(spec.pceId().toByteArray())));
    top.add(entry(sub(SGX, 4), new DEROctetString(spec.fmspc().toByteArray())));
    top.add(entry(sub(SGX, 5), new ASN1Enumerated(spec.sgxType().value())));
    if (spec.ca() == PckCa.PLATFORM) {
      top.add(entry(sub(SGX, 6), new DEROctetString(spec.platformInstanceId().toByteArray())));
      ASN1EncodableVector conf = new ASN1EncodableVector();
      conf.add(entry(sub(SGX, 7, 1), ASN1Boolean.getInstance(spec.dynamicPlatform())));
      conf.add(entry(sub(SGX, 7, 2), ASN1Boolean.getInstance(spec.cachedKeys())));
      conf.add(entry(sub(SGX, 7, 3), ASN1Boolean.getInstance(spec.smtEnabled())));
      top.add(entry(sub(SGX, 7), new DERSequence(conf)));
    }
    return new DERSequence(top);
  }

  private static ASN1ObjectIdentifier sub(ASN1ObjectIdentifier base, int... arcs) {
    ASN1ObjectIdentifier o = base;
    for (int a : arcs) {
      o = o.branch(Integer.toString(a));
    }
    return o;
  }

  private static DERSequence entry(ASN1ObjectIdentifier oid, ASN1Encodable value) {
    return new DERSequence(new ASN1Encodable[] {oid, value});
  }

  private enum Role {
    ROOT,
    INTERMEDIATE,
    END_ENTITY,
    PCK_LEAF
  }

  private X500Name name(String role) {
    return new X500Name("CN=" + namePrefix + " " + role + nameSuffix);
  }

  private static X500Name x500(X509Certificate c) {
    return X500Name.getInstance(c.getSubjectX500Principal().getEncoded());
  }

  private static X509Certificate certificate(
      X500Name subject, PublicKey subjectKey, X500Name issuer, DerivedKey issuerKey, BigInteger serial,
      Instant notBefore, Instant notAfter, Role role, String crlUrl) {
    return certificate(subject, subjectKey, issuer, issuerKey, serial, notBefore, notAfter, role, crlUrl, null);
  }

  private static X509Certificate certificate(
      X500Name subject, PublicKey subjectKey, X500Name issuer, DerivedKey issuerKey, BigInteger serial,
      Instant notBefore, Instant notAfter, Role role, String crlUrl, DERSequence sgxExtension) {
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              issuer, serial, Date.from(notBefore), Date.from(notAfter), subject, subjectKey);
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerKey.publicKey()));
      if (crlUrl != null) {
        GeneralNames names = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, crlUrl));
        b.addExtension(
            Extension.cRLDistributionPoints, false,
            new CRLDistPoint(new DistributionPoint[] {
              new DistributionPoint(new DistributionPointName(names), null, null)
            }));
      }
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
      switch (role) {
        case ROOT:
          b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
          b.addExtension(Extension.basicConstraints, true, new BasicConstraints(1));
          break;
        case INTERMEDIATE:
          b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
          b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
          break;
        default:
          b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
          b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
          break;
      }
      if (sgxExtension != null) {
        b.addExtension(SGX, false, sgxExtension);
      }
      byte[] der = b.build(DeterministicEcdsa.contentSigner(scalar(issuerKey))).getEncoded();
      return new JcaX509CertificateConverter().getCertificate(new org.bouncycastle.cert.X509CertificateHolder(der));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build certificate " + subject, e);
    }
  }

  private byte[] crl(Issued issuer, CrlSpec spec) {
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v2CRLBuilder b = new X509v2CRLBuilder(x500(issuer.certificate()), Date.from(spec.thisUpdate()));
      b.setNextUpdate(Date.from(spec.nextUpdate()));
      for (BigInteger serial : spec.revokedSerials()) {
        b.addCRLEntry(serial, Date.from(spec.revocationDate()), CRLReason.keyCompromise);
      }
      b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(spec.crlNumber())));
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuer.key().publicKey()));
      X509CRLHolder h = b.build(DeterministicEcdsa.contentSigner(scalar(issuer.key())));
      return h.getEncoded();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build CRL", e);
    }
  }

  private static BigInteger scalar(DerivedKey key) {
    return key.privateKey().getS();
  }
}
