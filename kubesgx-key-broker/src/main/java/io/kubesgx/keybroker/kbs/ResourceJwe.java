package io.kubesgx.keybroker.kbs;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds the flattened JWE a KBS resource is returned as: content AES-256-GCM under a random CEK and
 * 12-byte IV, AAD = ASCII of the base64url protected header, the CEK encrypted to the enclave's key.
 * The protected header is written byte-exactly as Trustee's serde struct ({@code alg}, {@code enc},
 * then {@code epk} with {@code crv,kty,x,y}) because Trustee clients recompute the AAD from the
 * parsed header; members are emitted in the order {@code protected, encrypted_key, iv, ciphertext,
 * tag}, base64url without padding, {@code aad} omitted.
 */
public final class ResourceJwe {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private ResourceJwe() {}

  /**
   * Encrypts {@code plaintext} to {@code key}.
   *
   * @throws KbsException {@link KbsException.Variant#JweError} when the key cannot be used
   */
  public static String encrypt(byte[] plaintext, TeePubKey key, SecureRandom random) throws KbsException {
    byte[] cek = new byte[32];
    random.nextBytes(cek);
    try {
      String header;
      byte[] encryptedKey;
      switch (key.alg()) {
        case TeePubKey.RSA_OAEP_256 -> {
          header = "{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\"}";
          // spec: JWA RSA-OAEP-256 = OAEP with SHA-256 and MGF1-SHA-256 (the JCA name alone would use MGF1-SHA-1).
          Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
          rsa.init(Cipher.ENCRYPT_MODE, key.key(),
              new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT), random);
          encryptedKey = rsa.doFinal(cek);
        }
        case TeePubKey.ECDH_ES_A256KW -> {
          ECPublicKey peer = (ECPublicKey) key.key();
          KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
          g.initialize(peer.getParams(), random);
          KeyPair eph = g.generateKeyPair();
          KeyAgreement ka = KeyAgreement.getInstance("ECDH");
          ka.init(eph.getPrivate());
          ka.doPhase(peer, true);
          byte[] z = ka.generateSecret();
          byte[] kek = concatKdf(z, TeePubKey.ECDH_ES_A256KW);
          Arrays.fill(z, (byte) 0);
          int len = (peer.getParams().getCurve().getField().getFieldSize() + 7) / 8;
          ECPublicKey epk = (ECPublicKey) eph.getPublic();
          String crv = len == 32 ? "P-256" : "P-521";
          header = "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":{\"crv\":\"" + crv + "\",\"kty\":\"EC\",\"x\":\""
              + B64.encodeToString(fixed(epk.getW().getAffineX().toByteArray(), len)) + "\",\"y\":\""
              + B64.encodeToString(fixed(epk.getW().getAffineY().toByteArray(), len)) + "\"}}";
          // spec: RFC 3394 AES key wrap (not KWP) of the CEK under the derived KEK.
          Cipher kw = Cipher.getInstance("AESWrap");
          kw.init(Cipher.WRAP_MODE, new SecretKeySpec(kek, "AES"));
          encryptedKey = kw.wrap(new SecretKeySpec(cek, "AES"));
          Arrays.fill(kek, (byte) 0);
        }
        default -> throw new KbsException(KbsException.Variant.JweError, "unsupported tee-pubkey alg " + key.alg());
      }
      String protectedB64 = B64.encodeToString(header.getBytes(StandardCharsets.UTF_8));
      byte[] iv = new byte[12];
      random.nextBytes(iv);
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, iv));
      gcm.updateAAD(protectedB64.getBytes(StandardCharsets.US_ASCII));
      byte[] out = gcm.doFinal(plaintext);
      byte[] ct = Arrays.copyOf(out, out.length - 16);
      byte[] tag = Arrays.copyOfRange(out, out.length - 16, out.length);
      return "{\"protected\":\"" + protectedB64 + "\",\"encrypted_key\":\"" + B64.encodeToString(encryptedKey)
          + "\",\"iv\":\"" + B64.encodeToString(iv) + "\",\"ciphertext\":\"" + B64.encodeToString(ct) + "\",\"tag\":\""
          + B64.encodeToString(tag) + "\"}";
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new KbsException(KbsException.Variant.JweError, "cannot encrypt to the tee-pubkey: " + e.getMessage());
    } finally {
      Arrays.fill(cek, (byte) 0);
    }
  }

  /**
   * RFC 7518 §4.6.2 Concat KDF with SHA-256 for a 256-bit key, empty {@code apu}/{@code apv}:
   * {@code SHA256(u32be(1) ‖ Z ‖ u32be(len(alg)) ‖ alg ‖ u32be(0) ‖ u32be(0) ‖ u32be(256))}.
   */
  static byte[] concatKdf(byte[] z, String alg) throws GeneralSecurityException {
    byte[] algBytes = alg.getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(ByteBuffer.allocate(4).putInt(1).array());
    b.writeBytes(z);
    b.writeBytes(ByteBuffer.allocate(4).putInt(algBytes.length).array());
    b.writeBytes(algBytes);
    b.writeBytes(ByteBuffer.allocate(12).putInt(0).putInt(0).putInt(256).array());
    return MessageDigest.getInstance("SHA-256").digest(b.toByteArray());
  }

  private static byte[] fixed(byte[] unsigned, int len) {
    byte[] out = new byte[len];
    int n = Math.min(unsigned.length, len);
    System.arraycopy(unsigned, unsigned.length - n, out, len - n, n);
    return out;
  }
}
