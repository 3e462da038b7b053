package io.kubesgx.sdk.secret;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * TEST DOUBLE: a fake attestation service ({@code /attest/SgxEnclave} echoing the JSON runtime data
 * into {@code x-ms-runtime} of an unverified token) and a fake Key Vault release endpoint that wraps
 * a fixed oct key to the token's transfer key and signs the result, on 127.0.0.1. {@link #mode}
 * makes it misbehave in one chosen way.
 */
final class FakeBroker implements AutoCloseable {
  /** How the release endpoint answers. */
  enum Mode { OK, ALG_NONE, HS256, OTHER_SIGNER, NO_X5C, OTHER_KEY, OTHER_ENC, BAD_KEY_HSM, BAD_SIGNATURE, STATUS }

  final byte[] octKey = new byte[32];
  final KeyPair signer;
  final X509Certificate signerCert;
  final KeyPair otherSigner;
  final X509Certificate otherCert;
  final List<String> releaseBodies = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  volatile Mode mode = Mode.OK;
  volatile int status = 200;
  volatile String errorBody = "";
  private final HttpServer server;

  FakeBroker() throws Exception {
    SecureRandom r = new SecureRandom();
    r.nextBytes(octKey);
    signer = rsa();
    signerCert = selfSigned(signer, "CN=fake broker release signing");
    otherSigner = rsa();
    otherCert = selfSigned(otherSigner, "CN=someone else");
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/attest/SgxEnclave", this::attest);
    server.createContext("/keys/", this::release);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  static X509Certificate selfSigned(KeyPair k, String dn) throws Exception {
    X500Name name = new X500Name(dn);
    Instant now = Instant.now();
    return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.TEN,
        Date.from(now.minusSeconds(600)), Date.from(now.plusSeconds(86400)), name, k.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withRSA").build(k.getPrivate())));
  }

  private void attest(HttpExchange ex) throws IOException {
    try {
      JsonObject body = Json.parseObject(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      String runtime = new String(java.util.Base64.getUrlDecoder().decode(body.object("runtimeData").string("data")),
          StandardCharsets.UTF_8);
      JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(url())
          .claim("x-ms-runtime", com.nimbusds.jose.util.JSONObjectUtils.parse(runtime)).build();
      reply(ex, 200, JsonBuilder.object().put("token", new PlainJWT(claims).serialize()).toString());
    } catch (Exception e) {
      reply(ex, 500, e.toString());
    }
  }

  private void release(HttpExchange ex) throws IOException {
    try {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      releaseBodies.add(body);
      authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
      if (mode == Mode.STATUS) {
        reply(ex, status, errorBody);
        return;
      }
      String path = ex.getRequestURI().getPath(); // /keys/{name}[/{version}]/release
      String[] seg = path.split("/");
      String name = seg[2];
      String version = seg.length == 5 ? seg[3] : "0123456789abcdef0123456789abcdef";
      JsonObject req = Json.parseObject(body);
      String target = req.string("target");
      @SuppressWarnings("unchecked")
      Map<String, Object> runtime = (Map<String, Object>) com.nimbusds.jwt.JWTParser.parse(target).getJWTClaimsSet()
          .getClaim("x-ms-runtime");
      @SuppressWarnings("unchecked")
      RSAPublicKey transfer = ((RSAKey) JWK.parse((Map<String, Object>) ((List<?>) runtime.get("keys")).get(0))).toRSAPublicKey();
      KeyWrapAlgorithm enc = KeyWrapAlgorithm.fromWire(req.string("enc")).orElseThrow();
      byte[] blob = mode == Mode.BAD_KEY_HSM ? new byte[256 + 40] : wrap(transfer, enc, octKey);
      String keyHsm = b64(JsonBuilder.object().put("schema_version", "1.0").put("ciphertext", b64(blob)).toString()
          .getBytes(StandardCharsets.UTF_8));
      String kid = url() + "/keys/" + (mode == Mode.OTHER_KEY ? "other" : name) + "/" + version;
      String payload = JsonBuilder.object()
          .put("request", JsonBuilder.object().put("api-version", "7.6")
              .put("enc", mode == Mode.OTHER_ENC ? "CKM_RSA_AES_KEY_WRAP" : enc.name()).put("kid", kid).build())
          .put("response", JsonBuilder.object().put("key", JsonBuilder.object()
              .put("key", JsonBuilder.object().put("kid", kid).put("kty", "oct-HSM").putStrings("key_ops", List.of("encrypt", "decrypt"))
                  .put("key_hsm", keyHsm).build()).build()).build())
          .toString();
      reply(ex, 200, JsonBuilder.object().put("value", jws(payload)).toString());
    } catch (Exception e) {
      reply(ex, 500, e.toString());
    }
  }

  private String jws(String payload) throws Exception {
    switch (mode) {
      case ALG_NONE -> {
        return b64("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "." + b64(payload.getBytes(StandardCharsets.UTF_8)) + ".";
      }
      case HS256 -> {
        JWSObject o = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.HS256)
            .x509CertChain(List.of(Base64.encode(signerCert.getEncoded()))).build(), new Payload(payload));
        o.sign(new MACSigner(signerCert.getPublicKey().getEncoded().length >= 32
            ? java.util.Arrays.copyOf(signerCert.getPublicKey().getEncoded(), 64) : new byte[64]));
        return o.serialize();
      }
      default -> {
        boolean other = mode == Mode.OTHER_SIGNER;
        JWSHeader.Builder h = new JWSHeader.Builder(JWSAlgorithm.RS256);
        if (mode != Mode.NO_X5C) {
          h.x509CertChain(List.of(Base64.encode((other ? otherCert : signerCert).getEncoded())));
        }
        JWSObject o = new JWSObject(h.build(), new Payload(payload));
        o.sign(new RSASSASigner((other ? otherSigner : signer).getPrivate()));
        String s = o.serialize();
        if (mode == Mode.BAD_SIGNATURE) {
          String[] p = s.split("\\.");
          return p[0] + "." + b64(payload.replace("oct-HSM", "oct").getBytes(StandardCharsets.UTF_8)) + "." + p[2];
        }
        return s;
      }
    }
  }

  static byte[] wrap(RSAPublicKey transfer, KeyWrapAlgorithm enc, byte[] key) throws Exception {
    byte[] kek = new byte[32];
    new SecureRandom().nextBytes(kek);
    Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
    rsa.init(Cipher.ENCRYPT_MODE, transfer, enc.oaep());
    byte[] head = rsa.doFinal(kek);
    Cipher kwp = Cipher.getInstance("AES/KWP/NoPadding");
    kwp.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(kek, "AES"));
    byte[] tail = kwp.doFinal(key);
    byte[] out = java.util.Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, out, head.length, tail.length);
    return out;
  }

  static String b64(byte[] b) {
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
