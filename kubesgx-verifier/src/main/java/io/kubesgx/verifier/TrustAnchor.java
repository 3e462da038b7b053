package io.kubesgx.verifier;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.crypto.Ecdsa;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.Locale;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;

/**
 * A root of trust: a pinned P-256 public key and the subject name chains are expected to end at.
 * Only the key is trusted; a root certificate found in a chain merely has to carry the same key.
 */
public final class TrustAnchor {
  /** Subject of Intel's SGX Root CA as Intel encodes it (CN first in the DER sequence). */
  public static final X500Principal INTEL_ROOT_SUBJECT =
      new X500Principal("C=US, ST=CA, L=Santa Clara, O=Intel Corporation, CN=Intel SGX Root CA");

  /**
   * The production Intel SGX Root CA public key (X9.62 uncompressed point), pinned in code.
   * Source: dcap-verification.md §3.2; identical in both issued root certificates.
   */
  static final String INTEL_ROOT_KEY_POINT =
      "040ba9c4c0c0c86193a3fe23d6b02cda10a8bbd4e88e48b4458561a36e705525f567918e2edc88e40d860bd0cc4ee26aacc988e505a953558c453f6b0904ae7394";

  private static final TrustAnchor INTEL = intel();

  private final String name;
  private final PublicKey key;
  private final Bytes keyXy;
  private final X500Principal subject;
  private final boolean intelProduction;
  private final boolean simulated;

  private TrustAnchor(String name, PublicKey key, X500Principal subject, boolean intelProduction, boolean simulated) {
    this.name = Objects.requireNonNull(name);
    this.key = key;
    this.keyXy = Ecdsa.xy((ECPublicKey) key);
    this.subject = subject;
    this.intelProduction = intelProduction;
    this.simulated = simulated;
  }

  private static TrustAnchor intel() {
    try {
      PublicKey k = Ecdsa.publicKeyFromXy(Bytes.fromHex(INTEL_ROOT_KEY_POINT.substring(2)));
      return new TrustAnchor("Intel SGX Root CA (production, pinned key)", k, INTEL_ROOT_SUBJECT, true, false);
    } catch (MalformedInputException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns the pinned production Intel SGX Root CA anchor. */
  public static TrustAnchor intelProduction() {
    return INTEL;
  }

  /**
   * Returns an anchor for the key of {@code root}. When the key equals the pinned Intel key this is
   * the Intel production anchor; otherwise it is a configured anchor, marked simulated when the
   * certificate's subject says it is a simulation.
   */
  public static TrustAnchor fromCertificate(X509Certificate root) throws MalformedInputException {
    PublicKey k = root.getPublicKey();
    if (!Ecdsa.isP256(k)) {
      throw new MalformedInputException("trust anchor key must be ECDSA P-256");
    }
    if (Ecdsa.xy((ECPublicKey) k).equals(INTEL.keyXy)) {
      return INTEL;
    }
    X500Principal subj = root.getSubjectX500Principal();
    boolean sim = subj.getName().toLowerCase(Locale.ROOT).contains("simulat");
    return new TrustAnchor("configured root: " + subj.getName(), k, subj, false, sim);
  }

  /** Returns a short human-readable name. */
  public String name() {
    return name;
  }

  /** Returns the trusted public key. */
  public PublicKey key() {
    return key;
  }

  /** Returns the key as 64-byte X‖Y. */
  public Bytes keyXy() {
    return keyXy;
  }

  /** Returns the subject name the chain's root and the root CRL issuer must have. */
  public X500Principal subject() {
    return subject;
  }

  /** Returns true for Intel's pinned production root. */
  public boolean isIntelProduction() {
    return intelProduction;
  }

  /** Returns true when this anchor is a kubesgx simulation root. */
  public boolean isSimulated() {
    return simulated;
  }

  @Override
  public String toString() {
    return name;
  }
}
