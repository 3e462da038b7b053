package io.kubesgx.sdk.secret;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * TEST DOUBLE: a small KBS written from key-broker.md §2 (RCAR 0.4.0), not the real server. It keeps
 * sessions by cookie, checks the nonce and that the "quote" (our echo provider returns the REPORTDATA
 * itself) equals SHA-384 of the canonical runtime data — canonicalised here by hand (sorted keys, no
 * whitespace, ASCII), independently of the client's JCS library — and answers a resource as the
 * flattened JWE Trustee builds, with the protected header serialised byte-exactly and the ECDH-ES
 * ConcatKDF and AES key wrap done with plain JCA.
 */
final class FakeKbs implements AutoCloseable {
  /** How the fake misbehaves, if at all. */
  enum Mode { OK, WRONG_TAG, OTHER_ALG }

  final Map<String, byte[]> resources = new ConcurrentHashMap<>();
  final List<String> attestBodies = new CopyOnWriteArrayList<>();
  volatile Mode mode = Mode.OK;
  volatile String selectedHash = null;
  private final Map<String, String> nonces = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> attested = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final HttpServer server;

  FakeKbs() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/kbs/v0/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String path = ex.getRequestURI().getPath();
      String cookie = cookie(ex);
      if (path.equals("/kbs/v0/auth") && ex.getRequestMethod().equals("POST")) {
        JsonObject req = Json.parseObject(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (!"0.4.0".equals(req.string("version")) || !"sgx".equals(req.string("tee"))) {
          error(ex, 401, "AttestationError", "KBS Client Protocol Version Mismatch");
          return;
        }
        byte[] n = new byte[32];
        random.nextBytes(n);
        byte[] id = new byte[16];
        random.nextBytes(id);
        String session = HexFormat.of().formatHex(id);
        String nonce = Base64.getEncoder().encodeToString(n);
        nonces.put(session, nonce);
        ex.getResponseHeaders().add("Set-Cookie", "kbs-session-id=" + session + "; Expires=Thu, 01 Jan 2099 00:00:00 GMT");
        String extra = selectedHash == null ? "\"\"" : "{\"selected-hash-algorithm\":\"" + selectedHash + "\"}";
        reply(ex, 200, "{\"nonce\":\"" + nonce + "\",\"extra-params\":" + extra + "}");
        return;
      }
      if (path.equals("/kbs/v0/attest") && ex.getRequestMethod().equals("POST")) {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        attestBodies.add(body);
        String nonce = cookie == null ? null : nonces.remove(cookie); // single use
        if (nonce == null) {
          error(ex, 401, "AttestationError", "session not found");
          return;
        }
        JsonObject req = Json.parseObject(body);
        JsonObject rd = req.object("runtime-data");
        if (!nonce.equals(rd.string("nonce"))) {
          error(ex, 401, "AttestationError", "nonce mismatch");
          return;
        }
        JsonObject jwk = rd.object("tee-pubkey");
        String hashed = "{\"additional-evidence\":\"" + req.object("tee-evidence").string("additional_evidence") + "\",\"nonce\":\""
            + nonce + "\",\"tee-pubkey\":" + sorted(jwk) + "}";
        String alg = selectedHash == null ? "SHA-384" : "SHA-" + selectedHash.substring(3);
        byte[] expected = Arrays.copyOf(MessageDigest.getInstance(alg).digest(hashed.getBytes(StandardCharsets.UTF_8)), 64);
        byte[] quote = Base64.getDecoder().decode(req.object("tee-evidence").object("primary_evidence").string("quote"));
        if (!Arrays.equals(expected, quote)) {
          error(ex, 401, "AttestationError", "REPORTDATA does not bind the runtime data");
          return;
        }
        attested.put(cookie, jwk);
        ex.getResponseHeaders().add("Set-Cookie", "kbs-session-id=" + cookie + "; Expires=Thu, 01 Jan 2099 00:00:00 GMT");
        reply(ex, 200, "{\"token\":\"eyJhbGciOiJub25lIn0.e30.c2ln\"}");
        return;
      }
      if (path.startsWith("/kbs/v0/resource/") && ex.getRequestMethod().equals("GET")) {
        JsonObject jwk = cookie == null ? null : attested.get(cookie);
        if (jwk == null) {
          error(ex, 401, "TokenNotFound", "no attested session");
          return;
        }
        String[] seg = path.substring("/kbs/v0/resource/".length()).split("/");
        if (seg.length != 3) {
          error(ex, 404, "InvalidRequestPath", "bad path");
          return;
        }
        String key = String.join("/", seg);
        if (key.startsWith("denied/")) {
          error(ex, 401, "PolicyDeny", "Policy denied: resource policy");
          return;
        }
        byte[] secret = resources.get(key);
        if (secret == null) {
          error(ex, 401, "PluginInternalError", "Plugin internal error: resource not found " + key);
          return;
        }
        reply(ex, 200, jwe(jwk, secret));
        return;
      }
      error(ex, 404, "PluginNotFound", "no such plugin");
    } catch (Exception e) {
      reply(ex, 500, e.toString());
    }
  }

  /** Trustee's JWE (§2.5): CEK, 12-byte IV, A256GCM with AAD = ASCII(protected), key encrypted per the JWK's alg. */
  private String jwe(JsonObject jwk, byte[] secret) throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    byte[] cek = new byte[32];
    random.nextBytes(cek);
    String header;
    byte[] encryptedKey;
    if ("EC".equals(jwk.string("kty"))) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair eph = g.generateKeyPair();
      ECPublicKey e = (ECPublicKey) eph.getPublic();
      AlgorithmParameters ap = AlgorithmParameters.getInstance("EC");
      ap.init(new ECGenParameterSpec("secp256r1"));
      PublicKey tee = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(
          new BigInteger(1, Base64.getUrlDecoder().decode(jwk.string("x"))), new BigInteger(1, Base64.getUrlDecoder().decode(jwk.string("y")))),
          ap.getParameterSpec(ECParameterSpec.class)));
      KeyAgreement ka = KeyAgreement.getInstance("ECDH");
      ka.init(eph.getPrivate());
      ka.doPhase(tee, true);
      byte[] z = ka.generateSecret();
      // ConcatKDF (RFC 7518 §4.6.2, empty apu/apv): SHA256(1 || Z || len(alg) || alg || 0 || 0 || 256).
      byte[] algId = "ECDH-ES+A256KW".getBytes(StandardCharsets.US_ASCII);
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(ByteBuffer.allocate(4).putInt(1).array());
      d.update(z);
      d.update(ByteBuffer.allocate(4).putInt(algId.length).array());
      d.update(algId);
      d.update(new byte[8]);
      d.update(ByteBuffer.allocate(4).putInt(256).array());
      byte[] kek = d.digest();
      Cipher kw = Cipher.getInstance("AESWrap");
      kw.init(Cipher.WRAP_MODE, new SecretKeySpec(kek, "AES"));
      encryptedKey = kw.wrap(new SecretKeySpec(cek, "AES"));
      header = "{\"alg\":\"" + (mode == Mode.OTHER_ALG ? "RSA-OAEP-256" : "ECDH-ES+A256KW")
          + "\",\"enc\":\"A256GCM\",\"epk\":{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\""
          + b64.encodeToString(fixed(e.getW().getAffineX())) + "\",\"y\":\"" + b64.encodeToString(fixed(e.getW().getAffineY())) + "\"}}";
    } else {
      PublicKey tee = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
          new BigInteger(1, Base64.getUrlDecoder().decode(jwk.string("n"))), new BigInteger(1, Base64.getUrlDecoder().decode(jwk.string("e")))));
      Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
      rsa.init(Cipher.ENCRYPT_MODE, tee, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
      encryptedKey = rsa.doFinal(cek);
      header = "{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\"}";
    }
    String prot = b64.encodeToString(header.getBytes(StandardCharsets.UTF_8));
    byte[] iv = new byte[12];
    random.nextBytes(iv);
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, iv));
    gcm.updateAAD(prot.getBytes(StandardCharsets.US_ASCII));
    byte[] out = gcm.doFinal(secret);
    byte[] ct = Arrays.copyOf(out, out.length - 16);
    byte[] tag = Arrays.copyOfRange(out, out.length - 16, out.length);
    if (mode == Mode.WRONG_TAG) {
      tag[0] ^= 1;
    }
    return "{\"protected\":\"" + prot + "\",\"encrypted_key\":\"" + b64.encodeToString(encryptedKey) + "\",\"iv\":\""
        + b64.encodeToString(iv) + "\",\"ciphertext\":\"" + b64.encodeToString(ct) + "\",\"tag\":\"" + b64.encodeToString(tag) + "\"}";
  }

  private static byte[] fixed(BigInteger v) {
    byte[] b = v.toByteArray();
    byte[] out = new byte[32];
    int from = Math.max(0, b.length - 32);
    System.arraycopy(b, from, out, 32 - (b.length - from), b.length - from);
    return out;
  }

  /** Canonical JSON of a flat object of ASCII strings: sorted keys, no whitespace. */
  private static String sorted(JsonObject o) throws Exception {
    StringBuilder sb = new StringBuilder("{");
    for (String k : new java.util.TreeSet<>(o.members().keySet())) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append('"').append(k).append("\":\"").append(o.string(k)).append('"');
    }
    return sb.append('}').toString();
  }

  private static String cookie(HttpExchange ex) {
    String h = ex.getRequestHeaders().getFirst("Cookie");
    if (h == null) {
      return null;
    }
    for (String part : h.split(";")) {
      String p = part.trim();
      if (p.startsWith("kbs-session-id=")) {
        return p.substring("kbs-session-id=".length());
      }
    }
    return null;
  }

  private static void error(HttpExchange ex, int status, String variant, String detail) throws IOException {
    reply(ex, status, "{\"type\":\"https://github.com/confidential-containers/kbs/errors/" + variant + "\",\"detail\":\"" + detail + "\"}");
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
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
