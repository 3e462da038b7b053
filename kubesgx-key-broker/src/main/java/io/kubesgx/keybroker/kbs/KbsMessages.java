package io.kubesgx.keybroker.kbs;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonNull;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.common.json.JsonValue.JsonString;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.Map;

/**
 * Parsers of the KBS request bodies (untrusted bytes): every length is checked before anything is
 * decoded or allocated, and every failure is a {@link MalformedInputException} whose message names
 * the field (wire format: {@code kbs-types} {@code Request} and {@code Attestation}, RCAR 0.4.0).
 */
public final class KbsMessages {
  /** Longest accepted nonce (ours are 44 characters). */
  public static final int MAX_NONCE_CHARS = 128;
  /** Longest accepted base64 quote (a DCAP quote with its certification chain is 5–10 KiB). */
  public static final int MAX_QUOTE_BASE64_CHARS = 88 * 1024;
  /** Most members of a {@code tee-pubkey} JWK. */
  public static final int MAX_JWK_MEMBERS = 16;
  /** Longest JWK member value (RSA-8192 {@code n} is 1366 characters). */
  public static final int MAX_JWK_VALUE_CHARS = 2048;
  /** Smallest RSA modulus accepted for the enclave's key. */
  public static final int MIN_RSA_BITS = 2048;
  /** Largest RSA modulus accepted for the enclave's key. */
  public static final int MAX_RSA_BITS = 8192;
  /** Deepest JSON nesting accepted in a request. */
  static final int MAX_DEPTH = 8;

  private KbsMessages() {}

  /**
   * {@code POST /kbs/v0/auth}.
   *
   * @param version the client's protocol version
   * @param tee the TEE name ({@code sgx}, {@code tdx}, …)
   */
  public record AuthRequest(String version, String tee) {}

  /**
   * {@code POST /kbs/v0/attest}.
   *
   * @param nonce {@code runtime-data.nonce}
   * @param teePubKey {@code runtime-data.tee-pubkey}
   * @param quote the decoded {@code tee-evidence.primary_evidence.quote}
   * @param additionalEvidence {@code tee-evidence.additional_evidence} ({@code ""} without devices)
   * @param initData whether {@code init-data} was given (not null)
   */
  public record AttestRequest(String nonce, TeePubKey teePubKey, byte[] quote, String additionalEvidence, boolean initData) {
    /** Copies the quote. */
    public AttestRequest {
      quote = quote.clone();
    }

    @Override
    public byte[] quote() {
      return quote.clone();
    }
  }

  /** Parses an auth request. */
  public static AuthRequest parseAuth(byte[] body) throws MalformedInputException {
    JsonObject o = object(body);
    String version = boundedString(o, "version", 32);
    String tee = boundedString(o, "tee", 32);
    return new AuthRequest(version, tee);
  }

  /** Parses an attest request; the tee-pubkey is parsed into a validated public key. */
  public static AttestRequest parseAttest(byte[] body) throws MalformedInputException {
    JsonObject o = object(body);
    JsonValue init = o.get("init-data");
    boolean initData = init != null && !(init instanceof JsonNull);
    JsonObject runtime = obj(o, "runtime-data");
    String nonce = boundedString(runtime, "nonce", MAX_NONCE_CHARS);
    TeePubKey key = teePubKey(obj(runtime, "tee-pubkey"));
    JsonObject evidence = obj(o, "tee-evidence");
    JsonObject primary = obj(evidence, "primary_evidence");
    String quoteB64 = boundedString(primary, "quote", MAX_QUOTE_BASE64_CHARS);
    byte[] quote;
    try {
      quote = Base64.getDecoder().decode(quoteB64);
    } catch (IllegalArgumentException e) {
      throw new MalformedInputException("tee-evidence.primary_evidence.quote must be standard base64");
    }
    JsonValue add = evidence.get("additional_evidence");
    String additional;
    if (add == null || add instanceof JsonNull) {
      additional = "";
    } else if (add instanceof JsonString s && s.value().length() <= 64 * 1024) {
      additional = s.value();
    } else {
      throw new MalformedInputException("tee-evidence.additional_evidence must be a string of at most 65536 characters");
    }
    return new AttestRequest(nonce, key, quote, additional, initData);
  }

