package io.kubesgx.pck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.Hex;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.pck.internal.DerReader;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Parses every PCK certificate, chain and CRL in the shared conformance vectors. */
class RealDataTest {
  private static final String LEAF_CN = "Intel SGX PCK Certificate";
  private static final String ROOT_CN = "Intel SGX Root CA";

  /** Quotes with a type-5 PCK chain, with the CA that issued their leaf (§3.1). */
  static Stream<Arguments> quotesWithChains() {
    return Stream.of(
        Arguments.of("phala-dcap-qvl/sgx_quote", "binary", PckCa.PROCESSOR),
        Arguments.of("phala-dcap-qvl/tdx_quote", "binary", PckCa.PLATFORM),
        Arguments.of("phala-dcap-qvl/tdx_quote_outdated", "binary", PckCa.PLATFORM),
        Arguments.of("phala-dcap-qvl/near-gas-test/quote_hex.txt", "hex", PckCa.PLATFORM),
        Arguments.of("phala-dcap-qvl/quote-from-tappd.hex", "hex", PckCa.PLATFORM),
        Arguments.of("phala-dcap-qvl/tdx-quote.hex", "hex", PckCa.PLATFORM),
        Arguments.of("oasis-core/quote_v3_ecdsa_p256_pck_chain.bin", "binary", PckCa.PLATFORM),
        Arguments.of("oasis-core/quote_v4_tdx_ecdsa_p256.bin", "binary", PckCa.PLATFORM),
        Arguments.of("oasis-core/quote_v4_tdx_ecdsa_p256_trailing.bin", "binary", PckCa.PLATFORM),
        Arguments.of("fortanix-rust-sgx/quote.bin", "binary", PckCa.PROCESSOR),
        Arguments.of("measurement/dcap_quote_v3_pck_chain_a.bin", "binary", PckCa.PROCESSOR),
        Arguments.of("measurement/dcap_quote_v3_pck_chain_b.bin", "binary", PckCa.PROCESSOR),
        // Intel's synthetic TDX sample uses its test Processor CA (unlike real TDX quotes).
        Arguments.of("intel-qvl-sampledata/tdx/quote.dat", "binary", PckCa.PROCESSOR));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("quotesWithChains")
  void parseChain_everyQuoteVector_ordersLeafIntermediateRootAndParsesExtension(
      String file, String encoding, PckCa expectedCa) throws Exception {
    byte[] data = Vectors.pckChainData(Vectors.quote(file, encoding));
    List<X509Certificate> certs = Certificates.parseAll(data);
    assertEquals(3, certs.size());
    List<X509Certificate> chain = CertificateChains.orderLeafFirst(certs);
    assertEquals(LEAF_CN, CertificateInfo.commonName(chain.get(0).getSubjectX500Principal()));
    assertEquals(ROOT_CN, CertificateInfo.commonName(chain.get(2).getSubjectX500Principal()));
    PckCa ca = PckCa.fromIssuer(chain.get(0).getIssuerX500Principal()).orElseThrow();
    assertEquals(expectedCa, ca);
    assertEquals(ca, PckCa.fromIssuer(chain.get(1).getSubjectX500Principal()).orElseThrow());
    SgxExtensions ext = SgxExtensionParser.parse(chain.get(0));
    assertEquals(ca == PckCa.PLATFORM, ext.platformInstanceId().isPresent());
    assertEquals(ca == PckCa.PLATFORM, ext.configuration().isPresent());
    assertEquals(ca == PckCa.PROCESSOR ? 5 : 7, topLevelEntryCount(chain.get(0)));
    assertTrue(ext.cpuSvnMatchesComponents());
    if (!file.startsWith("intel-qvl-sampledata/")) {
      assertEquals("0000", ext.pceId().hex(), "PCE-ID of real platforms"); // Intel's test PKI uses 8a67
    }
  }

  /** Every case in expected.json with {@code pck_cert.sgx_ext.*} values. */
  static Stream<Arguments> expectedCases() throws MalformedInputException {
    JsonObject root = Vectors.json("expected.json");
    List<Arguments> out = new ArrayList<>();
    for (JsonValue v : root.array("cases")) {
      JsonObject c = (JsonObject) v;
      JsonValue fields = c.get("fields_read_from_bytes");
      if (fields instanceof JsonObject && ((JsonObject) fields).has("pck_cert.sgx_ext.fmspc")) {
        out.add(Arguments.of(c.string("id"), c.string("quote"), c.optString("quote_encoding"), fields));
      }
    }
    assertFalse(out.isEmpty());
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("expectedCases")
  void parse_expectedJsonCase_matchesFieldsReadFromBytes(
      String id, String quote, String encoding, JsonObject fields) throws Exception {
    X509Certificate leaf;
    if (quote.equals("intel-qvl-sampledata/quote.dat")) {
      // Certification data type 1 (§9.5): the PCK certificate comes from pckCert.pem.
      leaf = Certificates.parseAll(Vectors.read("intel-qvl-sampledata/pckCert.pem")).get(0);
    } else {
      byte[] data = Vectors.pckChainData(Vectors.quote(quote, encoding));
      leaf = CertificateChains.orderLeafFirst(Certificates.parseAll(data)).get(0);
    }
    SgxExtensions ext = SgxExtensionParser.parse(leaf);
    assertEquals(fields.string("pck_cert.sgx_ext.fmspc"), ext.fmspc().hex(), id);
    assertEquals(fields.string("pck_cert.sgx_ext.pceid"), ext.pceId().hex(), id);
    assertEquals(fields.string("pck_cert.sgx_ext.cpusvn"), ext.cpuSvn().hex(), id);
    assertEquals(fields.string("pck_cert.sgx_ext.ppid"), ext.ppid().hex(), id);
    assertEquals(fields.integer("pck_cert.sgx_ext.pcesvn"), ext.pceSvn(), id);
    assertEquals(fields.integer("pck_cert.sgx_ext.sgx_type"), ext.sgxType().value(), id);
    List<Integer> comps = new ArrayList<>();
    for (JsonValue n : fields.array("pck_cert.sgx_ext.tcb_comp_svns")) {
      comps.add((int) ((JsonValue.JsonNumber) n).longValueExact("svn"));
    }
    assertEquals(comps, ext.tcbComponents(), id);
  }

  @Test
  void parse_phalaSgxQuoteLeaf_matchesStatedValues() throws Exception {
    byte[] data = Vectors.pckChainData(Vectors.quote("phala-dcap-qvl/sgx_quote", "binary"));
    assertEquals(0, data[data.length - 1], "the chain ends with a NUL terminator (§9.2)");
    X509Certificate leaf = CertificateChains.orderLeafFirst(Certificates.parseAll(data)).get(0);
    SgxExtensions ext = SgxExtensionParser.parse(leaf);
    assertEquals("00a067110000", ext.fmspc().hex());
    assertEquals(List.of(11, 11, 2, 2, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), ext.tcbComponents());
    assertEquals(13, ext.pceSvn());
    assertEquals("0b0b0202ff0100000000000000000000", ext.cpuSvn().hex());
    assertEquals("d04ec06d4e6d92dc90d0ad3cf5ee2ddf", ext.ppid().hex());
    assertEquals(SgxType.STANDARD, ext.sgxType());
    assertTrue(ext.platformInstanceId().isEmpty());
    assertTrue(ext.configuration().isEmpty());
  }

  @Test
  void parse_phalaTdxQuoteLeaf_hasPlatformFields() throws Exception {
    byte[] data = Vectors.pckChainData(Vectors.quote("phala-dcap-qvl/tdx_quote", "binary"));
    X509Certificate leaf = CertificateChains.orderLeafFirst(Certificates.parseAll(data)).get(0);
    SgxExtensions ext = SgxExtensionParser.parse(leaf);
    assertEquals(SgxType.SCALABLE, ext.sgxType());
    assertEquals("07828474603e7019dc930775ffe8cdd2", ext.platformInstanceId().orElseThrow().hex());
    PlatformConfiguration conf = ext.configuration().orElseThrow();
    assertEquals(true, conf.dynamicPlatform().orElseThrow());
    assertEquals(true, conf.cachedKeys().orElseThrow());
    assertEquals(true, conf.smtEnabled().orElseThrow());
  }

  @Test
  void parse_processorLeafAsPlatform_throws() throws Exception {
    byte[] data = Vectors.pckChainData(Vectors.quote("phala-dcap-qvl/sgx_quote", "binary"));
    X509Certificate leaf = CertificateChains.orderLeafFirst(Certificates.parseAll(data)).get(0);
    byte[] value = rawExtension(leaf);
    SgxExtensionParser.parse(value, PckCa.PROCESSOR);
    assertThrows(MalformedInputException.class, () -> SgxExtensionParser.parse(value, PckCa.PLATFORM));
  }

  @Test
  void parse_platformLeafAsProcessor_throws() throws Exception {
    byte[] data = Vectors.pckChainData(Vectors.quote("phala-dcap-qvl/tdx_quote", "binary"));
    X509Certificate leaf = CertificateChains.orderLeafFirst(Certificates.parseAll(data)).get(0);
    byte[] value = rawExtension(leaf);
    SgxExtensionParser.parse(value, PckCa.PLATFORM);
    assertThrows(MalformedInputException.class, () -> SgxExtensionParser.parse(value, PckCa.PROCESSOR));
  }

  @ParameterizedTest
  @ValueSource(strings = {"intel-qvl-sampledata/pckCert.pem", "intel-qvl-sampledata/tdx/pckCert.pem",
      "measurement/intel_qvl_sample_pckCert.pem"})
  void parse_intelSamplePckCert_parses(String file) throws Exception {
    List<X509Certificate> certs = Certificates.parseAll(Vectors.read(file));
    assertEquals(1, certs.size());
    SgxExtensions ext = SgxExtensionParser.parse(certs.get(0));
    assertTrue(ext.cpuSvnMatchesComponents());
  }

  @Test
  void orderLeafFirst_measurementChainA_leafRootIntermediate_reordered() throws Exception {
    byte[] data = Vectors.pckChainData(Vectors.quote("measurement/dcap_quote_v3_pck_chain_a.bin", "binary"));
    List<X509Certificate> given = Certificates.parseAll(data);
    assertEquals(LEAF_CN, CertificateInfo.commonName(given.get(0).getSubjectX500Principal()));
    assertEquals(ROOT_CN, CertificateInfo.commonName(given.get(1).getSubjectX500Principal()));
    List<X509Certificate> chain = CertificateChains.orderLeafFirst(given);
    assertEquals(List.of(given.get(0), given.get(2), given.get(1)), chain);
  }

  @Test
  void orderLeafFirst_intelTdxQuoteDerRootFirst_reversed() throws Exception {
    byte[] data = Vectors.pckChainData(Vectors.read("intel-qvl-sampledata/tdx/quote.dat"));
    assertEquals(0x30, data[0] & 0xff, "the Intel TDX sample carries DER (§9.2)");
    assertEquals(2470, data.length);
    List<X509Certificate> given = Certificates.parseAll(data);
    assertEquals(ROOT_CN, CertificateInfo.commonName(given.get(0).getSubjectX500Principal()));
    assertEquals(List.of(given.get(2), given.get(1), given.get(0)), CertificateChains.orderLeafFirst(given));
  }

  @Test
  void orderLeafFirst_phalaSgxQuoteLeafFirstPem_unchanged() throws Exception {
    byte[] data = Vectors.pckChainData(Vectors.quote("phala-dcap-qvl/sgx_quote", "binary"));
    List<X509Certificate> given = Certificates.parseAll(data);
    assertEquals(given, CertificateChains.orderLeafFirst(given));
  }

  @ParameterizedTest
  @ValueSource(strings = {"intel-qvl-sampledata/pckSignChain.pem", "intel-qvl-sampledata/tcbSignChain.pem",
      "intel-qvl-sampledata/tdx/pckSignChain.pem", "intel-qvl-sampledata/tdx/tcbSignChain.pem",
      "measurement/intel_qvl_sample_pckSignChain.pem",
      "oasis-core/tcb_info_v3_fmspc_00606A000000_certs.pem",
      "oasis-core/tcb_info_v3_fmspc_00606A000000_certs_bad.pem"})
  void orderLeafFirst_twoCertificateSignChain_endsWithRoot(String file) throws Exception {
    List<X509Certificate> chain = CertificateChains.orderLeafFirst(Certificates.parseAll(Vectors.read(file)));
    assertEquals(2, chain.size());
    assertEquals(ROOT_CN, CertificateInfo.commonName(chain.get(1).getSubjectX500Principal()));
  }

  @Test
  void orderLeafFirst_intelSamplePckCertPlusSignChain_fullChain() throws Exception {
    List<X509Certificate> all = new ArrayList<>(Certificates.parseAll(Vectors.read("intel-qvl-sampledata/pckSignChain.pem")));
    X509Certificate leaf = Certificates.parseAll(Vectors.read("intel-qvl-sampledata/pckCert.pem")).get(0);
    all.add(leaf);
    List<X509Certificate> chain = CertificateChains.orderLeafFirst(all);
    assertEquals(leaf, chain.get(0));
    assertEquals(PckCa.PROCESSOR, PckCa.fromIssuer(leaf.getIssuerX500Principal()).orElseThrow());
  }

  @ParameterizedTest
  @ValueSource(strings = {"phala-dcap-qvl/sgx_quote_collateral.json", "phala-dcap-qvl/tdx_quote_collateral.json",
      "phala-dcap-qvl/tdx_quote_outdated_collateral.json", "phala-dcap-qvl/near-gas-test/quote_collateral.json"})
  void parse_phalaCollateral_hexCrlsAndPemIssuerChains(String file) throws Exception {
    JsonObject c = Vectors.json(file);
    X509CRL pckCrl = Crls.parse(c.string("pck_crl").getBytes(StandardCharsets.US_ASCII));
    X509CRL rootCrl = Crls.parse(c.string("root_ca_crl").getBytes(StandardCharsets.US_ASCII));
    assertTrue(Crls.hasRequiredExtensions(pckCrl));
    assertTrue(Crls.hasRequiredExtensions(rootCrl));
    assertEquals(ROOT_CN, CertificateInfo.commonName(rootCrl.getIssuerX500Principal()));
    assertTrue(PckCa.fromIssuer(pckCrl.getIssuerX500Principal()).isPresent());
    for (String key : List.of("pck_crl_issuer_chain", "tcb_info_issuer_chain", "qe_identity_issuer_chain")) {
      List<X509Certificate> chain = CertificateChains.orderLeafFirst(Certificates.parsePemText(c.string(key)));
      assertEquals(2, chain.size(), key);
      assertEquals(ROOT_CN, CertificateInfo.commonName(chain.get(1).getSubjectX500Principal()));
    }
    // The PCK CRL issuer is the PCK intermediate of the issuer chain.
    X509Certificate intermediate =
        CertificateChains.orderLeafFirst(Certificates.parsePemText(c.string("pck_crl_issuer_chain"))).get(0);
    assertEquals(intermediate.getSubjectX500Principal(), pckCrl.getIssuerX500Principal());
  }

  @ParameterizedTest
  @ValueSource(strings = {"intel-qvl-sampledata/rootCaCrl.der", "intel-qvl-sampledata/rootCaCrl.pem",
      "intel-qvl-sampledata/intermediateCaCrl.der", "intel-qvl-sampledata/intermediateCaCrl.pem",
      "intel-qvl-sampledata/tdx/rootCaCrl.der", "intel-qvl-sampledata/tdx/intermediateCaCrl.der",
      "fortanix-rust-sgx/IntelSGXRootCA.der", "fortanix-rust-sgx/IntelSGXRootCA.crl"})
  void parse_crlFile_parses(String file) throws Exception {
    X509CRL crl = Crls.parse(Vectors.read(file));
    assertTrue(Crls.hasRequiredExtensions(crl), file);
  }

  @Test
  void parse_intelRootCrlDerAndPem_equal() throws Exception {
    X509CRL der = Crls.parse(Vectors.read("intel-qvl-sampledata/rootCaCrl.der"));
    X509CRL pem = Crls.parse(Vectors.read("intel-qvl-sampledata/rootCaCrl.pem"));
    assertEquals(der, pem);
    X509CRL hex = Crls.parse(Hex.encode(der.getEncoded()).getBytes(StandardCharsets.US_ASCII));
    assertEquals(der, hex);
  }

  @Test
  void parse_fortanixIntelSgxRootCaDer_isCrlNotCertificate() throws Exception {
    byte[] data = Vectors.read("fortanix-rust-sgx/IntelSGXRootCA.der");
    X509CRL crl = Crls.parse(data);
    assertEquals(0, crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size());
    assertThrows(MalformedInputException.class, () -> Certificates.parseAll(data));
  }

  @ParameterizedTest
  @ValueSource(strings = {"fortanix-rust-sgx/processor.crl", "fortanix-rust-sgx/platform.crl"})
  void parse_fortanixJsonWrappedCrl_parsesPemMember(String file) throws Exception {
    JsonObject c = Vectors.json(file);
    X509CRL crl = Crls.parse(c.string("crl").getBytes(StandardCharsets.US_ASCII));
    assertTrue(Crls.hasRequiredExtensions(crl));
    PckCa expected = file.contains("processor") ? PckCa.PROCESSOR : PckCa.PLATFORM;
    assertEquals(expected, PckCa.fromIssuer(crl.getIssuerX500Principal()).orElseThrow());
    // The JSON container itself is not a CRL.
    assertThrows(MalformedInputException.class, () -> Crls.parse(Vectors.read(file)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"phala-dcap-qvl/TrustedRootCA.der", "fortanix-rust-sgx/root_SGX_CA_der.cert",
      "fortanix-rust-sgx/cert-chain/cert-chain-1.cert", "fortanix-rust-sgx/cert-chain/cert-chain-2.cert",
      "fortanix-rust-sgx/cert-chain/cert-chain-pck.cert", "intel-qvl-sampledata/trustedRootCaCert.pem",
      "intel-qvl-sampledata/tdx/trustedRootCaCert.pem"})
  void parseAll_singleCertificateFile_parsesOne(String file) throws Exception {
    List<X509Certificate> certs = Certificates.parseAll(Vectors.read(file));
    assertEquals(1, certs.size());
    assertEquals(certs, CertificateChains.orderLeafFirst(certs));
  }

  @Test
  void spkiSha256_productionRoot_matchesPinnedValue() throws Exception {
    X509Certificate root = Certificates.parseAll(Vectors.read("phala-dcap-qvl/TrustedRootCA.der")).get(0);
    assertEquals("a0af031289f5d5d4132f9186068a7fc13628633ba235777472e29b6b6c67a49e",
        CertificateInfo.spkiSha256(root.getPublicKey()).hex());
    X509Certificate old = Certificates.parseAll(Vectors.read("fortanix-rust-sgx/root_SGX_CA_der.cert")).get(0);
    assertEquals(CertificateInfo.spkiSha256(root.getPublicKey()), CertificateInfo.spkiSha256(old.getPublicKey()));
  }

  @Test
  void orderLeafFirst_twoRootIssuances_rejected() throws Exception {
    X509Certificate a = Certificates.parseAll(Vectors.read("phala-dcap-qvl/TrustedRootCA.der")).get(0);
    X509Certificate b = Certificates.parseAll(Vectors.read("fortanix-rust-sgx/root_SGX_CA_der.cert")).get(0);
    assertThrows(MalformedInputException.class, () -> CertificateChains.orderLeafFirst(List.of(a, b)));
  }

  static byte[] rawExtension(X509Certificate leaf) throws MalformedInputException {
    DerReader r = DerReader.of(leaf.getExtensionValue(SgxExtensionParser.SGX_EXTENSION_OID));
    Bytes b = r.readOctetString();
    r.expectEnd();
    return b.toByteArray();
  }

  private static int topLevelEntryCount(X509Certificate leaf) throws MalformedInputException {
    DerReader seq = DerReader.of(rawExtension(leaf)).readSequence();
    int n = 0;
    while (!seq.isAtEnd()) {
      seq.readElement();
      n++;
    }
    return n;
  }
}
