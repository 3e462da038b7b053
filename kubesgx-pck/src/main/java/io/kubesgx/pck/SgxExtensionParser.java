package io.kubesgx.pck;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.pck.internal.DerReader;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Parses the Intel SGX extension ({@code 1.2.840.113741.1.13.1}) of a PCK leaf certificate, fail
 * closed.
 *
 * <p>Shape (dcap-verification.md §3.3; QVL: {@code X509Constants.h}, {@code PckCertificate.cpp},
 * {@code PlatformPckCertificate.cpp}, {@code Tcb.cpp}): a SEQUENCE of SEQUENCE{OID, value}
 * entries; exactly the five common fields (PPID, TCB, PCE-ID, FMSPC, SGX type) for a Processor-CA
 * leaf and exactly those plus platform instance ID and configuration (with all three {@code .7.x}
 * BOOLEANs) for a Platform-CA leaf. The TCB sequence has exactly 18 entries. Every OID must occur
 * once, unknown OIDs are rejected, INTEGERs are decoded as signed DER and range-checked (an SVN of
 * 255 is encoded {@code 00 ff}).
 *
 * <pre>{@code
 * SgxExtensions ext = SgxExtensionParser.parse(pckLeaf);
 * Bytes fmspc = ext.fmspc();
 * }</pre>
 *
 * <p>This class only parses; it does not establish that the certificate is genuine.
 */
public final class SgxExtensionParser {
  /** OID of the SGX extension. */
  public static final String SGX_EXTENSION_OID = "1.2.840.113741.1.13.1";

  /** Largest extension value accepted, in bytes (real ones are about 550). */
  private static final int MAX_EXTENSION_SIZE = 4096;

  private static final String PPID = SGX_EXTENSION_OID + ".1";
  private static final String TCB = SGX_EXTENSION_OID + ".2";
  private static final String PCE_ID = SGX_EXTENSION_OID + ".3";
  private static final String FMSPC = SGX_EXTENSION_OID + ".4";
  private static final String SGX_TYPE = SGX_EXTENSION_OID + ".5";
  private static final String PLATFORM_INSTANCE_ID = SGX_EXTENSION_OID + ".6";
  private static final String CONFIGURATION = SGX_EXTENSION_OID + ".7";
  private static final String DYNAMIC_PLATFORM = CONFIGURATION + ".1";
  private static final String CACHED_KEYS = CONFIGURATION + ".2";
  private static final String SMT_ENABLED = CONFIGURATION + ".3";
  private static final String PCE_SVN = TCB + ".17";
  private static final String CPU_SVN = TCB + ".18";
  /** QVL: {@code TCB_SEQUENCE_LEN}. */
  private static final int TCB_ENTRY_COUNT = 18;
  /** QVL: {@code PROCESSOR_CA_EXTENSION_COUNT}. */
  private static final int PROCESSOR_ENTRY_COUNT = 5;
  /** QVL: {@code PLATFORM_CA_EXTENSION_COUNT}. */
  private static final int PLATFORM_ENTRY_COUNT = 7;
  private static final int CONFIGURATION_ENTRY_COUNT = 3;

  private SgxExtensionParser() {}

  /**
   * Finds and parses the SGX extension of a PCK leaf, choosing the expected shape from the
   * leaf's issuer ({@link PckCa#fromIssuer}).
   *
   * @throws MalformedInputException when the extension is missing or malformed, or the issuer is
   *     neither a PCK Processor CA nor a PCK Platform CA
   */
  public static SgxExtensions parse(X509Certificate pckLeaf) throws MalformedInputException {
    if (pckLeaf == null) {
      throw new MalformedInputException("no PCK certificate");
    }
    PckCa ca =
        PckCa.fromIssuer(pckLeaf.getIssuerX500Principal())
            .orElseThrow(
                () ->
                    new MalformedInputException(
                        "PCK leaf issuer is neither a PCK Processor CA nor a PCK Platform CA"));
    byte[] wrapped;
    try {
      wrapped = pckLeaf.getExtensionValue(SGX_EXTENSION_OID);
    } catch (RuntimeException e) {
      throw new MalformedInputException("unreadable SGX extension", e);
    }
    if (wrapped == null) {
      throw new MalformedInputException("PCK certificate has no SGX extension");
    }
    if (wrapped.length > MAX_EXTENSION_SIZE + 8) {
      throw new MalformedInputException("SGX extension too large");
    }
    // getExtensionValue returns the DER OCTET STRING that wraps extnValue.
    DerReader outer = DerReader.of(wrapped);
    Bytes value = outer.readOctetString();
    outer.expectEnd();
    return parse(value.toByteArray(), ca);
  }