  /** Parses and validates a {@code tee-pubkey} JWK (RSA with RSA-OAEP-256, or EC P-256/P-521 with ECDH-ES+A256KW). */
  public static TeePubKey teePubKey(JsonObject jwk) throws MalformedInputException {
    if (jwk.members().size() > MAX_JWK_MEMBERS) {
      throw new MalformedInputException("tee-pubkey has more than " + MAX_JWK_MEMBERS + " members");
    }
    for (Map.Entry<String, JsonValue> e : jwk.members().entrySet()) {
      if (!(e.getValue() instanceof JsonString s) || s.value().length() > MAX_JWK_VALUE_CHARS || e.getKey().length() > 64) {
        throw new MalformedInputException("tee-pubkey members must be strings of at most " + MAX_JWK_VALUE_CHARS + " characters");
      }
    }
    String kty = jwk.string("kty");
    String alg = jwk.has("alg") ? jwk.string("alg") : "";
    try {
      switch (kty) {
        case "RSA" -> {
          if (!alg.equals(TeePubKey.RSA_OAEP_256)) {
            throw new MalformedInputException("tee-pubkey: an RSA key must have alg RSA-OAEP-256 (RSA1_5 is refused as insecure), not '"
                + alg + "'");
          }
          BigInteger n = new BigInteger(1, b64url(jwk, "n"));
          BigInteger e = new BigInteger(1, b64url(jwk, "e"));
          if (n.bitLength() < MIN_RSA_BITS || n.bitLength() > MAX_RSA_BITS) {
            throw new MalformedInputException("tee-pubkey: the RSA modulus must have " + MIN_RSA_BITS + " to " + MAX_RSA_BITS
                + " bits, it has " + n.bitLength());
          }
          if (e.bitLength() < 2 || e.bitLength() > 32 || !e.testBit(0)) {
            throw new MalformedInputException("tee-pubkey: the RSA exponent must be odd, at least 3 and at most 32 bits");
          }
          PublicKey k = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
          return new TeePubKey(jwk, alg, k);
        }
        case "EC" -> {
          if (!alg.equals(TeePubKey.ECDH_ES_A256KW)) {
            throw new MalformedInputException("tee-pubkey: an EC key must have alg ECDH-ES+A256KW, not '" + alg + "'");
          }
          String crv = jwk.string("crv");
          int len;
          String name;
          switch (crv) {
            case "P-256" -> {
              len = 32;
              name = "secp256r1";
            }
            case "P-521" -> {
              len = 66;
              name = "secp521r1";
            }
            default -> throw new MalformedInputException("tee-pubkey: crv must be P-256 or P-521, not '" + crv + "'");
          }
          byte[] x = b64url(jwk, "x");
          byte[] y = b64url(jwk, "y");
          if (x.length != len || y.length != len) {
            throw new MalformedInputException("tee-pubkey: x and y of a " + crv + " key are " + len + " bytes each");
          }
          AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
          params.init(new ECGenParameterSpec(name));
          ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
          ECPoint w = new ECPoint(new BigInteger(1, x), new BigInteger(1, y));
          if (!onCurve(w, spec)) {
            throw new MalformedInputException("tee-pubkey: the point (x, y) is not on " + crv);
          }
          PublicKey k = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, spec));
          return new TeePubKey(jwk, alg, k);
        }
        default -> throw new MalformedInputException("tee-pubkey: kty must be RSA or EC, not '" + kty + "'");
      }
    } catch (GeneralSecurityException e) {
      throw new MalformedInputException("tee-pubkey is not a usable key: " + e.getMessage());
    }
  }

  /** Checks y² = x³ + ax + b (mod p) with 0 ≤ x, y < p (SEC 1 §3.2.2.1 public key validation). */
  static boolean onCurve(ECPoint w, ECParameterSpec spec) {
    BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
    BigInteger x = w.getAffineX();
    BigInteger y = w.getAffineY();
    if (x.signum() < 0 || y.signum() < 0 || x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
      return false;
    }
    BigInteger left = y.multiply(y).mod(p);
    BigInteger right = x.pow(3).add(spec.getCurve().getA().multiply(x)).add(spec.getCurve().getB()).mod(p);
    return left.equals(right);
  }

  private static byte[] b64url(JsonObject jwk, String key) throws MalformedInputException {
    String s = jwk.string(key);
    if (s.isEmpty() || s.indexOf('=') >= 0) {
      throw new MalformedInputException("tee-pubkey." + key + " must be non-empty base64url without padding");
    }
    try {
      return Base64.getUrlDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new MalformedInputException("tee-pubkey." + key + " must be base64url without padding");
    }
  }

  private static JsonObject object(byte[] body) throws MalformedInputException {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
    } catch (CharacterCodingException e) {
      throw new MalformedInputException("the request body is not UTF-8");
    }
    JsonValue v = Json.parse(text, MAX_DEPTH);
    if (!(v instanceof JsonObject o)) {
      throw new MalformedInputException("the request body must be a JSON object");
    }
    return o;
  }

  private static JsonObject obj(JsonObject o, String key) throws MalformedInputException {
    JsonValue v = o.require(key);
    if (v instanceof JsonObject j) {
      return j;
    }
    throw new MalformedInputException("field '" + key + "' must be an object");
  }

  private static String boundedString(JsonObject o, String key, int max) throws MalformedInputException {
    String s = o.string(key);
    if (s.length() > max) {
      throw new MalformedInputException("field '" + key + "' is longer than " + max + " characters");
    }
    return s;
  }
}
