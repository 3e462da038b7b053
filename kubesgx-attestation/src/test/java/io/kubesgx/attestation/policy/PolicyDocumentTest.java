package io.kubesgx.attestation.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSASSASigner;
import io.kubesgx.attestation.ApiError;
import io.kubesgx.attestation.token.KeyGenerator;
import io.kubesgx.attestation.token.SigningAlgorithm;
import io.kubesgx.attestation.token.SigningKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PolicyDocumentTest {
  static final String TEXT = "version=1.0; authorizationrules { => permit(); }; issuancerules { };";

  static String signed(SigningKey k, String text) throws Exception {
    JWSObject jws = new JWSObject(
        new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT)
            .x509CertChain(List.of(com.nimbusds.jose.util.Base64.encode(k.certificate().getEncoded()))).build(),
        new Payload(Map.of("AttestationPolicy",
            Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8)))));
    jws.sign(new RSASSASigner(k.keyPair().getPrivate()));
    return jws.serialize();
  }

  @Test
  void parse_unsignedJwsAndRawText_yieldTheText() throws Exception {
    assertEquals(TEXT, PolicyDocument.parse(PolicyDocument.unsignedJws(TEXT), false).text());
    assertEquals(TEXT, PolicyDocument.parse(TEXT, false).text());
    assertEquals("", PolicyDocument.parse("", true).text());
  }

  @Test
  void parse_signedJws_verifiesAndNamesSigner() throws Exception {
    SigningKey k = KeyGenerator.generate(SigningAlgorithm.RS256, "CN=policy signer", Instant.now(), Instant.now());
    PolicyDocument d = PolicyDocument.parse(signed(k, TEXT), false);
    assertEquals(TEXT, d.text());
    assertEquals(k.certificate(), d.signer().orElseThrow());
    assertTrue(d.signerJwk().orElseThrow().contains("\"kty\":\"RSA\""));
    PolicyAuthorizer isolated = new PolicyAuthorizer(List.of(k.certificate()), Optional.empty());
    assertTrue(isolated.authorize(d, Optional.empty()).startsWith("signer "));
  }

  @Test
  void parse_tamperedSignature_isRejected() throws Exception {
    SigningKey k = KeyGenerator.generate(SigningAlgorithm.RS256, "CN=policy signer", Instant.now(), Instant.now());
    String jws = signed(k, TEXT);
    String[] parts = jws.split("\\.");
    String other = Base64.getUrlEncoder().withoutPadding().encodeToString(
        ("{\"AttestationPolicy\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString("version=1.0;".getBytes(StandardCharsets.UTF_8)) + "\"}")
            .getBytes(StandardCharsets.UTF_8));
    ApiError e = assertThrows(ApiError.class, () -> PolicyDocument.parse(parts[0] + "." + other + "." + parts[2], false));
    assertEquals("InvalidPolicySignature", e.code());
  }

  @Test
  void authorize_modes_secureByDefaultAndIsolatedRefusesOthers() throws Exception {
    PolicyDocument unsigned = PolicyDocument.parse(TEXT, false);
    assertEquals(403, assertThrows(ApiError.class,
        () -> new PolicyAuthorizer(List.of(), Optional.empty()).authorize(unsigned, Optional.empty())).status());
    SigningKey a = KeyGenerator.generate(SigningAlgorithm.RS256, "CN=a", Instant.now(), Instant.now());
    SigningKey b = KeyGenerator.generate(SigningAlgorithm.RS256, "CN=b", Instant.now(), Instant.now());
    PolicyAuthorizer isolated = new PolicyAuthorizer(List.of(a.certificate()), Optional.empty());
    assertEquals(401, assertThrows(ApiError.class, () -> isolated.authorize(unsigned, Optional.of("Bearer x"))).status());
    assertEquals("UnknownPolicySigner",
        assertThrows(ApiError.class, () -> isolated.authorize(PolicyDocument.parse(signed(b, TEXT), false), Optional.empty())).code());
    String secret = "s3cret-s3cret-s3cret-s3cret-s3cret";
    PolicyAuthorizer token = new PolicyAuthorizer(List.of(), Optional.of(secret));
    assertEquals("admin-token", token.authorize(unsigned, Optional.of("Bearer " + secret)));
    assertEquals(401, assertThrows(ApiError.class,
        () -> token.authorize(unsigned, Optional.of("Bearer " + secret.substring(1)))).status());
  }

  @Test
  void policyHash_isBase64UrlOfSha256OfBase64UrlText() throws Exception {
    String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(TEXT.getBytes(StandardCharsets.UTF_8));
    byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(b64.getBytes(StandardCharsets.UTF_8));
    assertEquals(Base64.getUrlEncoder().withoutPadding().encodeToString(h), PolicyDocument.policyHash(TEXT));
  }
}
