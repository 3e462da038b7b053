package io.kubesgx.pck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubesgx.common.MalformedInputException;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tests of {@link PckCa} issuer recognition and {@link CertificateInfo} name helpers. */
class PckCaTest {
  private static final String INTEL_SUFFIX = ",O=Intel Corporation,L=Santa Clara,ST=CA,C=US";

  @Test
  void fromIssuer_intelProcessorCa_processor() {
    assertEquals(Optional.of(PckCa.PROCESSOR),
        PckCa.fromIssuer(new X500Principal("CN=Intel SGX PCK Processor CA" + INTEL_SUFFIX)));
  }

  @Test
  void fromIssuer_intelPlatformCa_platform() {
    assertEquals(Optional.of(PckCa.PLATFORM),
        PckCa.fromIssuer(new X500Principal("CN=Intel SGX PCK Platform CA" + INTEL_SUFFIX)));
  }

  @Test
  void fromIssuer_simulatedCas_recognised() {
    assertEquals(Optional.of(PckCa.PROCESSOR), PckCa.fromIssuer(new X500Principal(TestPki.SIM_PROCESSOR_CA)));
    assertEquals(Optional.of(PckCa.PLATFORM), PckCa.fromIssuer(new X500Principal(TestPki.SIM_PLATFORM_CA)));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "CN=Intel SGX Root CA" + INTEL_SUFFIX,
      "CN=Intel SGX PCK Certificate" + INTEL_SUFFIX,
      "CN=Intel SGX TCB Signing" + INTEL_SUFFIX,
      "CN=PCK Processor CA",
      "CN= PCK Processor CA",
      "CN=Intel SGX PCK Processor CA\\ ",
      "CN=intel sgx pck processor ca",
      "CN=Intel SGX PCK Processor CA x",
      "O=Intel SGX PCK Processor CA",
      "OU=x,CN=Intel SGX PCK Processor CA+CN=Intel SGX PCK Platform CA",
      "CN=Intel SGX PCK Processor CA,CN=Intel SGX PCK Platform CA",
      "CN=Intel SGX PCK Processor CA,CN=Intel SGX PCK Processor CA",
      ""})
  void fromIssuer_otherNames_empty(String dn) {
    assertEquals(Optional.empty(), PckCa.fromIssuer(new X500Principal(dn)));
  }

  @Test
  void fromIssuer_null_empty() {
    assertEquals(Optional.empty(), PckCa.fromIssuer(null));
  }

  @Test
  void crlParameter_values() {
    assertEquals("processor", PckCa.PROCESSOR.crlParameter());
    assertEquals("platform", PckCa.PLATFORM.crlParameter());
  }

  @Test
  void commonName_escapedCharacters_unescaped() throws Exception {
    assertEquals("a, b+c\"d", CertificateInfo.commonName(new X500Principal("CN=a\\, b\\+c\\\"d,O=x")));
  }

  @Test
  void commonName_noneOrSeveral_throws() {
    assertThrows(MalformedInputException.class, () -> CertificateInfo.commonName(new X500Principal("O=x")));
    assertThrows(MalformedInputException.class, () -> CertificateInfo.commonName(new X500Principal("CN=a,CN=b")));
    assertThrows(MalformedInputException.class, () -> CertificateInfo.commonName(new X500Principal("CN=a+CN=b")));
    assertThrows(MalformedInputException.class, () -> CertificateInfo.commonName(null));
  }

  @Test
  void commonName_nonStringValue_throws() {
    // CN encoded as an INTEGER (tag 02) instead of a directory string.
    byte[] dn = TestDer.seq(TestDer.tlv(0x31, TestDer.seq(TestDer.oid("2.5.4.3"), TestDer.integer(5))));
    X500Principal p = new X500Principal(dn);
    assertThrows(MalformedInputException.class, () -> CertificateInfo.commonName(p));
    assertEquals(Optional.empty(), PckCa.fromIssuer(p));
  }

  @Test
  void commonName_utf8_preserved() throws Exception {
    assertEquals("Ünïcödé", CertificateInfo.commonName(new X500Principal("CN=Ünïcödé")));
  }
}
