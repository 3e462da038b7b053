package io.kubesgx.keybroker;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Test fixture: a Kubernetes-like service-account issuer on loopback serving OIDC discovery (RS256
 * only) and a JWKS, and minting projected service-account tokens signed with nimbus.
 */
public final class TestOidcIssuer implements AutoCloseable {
  private final HttpServer server;
  private final RSAKey key;
  private final RSAKey stranger; // same kid as nothing in the JWKS
  private final ECKey ecKey; // published, but ES256 is not listed by discovery
  private final String issuer;

  private TestOidcIssuer(HttpServer server, RSAKey key, RSAKey stranger, ECKey ecKey, String issuer) {
    this.server = server;
    this.key = key;
    this.stranger = stranger;
    this.ecKey = ecKey;
    this.issuer = issuer;
  }

  /** Starts the issuer on 127.0.0.1 and a free port. */
  public static TestOidcIssuer start() throws IOException, JOSEException {
    return start(null);
  }

  /** Starts the issuer over HTTPS on 127.0.0.1 and a free port, presenting the certificate of {@code tls}. */
  public static TestOidcIssuer startHttps(javax.net.ssl.SSLContext tls) throws IOException, JOSEException {
    return start(java.util.Objects.requireNonNull(tls, "tls"));
  }

  private static TestOidcIssuer start(javax.net.ssl.SSLContext tls) throws IOException, JOSEException {
    RSAKey key = new RSAKeyGenerator(2048).keyID("sa-key-1").generate();
    RSAKey stranger = new RSAKeyGenerator(2048).keyID("sa-key-unknown").generate();
    ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("sa-ec").generate();
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    HttpServer s;
    if (tls == null) {
      s = HttpServer.create(loopback, 16);
    } else {
      com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(loopback, 16);
      https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
      s = https;
    }
    String issuer = (tls == null ? "http" : "https") + "://127.0.0.1:" + s.getAddress().getPort();
    String discovery = "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer + "/openid/v1/jwks\","
        + "\"response_types_supported\":[\"id_token\"],\"subject_types_supported\":[\"public\"],"
        + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}";
    String jwks = new JWKSet(List.of(key.toPublicJWK(), ec.toPublicJWK())).toString();
    s.createContext("/.well-known/openid-configuration", ex -> reply(ex, discovery));
    s.createContext("/openid/v1/jwks", ex -> reply(ex, jwks));
    s.start();
    return new TestOidcIssuer(s, key, stranger, ec, issuer);
  }

  private static void reply(com.sun.net.httpserver.HttpExchange ex, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(200, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }

  /** Returns the issuer URL. */
  public String issuer() {
    return issuer;
  }

  /** Claims of a projected token for {@code namespace}/{@code name}, valid for ten minutes, for {@code audience}. */
  public JWTClaimsSet.Builder claims(String namespace, String name, String audience) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder().issuer(issuer).audience(audience).subject("system:serviceaccount:" + namespace + ":" + name)
        .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(10))))
        .claim("kubernetes.io", Map.of("namespace", namespace,
            "serviceaccount", Map.of("name", name, "uid", "00000000-0000-0000-0000-000000000001"),
            "pod", Map.of("name", name + "-pod", "uid", "00000000-0000-0000-0000-000000000002")));
  }

  /** A valid token for {@code namespace}/{@code name} and {@code audience}. */
  public String token(String namespace, String name, String audience) throws JOSEException {
    return sign(claims(namespace, name, audience).build());
  }

  /** Signs {@code claims} with the published RSA key (RS256). */
  public String sign(JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  /** Signs {@code claims} with an RSA key that is not in the JWKS. */
  public String signWithUnknownKey(JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(stranger.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(stranger));
    return jwt.serialize();
  }

  /** Signs {@code claims} with the published EC key, ES256 — an algorithm discovery does not list. */
  public String signEs256(JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ecKey.getKeyID()).build(), claims);
    jwt.sign(new ECDSASigner(ecKey));
    return jwt.serialize();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
