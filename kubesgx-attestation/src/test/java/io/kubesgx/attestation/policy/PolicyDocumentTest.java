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
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PolicyDocumentTest {
  static final String TEXT = "version=1.0; authorizationrules { => permit(); }; issuancerules { };";

  static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  static String signed(SigningKey k, String text) throws Exception {
    return signed(k, text, NOW.getEpochSecond());
  }

  /** Signs a document whose payload carries {@code iat} (omitted when {@code iat} is null). */
  public static String signed(SigningKey k, String text, Long iat) throws Exception {
    Map<String, Object> payload = new java.util.LinkedHashMap<>();
    if (text != null) {
      payload.put("AttestationPolicy", Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8)));
    }
    if (iat != null) {
      payload.put("iat", iat);
    }
    JWSObject jws = new JWSObject(
        new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT)
            .x509CertChain(List.of(com.nimbusds.jose.util.Base64.encode(k.certificate().getEncoded()))).build(),
        new Payload(payload));
    jws.sign(new RSASSASigner(k.keyPair().getPrivate()));
    return jws.serialize();
  }

  @Test
  void parse_unsignedJwsAndRawText_yieldTheText() throws Exception {
    assertEquals(TEXT, PolicyDocument.parse(PolicyDocument.unsignedJws(TEXT), false, CLOCK).text());
    assertEquals(TEXT, PolicyDocument.parse(TEXT, false, CLOCK).text());
    assertEquals("", PolicyDocument.parse("", true, CLOCK).text());
  }

  @Test
  void parse_signedJws_verifiesAndNamesSigner() throws Exception {
    SigningKey k = KeyGenerator.generate(SigningAlgorithm.RS256, "CN=policy signer", Instant.now(), Instant.now());
    PolicyDocument d = PolicyDocument.parse(signed(k, TEXT), false, CLOCK);
    assertEquals(TEXT, d.text());
    assertEquals(k.certificate(), d.signer().orElseThrow());
    assertTrue(d.signerJwk().orElseThrow().contains("\"kty\":\"RSA\""));
    PolicyAuthorizer isolated = new PolicyAuthorizer(List.of(k.certificate()), Optional.empty());
    PolicyChange change = isolated.authorize(d, Optional.empty());
    assertEquals(PolicyChange.ANONYMOUS, change.sender());
    assertEquals(PolicyAuthorizer.thumbprint(k.certificate()), change.signer().orElseThrow());
    assertEquals(Optional.of(NOW), change.signedAt());
  }

  @Test
  void parse_tamperedSignature_isRejected() throws Exception {
    SigningKey k = KeyGenerator.generate(SigningAlgorithm.RS256, "CN=policy signer", Instant.now(), Instant.now());
    String jws = signed(k, TEXT);
    String[] parts = jws.split("\\.");
    String other = Base64.getUrlEncoder().withoutPadding().encodeToString(
        ("{\"AttestationPolicy\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString("version=1.0;".getBytes(StandardCharsets.UTF_8)) + "\"}")
            .getBytes(StandardCharsets.UTF_8));
    ApiError e = assertThrows(ApiError.class, () -> PolicyDocument.parse(parts[0] + "." + other + "." + parts[2], false, CLOCK));
    assertEquals("InvalidPolicySignature", e.code());
  }

  @Test
  void authorize_modes_secureByDefaultAndIsolatedRefusesOthers() throws Exception {
    PolicyDocument unsigned = PolicyDocument.parse(TEXT, false, CLOCK);
    assertEquals(403, assertThrows(ApiError.class,
        () -> new PolicyAuthorizer(List.of(), Optional.empty()).authorize(unsigned, Optional.empty())).status());
    SigningKey a = KeyGenerator.generate(SigningAlgorithm.RS256, "CN=a", Instant.now(), Instant.now());
    SigningKey b = KeyGenerator.generate(SigningAlgorithm.RS256, "CN=b", Instant.now(), Instant.now());
    PolicyAuthorizer isolated = new PolicyAuthorizer(List.of(a.certificate()), Optional.empty());
    assertEquals(401, assertThrows(ApiError.class, () -> isolated.authorize(unsigned, Optional.of("Bearer x"))).status());
    assertEquals("UnknownPolicySigner",
        assertThrows(ApiError.class, () -> isolated.authorize(PolicyDocument.parse(signed(b, TEXT), false, CLOCK), Optional.empty())).code());
    String secret = "s3cret-s3cret-s3cret-s3cret-s3cret";
    PolicyAuthorizer token = new PolicyAuthorizer(List.of(), Optional.of(secret));
    assertEquals(PolicyChange.unsigned("admin-token"), token.authorize(unsigned, Optional.of("Bearer " + secret)));
    assertEquals(401, assertThrows(ApiError.class,
        () -> token.authorize(unsigned, Optional.of("Bearer " + secret.substring(1)))).status());
  }

  @Test
  void parse_signedWithoutIat_isRejectedWithMessage() throws Exception {
    SigningKey k = KeyGenerator.generate(SigningAlgorithm.RS256, "CN=policy signer", Instant.now(), Instant.now());
    ApiError e = assertThrows(ApiError.class, () -> PolicyDocument.parse(signed(k, TEXT, null), false, CLOCK));
    assertEquals(400, e.status());
    assertTrue(e.getMessage().contains("\"iat\""), e.getMessage());
  }

  @Test
  void parse_signedIatFarInFutureOrNotAnInteger_isRejected() throws Exception {
    SigningKey k = KeyGenerator.generate(SigningAlgorithm.RS256, "CN=policy signer", Instant.now(), Instant.now());
    ApiError future = assertThrows(ApiError.class,
        () -> PolicyDocument.parse(signed(k, TEXT, NOW.plusSeconds(301).getEpochSecond()), false, CLOCK));
    assertTrue(future.getMessage().contains("ahead of the service's clock"), future.getMessage());
    assertEquals(NOW.plusSeconds(300), PolicyDocument.parse(signed(k, TEXT, NOW.plusSeconds(300).getEpochSecond()), false, CLOCK)
        .issuedAt().orElseThrow());
    for (long bad : new long[] {-1, Long.MAX_VALUE}) {
      assertEquals(400, assertThrows(ApiError.class, () -> PolicyDocument.parse(signed(k, TEXT, bad), false, CLOCK)).status());
    }
  }

  @Test
  void parse_signedResetWithOnlyIat_hasEmptyTextAndIat() throws Exception {
    SigningKey k = KeyGenerator.generate(SigningAlgorithm.RS256, "CN=policy signer", Instant.now(), Instant.now());
    PolicyDocument d = PolicyDocument.parse(signed(k, null, NOW.getEpochSecond()), true, CLOCK);
    assertEquals("", d.text());
    assertEquals(Optional.of(NOW), d.issuedAt());
    assertEquals(400, assertThrows(ApiError.class, () -> PolicyDocument.parse(signed(k, null, NOW.getEpochSecond()), false, CLOCK)).status());
  }

  @Test
  void policyHash_isBase64UrlOfSha256OfBase64UrlText() throws Exception {
    String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(TEXT.getBytes(StandardCharsets.UTF_8));
    byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(b64.getBytes(StandardCharsets.UTF_8));
    assertEquals(Base64.getUrlEncoder().withoutPadding().encodeToString(h), PolicyDocument.policyHash(TEXT));
  }
}