  /**
   * Parses a raw SGX extension value (the DER SEQUENCE inside extnValue) for a leaf issued by
   * {@code ca}.
   *
   * @throws MalformedInputException when the value does not have exactly the shape required for
   *     {@code ca}
   */
  public static SgxExtensions parse(byte[] extensionValue, PckCa ca)
      throws MalformedInputException {
    if (extensionValue == null || ca == null) {
      throw new MalformedInputException("no SGX extension value or CA");
    }
    if (extensionValue.length > MAX_EXTENSION_SIZE) {
      throw new MalformedInputException("SGX extension too large: " + extensionValue.length);
    }
    DerReader top = DerReader.of(extensionValue);
    DerReader seq = top.readSequence();
    top.expectEnd();
    Map<String, DerReader> entries = readEntries(seq, "SGX extension");

    int expected = ca == PckCa.PROCESSOR ? PROCESSOR_ENTRY_COUNT : PLATFORM_ENTRY_COUNT;
    if (entries.size() != expected) {
      throw new MalformedInputException(
          "SGX extension of a "
              + ca.crlParameter()
              + " CA leaf must have "
              + expected
              + " entries, found "
              + entries.size());
    }
    Bytes ppid = octets(require(entries, PPID, "PPID"), "PPID", SgxExtensions.ID16_SIZE);
    Tcb tcb = parseTcb(require(entries, TCB, "TCB"));
    Bytes pceId = octets(require(entries, PCE_ID, "PCE-ID"), "PCE-ID", SgxExtensions.PCE_ID_SIZE);
    Bytes fmspc = octets(require(entries, FMSPC, "FMSPC"), "FMSPC", SgxExtensions.FMSPC_SIZE);
    SgxType sgxType = parseSgxType(require(entries, SGX_TYPE, "SGX type"));

    Optional<Bytes> platformInstanceId = Optional.empty();
    Optional<PlatformConfiguration> configuration = Optional.empty();
    if (ca == PckCa.PLATFORM) {
      platformInstanceId =
          Optional.of(
              octets(
                  require(entries, PLATFORM_INSTANCE_ID, "platform instance ID"),
                  "platform instance ID",
                  SgxExtensions.ID16_SIZE));
      configuration =
          Optional.of(parseConfiguration(require(entries, CONFIGURATION, "configuration")));
    }
    try {
      return new SgxExtensions(
          ppid,
          tcb.components,
          tcb.pceSvn,
          tcb.cpuSvn,
          pceId,
          fmspc,
          sgxType,
          platformInstanceId,
          configuration);
    } catch (IllegalArgumentException e) {
      throw new MalformedInputException("invalid SGX extension: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a SEQUENCE of SEQUENCE{OID, value} into a map from OID to a reader positioned at the
   * value, rejecting duplicate OIDs and entries with anything other than exactly one value.
   */
  private static Map<String, DerReader> readEntries(DerReader seq, String where)
      throws MalformedInputException {
    Map<String, DerReader> out = new HashMap<>();
    while (!seq.isAtEnd()) {
      DerReader entry = seq.readSequence();
      String oid = entry.readOid();
      if (entry.isAtEnd()) {
        throw new MalformedInputException(where + " entry " + oid + " has no value");
      }
      DerReader value = entry.readRawElement();
      entry.expectEnd();
      if (out.put(oid, value) != null) {
        throw new MalformedInputException("duplicate " + where + " entry " + oid);
      }
    }
    return out;
  }

  private static DerReader require(Map<String, DerReader> entries, String oid, String name)
      throws MalformedInputException {
    DerReader r = entries.remove(oid);
    if (r == null) {
      throw new MalformedInputException("SGX extension lacks " + name + " (" + oid + ")");
    }
    return r;
  }

  private static Bytes octets(DerReader value, String name, int size)
      throws MalformedInputException {
    Bytes b = value.readOctetString();
    value.expectEnd();
    if (b.length() != size) {
      throw new MalformedInputException(
          name + " must be " + size + " bytes, found " + b.length());
    }
    return b;
  }

  private static int integer(DerReader value, String name, int max)
      throws MalformedInputException {
    BigInteger v = value.readInteger();
    value.expectEnd();
    if (v.signum() < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
      throw new MalformedInputException(name + " out of range 0.." + max + ": " + v);
    }
    return v.intValueExact();
  }

  private static SgxType parseSgxType(DerReader value) throws MalformedInputException {
    BigInteger v = value.readEnumerated();
    value.expectEnd();
    if (v.bitLength() > 31) {
      throw new MalformedInputException("unknown SGX type " + v);
    }
    return SgxType.fromValue(v.intValue());
  }

  private static Tcb parseTcb(DerReader value) throws MalformedInputException {
    DerReader seq = value.readSequence();
    value.expectEnd();
    Map<String, DerReader> entries = readEntries(seq, "TCB");
    if (entries.size() != TCB_ENTRY_COUNT) {
      throw new MalformedInputException(
          "TCB must have " + TCB_ENTRY_COUNT + " entries, found " + entries.size());
    }
    List<Integer> components = new ArrayList<>(SgxExtensions.TCB_COMPONENT_COUNT);
    for (int i = 1; i <= SgxExtensions.TCB_COMPONENT_COUNT; i++) {
      String oid = TCB + "." + i;
      DerReader c = entries.remove(oid);
      if (c == null) {
        throw new MalformedInputException("TCB lacks component " + i + " (" + oid + ")");
      }
      components.add(integer(c, "TCB component " + i, 0xff));
    }
    DerReader pce = entries.remove(PCE_SVN);
    if (pce == null) {
      throw new MalformedInputException("TCB lacks PCESVN (" + PCE_SVN + ")");
    }
    int pceSvn = integer(pce, "PCESVN", 0xffff);
    DerReader cpu = entries.remove(CPU_SVN);
    if (cpu == null) {
      throw new MalformedInputException("TCB lacks CPUSVN (" + CPU_SVN + ")");
    }
    Bytes cpuSvn = octets(cpu, "CPUSVN", SgxExtensions.ID16_SIZE);
    // entries.size() was 18 and 18 distinct OIDs were removed, so nothing unknown remains.
    return new Tcb(components, pceSvn, cpuSvn);
  }

  private static PlatformConfiguration parseConfiguration(DerReader value)
      throws MalformedInputException {
    DerReader seq = value.readSequence();
    value.expectEnd();
    Map<String, DerReader> entries = readEntries(seq, "configuration");
    if (entries.size() != CONFIGURATION_ENTRY_COUNT) {
      throw new MalformedInputException(
          "configuration must have "
              + CONFIGURATION_ENTRY_COUNT
              + " entries, found "
              + entries.size());
    }
    boolean dynamicPlatform = bool(entries, DYNAMIC_PLATFORM, "dynamicPlatform");
    boolean cachedKeys = bool(entries, CACHED_KEYS, "cachedKeys");
    boolean smtEnabled = bool(entries, SMT_ENABLED, "SMTEnabled");
    return new PlatformConfiguration(
        Optional.of(dynamicPlatform), Optional.of(cachedKeys), Optional.of(smtEnabled));
  }

  private static boolean bool(Map<String, DerReader> entries, String oid, String name)
      throws MalformedInputException {
    DerReader r = entries.remove(oid);
    if (r == null) {
      throw new MalformedInputException("configuration lacks " + name + " (" + oid + ")");
    }
    boolean b = r.readBoolean();
    r.expectEnd();
    return b;
  }

  private record Tcb(List<Integer> components, int pceSvn, Bytes cpuSvn) {}
}
