package io.kubesgx.testing;

import io.kubesgx.sim.pki.DcapPki;
import io.kubesgx.sim.pki.PckCertSpec;
import java.math.BigInteger;
import java.time.Instant;

/**
 * The test presets of {@link DcapPki}: a public seed, names that say TEST, fixed validity windows and
 * a default PCK leaf, so that every test and the generated vectors are byte-for-byte reproducible.
 *
 * <pre>{@code
 * DcapPki pki = TestPki.standard();
 * DcapPki.Issued leaf = pki.issuePck(TestPki.pckSpec().build());
 * }</pre>
 *
 * <p>TEST ONLY: the private keys derive from public information. A verifier must accept this root
 * only when explicitly configured, and never as Intel.
 */
public final class TestPki {
  /** Seed of {@link #standard()}. */
  public static final String DEFAULT_SEED = "kubesgx-test-pki-v1";
  /** Common-name prefix of every certificate of the test PKI. */
  public static final String NAME_PREFIX = "kubesgx TEST";
  /** Organisation and country of every certificate of the test PKI. */
  public static final String NAME_SUFFIX = ", O=kubesgx test PKI, C=US";
  /** Base URL of the CRL distribution points of the test PKI. */
  public static final String CRL_BASE = "https://certificates.test.kubesgx.invalid/";

  private static DcapPki standard;

  private TestPki() {}

  /** Returns the PKI for {@link #DEFAULT_SEED} with the default validity windows (cached). */
  public static synchronized DcapPki standard() {
    if (standard == null) {
      standard = newBuilder().build();
    }
    return standard;
  }

  /**
   * Returns a builder preset for tests: seed {@link #DEFAULT_SEED}; TEST names; CA certificates valid
   * 2024-01-01T00:00:00Z to 2049-12-31T23:59:59Z; TCB signing certificate valid 2024-01-01T00:00:00Z
   * to 2031-01-01T00:00:00Z. Every setting can be overridden.
   */
  public static DcapPki.Builder newBuilder() {
    return DcapPki.newBuilder(DEFAULT_SEED)
        .names(NAME_PREFIX, NAME_SUFFIX)
        .crlBaseUrl(CRL_BASE)
        .caValidity(Instant.parse("2024-01-01T00:00:00Z"), Instant.parse("2049-12-31T23:59:59Z"))
        .tcbSigningValidity(Instant.parse("2024-01-01T00:00:00Z"), Instant.parse("2031-01-01T00:00:00Z"));
  }

  /**
   * Returns a PCK leaf spec preset for tests: Processor CA, key label {@code pck-leaf}, FMSPC
   * {@value TestCollateral#DEFAULT_FMSPC}, components 5,5,2,2,3,1,0,5,0…, PCESVN 11, valid
   * 2025-01-01 to 2032-01-01, a fixed serial, PPID and platform instance ID.
   */
  public static PckCertSpec.Builder pckSpec() {
    return PckCertSpec.newBuilder()
        .keyLabel("pck-leaf")
        .serial(new BigInteger("4b5553475854455354504b434c454146", 16))
        .validity(Instant.parse("2025-01-01T00:00:00Z"), Instant.parse("2032-01-01T00:00:00Z"))
        .ppid("6b7562657367782d746573742d707069")
        .components(5, 5, 2, 2, 3, 1, 0, 5)
        .pceSvn(11)
        .fmspc(TestCollateral.DEFAULT_FMSPC)
        .platformInstanceId("706c6174666f726d2d696e7374616e63");
  }
}
