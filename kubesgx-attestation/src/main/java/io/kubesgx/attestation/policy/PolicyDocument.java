package io.kubesgx.attestation.policy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.PlainObject;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.X509CertUtils;
import io.kubesgx.attestation.ApiError;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A submitted policy document: MAA's JWS whose payload is {@code {"AttestationPolicy":
 * base64url(policy text)}}, either unsigned ({@code alg: none}) or signed (RS256, PS256 or ES256 with
 * the signer's certificate in {@code x5c}). Parsing checks the signature; whether the signer may set
 * policies is the {@link PolicyAuthorizer}'s decision.
 *
 * <p>Signed documents must carry {@code "iat"} (seconds since the epoch, an integer) in the payload
 * next to {@code AttestationPolicy}: the store accepts a signed document only when its {@code iat}
 * is strictly newer than the newest one it accepted for that attestation type, so a signed policy
 * that anyone can read back cannot be replayed later to roll the policy back.
 *
 * @param text the policy text (empty for a reset document)
 * @param jws the document as received (or as built for raw text)
 * @param signer the signing certificate, when signed
 * @param issuedAt the payload's {@code iat}, when present (always present in a signed document)
 */
public record PolicyDocument(String text, String jws, Optional<X509Certificate> signer, Optional<Instant> issuedAt) {
  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256);
  /** Largest policy document accepted. */
  public static final int MAX_CHARS = 256 * 1024;
  private static final long MAX_IAT_SECONDS = 253402300799L; // 9999-12-31T23:59:59Z
  /** How far a signed document's {@code iat} may lie ahead of the service's clock. */
  public static final Duration MAX_FUTURE_IAT = Duration.ofMinutes(5);

  /** Checks for nulls. */
  public PolicyDocument {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(jws, "jws");
    Objects.requireNonNull(signer, "signer");
    Objects.requireNonNull(issuedAt, "issuedAt");
  }

  /**
   * Parses a policy document from a request body. A body that is not a JWS but policy text
   * (starting with {@code version=}) is taken as an unsigned document — a kubesgx convenience.
   *
   * @param allowEmpty true for {@code :reset}, whose payload may be empty
   * @param clock the service's clock, for the check that a signed {@code iat} is not in the future
   */
  public static PolicyDocument parse(String body, boolean allowEmpty, Clock clock) throws ApiError {
    String s = body.strip();
    if (s.length() > MAX_CHARS) {
      throw ApiError.badRequest("InvalidPolicy", "the policy document has " + s.length() + " characters; at most " + MAX_CHARS);
    }
    if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
      s = s.substring(1, s.length() - 1).strip();
    }
    if (s.isEmpty()) {
      if (allowEmpty) {
        return new PolicyDocument("", unsignedJws(""), Optional.empty(), Optional.empty());
      }
      throw ApiError.badRequest("InvalidPolicy", "the request body is empty; send a JWS whose payload is {\"AttestationPolicy\": base64url(policy)}");
    }
    if (s.regionMatches(true, 0, "version", 0, 7)) {
      return new PolicyDocument(s, unsignedJws(s), Optional.empty(), Optional.empty());
    }
    JOSEObject jose;
    try {
      jose = JOSEObject.parse(s);
    } catch (ParseException e) {
      throw ApiError.badRequest("InvalidPolicy", "the policy document is not a JWS (header.payload.signature): " + e.getMessage());
    }
    Optional<X509Certificate> signer = Optional.empty();
    if (jose instanceof JWSObject jws) {
      if (!ALGORITHMS.contains(jws.getHeader().getAlgorithm())) {
        throw ApiError.badRequest("InvalidPolicy", "policy signature algorithm " + jws.getHeader().getAlgorithm()
            + " is not accepted; use RS256, PS256 or ES256 with the signing certificate in x5c");
      }
      List<com.nimbusds.jose.util.Base64> x5c = jws.getHeader().getX509CertChain();
      if (x5c == null || x5c.isEmpty()) {
        throw ApiError.badRequest("InvalidPolicy", "the signed policy has no x5c header; include the signing certificate");
      }
      X509Certificate cert = X509CertUtils.parse(x5c.get(0).decode());
      if (cert == null) {
        throw ApiError.badRequest("InvalidPolicy", "the x5c certificate of the signed policy cannot be parsed");
      }
      boolean ok;
      try {
        JWSVerifier v = new DefaultJWSVerifierFactory().createJWSVerifier(jws.getHeader(), cert.getPublicKey());
        ok = jws.verify(v);
      } catch (JOSEException | IllegalStateException e) {
        throw ApiError.badRequest("InvalidPolicy", "the policy signature cannot be checked: " + e.getMessage());
      }
      if (!ok) {
        throw new ApiError(400, "InvalidPolicySignature", null, "the policy signature does not verify with its x5c certificate", null);
      }
      signer = Optional.of(cert);
    } else if (!(jose instanceof PlainObject)) {
      throw ApiError.badRequest("InvalidPolicy", "encrypted policy documents are not supported");
    }
    JsonValue.JsonObject payload = payload(jose.getPayload(), allowEmpty);
    String text = policyText(payload, allowEmpty);
    Optional<Instant> iat = issuedAt(payload);
    if (signer.isPresent()) {
      if (iat.isEmpty()) {
        throw ApiError.badRequest("InvalidPolicy", "a signed policy document must carry \"iat\" (seconds since the epoch) in its payload "
            + "next to \"AttestationPolicy\"; the service accepts only signed documents newer than the last one it accepted");
      }
      Instant latest = clock.instant().plus(MAX_FUTURE_IAT);
      if (iat.get().isAfter(latest)) {
        throw ApiError.badRequest("InvalidPolicy", "the signed policy's iat " + iat.get() + " is more than "
            + MAX_FUTURE_IAT.toMinutes() + " minutes ahead of the service's clock; sign it with the current time");
      }
    }
    return new PolicyDocument(text, s, signer, iat);
  }

  /** Returns the signer's public JWK as JSON, when signed. */
  public Optional<String> signerJwk() throws ApiError {
    if (signer.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(JWK.parse(signer.get()).toPublicJWK().toJSONString());
    } catch (JOSEException e) {
      throw ApiError.badRequest("InvalidPolicy", "the signer certificate's key is not usable: " + e.getMessage());
    }
  }

  /** Returns MAA's {@code x-ms-policy-token-hash}: base64url(SHA-256(the JWS text)). */
  public String tokenHash() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(jws.getBytes(StandardCharsets.UTF_8)));
  }

  /** Builds the unsigned JWS MAA stores for a policy text. */
  public static String unsignedJws(String text) {
    String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    Payload p = new Payload(Map.of("AttestationPolicy", b64));
    return new PlainObject(new PlainHeader(), p).serialize();
  }

  /** Returns MAA's {@code x-ms-policy-hash}: base64url(SHA-256(UTF-8(base64url(UTF-8(text))))). */
  public static String policyHash(String text) {
    String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(b64.getBytes(StandardCharsets.UTF_8)));
  }

  private static JsonValue.JsonObject payload(Payload payload, boolean allowEmpty) throws ApiError {
    String p = payload == null ? "" : payload.toString().strip();
    if (p.isEmpty()) {
      if (allowEmpty) {
        return new JsonValue.JsonObject(Map.of());
      }
      throw ApiError.badRequest("InvalidPolicy", "the policy JWS has an empty payload; put {\"AttestationPolicy\": base64url(policy)} in it");
    }
    try {
      return Json.parseObject(p);
    } catch (MalformedInputException e) {
      throw ApiError.badRequest("InvalidPolicy", "the policy JWS payload is not a JSON object: " + e.getMessage());
    }
  }

  private static String policyText(JsonValue.JsonObject o, boolean allowEmpty) throws ApiError {
    if (!o.has("AttestationPolicy") && allowEmpty) {
      return "";
    }
    String b64;
    try {
      b64 = o.string("AttestationPolicy");
    } catch (MalformedInputException e) {
      throw ApiError.badRequest("InvalidPolicy", "the policy JWS payload has no \"AttestationPolicy\" string (base64url of the policy text)");
    }
    try {
      return new String(Base64.getUrlDecoder().decode(b64.strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("InvalidPolicy", "\"AttestationPolicy\" is not base64url: " + e.getMessage());
    }
  }

  private static Optional<Instant> issuedAt(JsonValue.JsonObject o) throws ApiError {
    JsonValue v = o.get("iat");
    if (v == null) {
      return Optional.empty();
    }
    try {
      long seconds = JsonValue.asLong(v, "iat");
      if (seconds < 0 || seconds > MAX_IAT_SECONDS) {
        throw new MalformedInputException("iat " + seconds + " is out of range");
      }
      return Optional.of(Instant.ofEpochSecond(seconds));
    } catch (MalformedInputException e) {
      throw ApiError.badRequest("InvalidPolicy", "the policy payload's \"iat\" must be an integer number of seconds since the epoch: "
          + e.getMessage());
    }
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
