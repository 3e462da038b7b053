package io.kubesgx.attestation.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateEncodingException;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Signs JWTs with the ring's current key and renders the JWKS. */
public final class TokenIssuer {
  private final KeyRing ring;
  private final URI jwksUri;
  private final Map<String, JWSSigner> signers = new ConcurrentHashMap<>();

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
   * Signs a claim set.
   *
   * @param claims the JWT claims (values: String, Number, Boolean, List, Map)
   * @param includeX5c whether the header carries the signing certificate ({@code omit_x5c} turns it off)
   */
  public String sign(Map<String, Object> claims, boolean includeX5c) throws GeneralSecurityException {
    SigningKey key = ring.signingKey();
    JWSHeader.Builder h =
        new JWSHeader.Builder(key.algorithm() == SigningAlgorithm.RS256 ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256)
            .type(JOSEObjectType.JWT)
            .keyID(key.kid())
            .jwkURL(jwksUri);
    if (includeX5c) {
      h.x509CertChain(List.of(Base64.encode(key.certificate().getEncoded())));
    }
    SignedJWT jwt = new SignedJWT(h.build(), toClaims(claims));
    try {
      jwt.sign(signerFor(key));
    } catch (JOSEException e) {
      throw new GeneralSecurityException("cannot sign the token: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  /** Returns an unsigned ({@code alg: none}) token, as MAA returns for a draft policy. */
  public static String unsigned(Map<String, Object> claims) {
    return new PlainJWT(toClaims(claims)).serialize();
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

  private JWSSigner signerFor(SigningKey key) throws GeneralSecurityException {
    JWSSigner s = signers.get(key.kid());
    if (s != null) {
      return s;
    }
    try {
      s = key.algorithm() == SigningAlgorithm.RS256
          ? new RSASSASigner(key.keyPair().getPrivate())
          : new ECDSASigner((ECPrivateKey) key.keyPair().getPrivate());
    } catch (JOSEException e) {
      throw new GeneralSecurityException(e);
    }
    signers.put(key.kid(), s);
    return s;
  }

  private static JWTClaimsSet toClaims(Map<String, Object> claims) {
    JWTClaimsSet.Builder b = new JWTClaimsSet.Builder();
    claims.forEach(b::claim);
    return b.build();
  }
}
