package io.kubesgx.attestation.token;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Signs JWTs with the ring's current key and renders the JWKS. */
public final class TokenIssuer {
  private final KeyRing ring;
  private final URI jwksUri;
  private static final java.util.Base64.Encoder B64 = java.util.Base64.getUrlEncoder().withoutPadding();
  private final Map<String, String> headers = new ConcurrentHashMap<>();
  private final ThreadLocal<Map<String, Signature>> signatures = ThreadLocal.withInitial(java.util.HashMap::new);

  /**
   * Creates an issuer.
   *
   * @param ring the signing keys
   * @param jwksUri the {@code jku} header value (the service's {@code /certs})
   */
  public TokenIssuer(KeyRing ring, URI jwksUri) {
    this.ring = ring;
    this.jwksUri = jwksUri;
  }

  /**
   * Signs a claim set: a compact JWS whose header is {@code alg}, {@code kid}, {@code typ: JWT},
   * {@code jku} and (unless omitted) {@code x5c}. Composed here with the JDK's base64 and JCA
   * signatures (the same JOSE encoding as nimbus, without its per-token encoding overhead).
   *
   * @param claims the JWT claims (values: String, Number, Boolean, List, Map)
   * @param includeX5c whether the header carries the signing certificate ({@code omit_x5c} turns it off)
   */
  public String sign(Map<String, Object> claims, boolean includeX5c) throws GeneralSecurityException {
    SigningKey key = ring.signingKey();
    String header = headers.computeIfAbsent(key.kid() + (includeX5c ? "+x5c" : ""), k -> encodedHeader(key, includeX5c));
    StringBuilder jws = new StringBuilder(header.length() + 4096);
    jws.append(header).append('.').append(B64.encodeToString(JwtJson.write(claims).getBytes(StandardCharsets.UTF_8)));
    Signature s = signatures.get().computeIfAbsent(key.kid(), k -> newSignature(key));
    s.initSign(key.keyPair().getPrivate());
    s.update(jws.toString().getBytes(StandardCharsets.US_ASCII));
    byte[] sig = s.sign();
    return jws.append('.').append(B64.encodeToString(sig)).toString();
  }

  /** Returns an unsigned ({@code alg: none}) token, as MAA returns for a draft policy. */
  public static String unsigned(Map<String, Object> claims) {
    return B64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.US_ASCII)) + "."
        + B64.encodeToString(JwtJson.write(claims).getBytes(StandardCharsets.UTF_8)) + ".";
  }

  private String encodedHeader(SigningKey key, boolean includeX5c) {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("alg", key.algorithm().name());
    h.put("jku", jwksUri.toString());
    h.put("kid", key.kid());
    h.put("typ", "JWT");
    if (includeX5c) {
      try {
        h.put("x5c", List.of(java.util.Base64.getEncoder().encodeToString(key.certificate().getEncoded())));
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }
    return B64.encodeToString(JwtJson.write(h).getBytes(StandardCharsets.UTF_8));
  }

  private static Signature newSignature(SigningKey key) {
    try {
      return Signature.getInstance(key.algorithm() == SigningAlgorithm.RS256 ? "SHA256withRSA" : "SHA256withECDSAinP1363Format");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no JCA signature for " + key.algorithm(), e);
    }
  }

  /** Returns the JWKS of the published keys as a JSON object string, each key with {@code x5c}. */
  public String jwksJson() throws GeneralSecurityException {
    List<JWK> jwks = new ArrayList<>();
    for (SigningKey k : ring.published()) {
      jwks.add(publicJwk(k));
    }
    return new JWKSet(jwks).toString(true);
  }

  /** Returns the public JWK of a key, with {@code kid}, {@code use}, {@code alg} and {@code x5c}. */
  public static JWK publicJwk(SigningKey k) throws GeneralSecurityException {
    List<Base64> x5c;
    try {
      x5c = List.of(Base64.encode(k.certificate().getEncoded()));
    } catch (CertificateEncodingException e) {
      throw new GeneralSecurityException(e);
    }
    if (k.algorithm() == SigningAlgorithm.RS256) {
      return new RSAKey.Builder((RSAPublicKey) k.keyPair().getPublic())
          .keyID(k.kid()).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).x509CertChain(x5c).build();
    }
    return new ECKey.Builder(com.nimbusds.jose.jwk.Curve.P_256, (ECPublicKey) k.keyPair().getPublic())
        .keyID(k.kid()).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256).x509CertChain(x5c).build();
  }

  /** Returns the ring. */
  public KeyRing ring() {
    return ring;
  }

}
