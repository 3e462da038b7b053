package io.kubesgx.sim.internal;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-128-GCM sealing under an EGETKEY(SEAL) key, as an enclave seals data it must keep across
 * restarts: {@code "KSGXSEAL" ‖ u32 version ‖ 12-byte IV ‖ ciphertext ‖ 16-byte tag}, with a label
 * as additional authenticated data.
 */
public final class Sealing {
  private static final byte[] MAGIC = "KSGXSEAL".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 1;
  private static final int IV = 12;
  private static final int TAG = 16;
  private static final int MAX_SEALED = 1 << 20;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Sealing() {}

  /** Seals {@code plaintext} under the 16-byte {@code key}, bound to {@code label}. */
  public static byte[] seal(Bytes key, String label, byte[] plaintext) {
    byte[] iv = new byte[IV];
    RANDOM.nextBytes(iv);
    try {
      Cipher c = cipher(Cipher.ENCRYPT_MODE, key, iv, label);
      byte[] ct = c.doFinal(plaintext);
      return ByteBuffer.allocate(MAGIC.length + 4 + IV + ct.length)
          .put(MAGIC).putInt(VERSION).put(iv).put(ct).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /** Opens a sealed blob; a wrong key, label or any modified byte is a {@link MalformedInputException}. */
  public static byte[] unseal(Bytes key, String label, byte[] sealed) throws MalformedInputException {
    int header = MAGIC.length + 4 + IV;
    if (sealed.length < header + TAG || sealed.length > MAX_SEALED) {
      throw new MalformedInputException("sealed blob has " + sealed.length + " bytes; expected " + (header + TAG)
          + ".." + MAX_SEALED);
    }
    ByteBuffer b = ByteBuffer.wrap(sealed);
    byte[] magic = new byte[MAGIC.length];
    b.get(magic);
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw new MalformedInputException("not a kubesgx sealed blob (bad magic)");
    }
    int version = b.getInt();
    if (version != VERSION) {
      throw new MalformedInputException("sealed blob version " + version + " is not supported (expected " + VERSION + ")");
    }
    byte[] iv = new byte[IV];
    b.get(iv);
    try {
      Cipher c = cipher(Cipher.DECRYPT_MODE, key, iv, label);
      return c.doFinal(sealed, header, sealed.length - header);
    } catch (AEADBadTagException e) {
      throw new MalformedInputException(
          "sealed blob '" + label + "' does not open: it was sealed on another platform or for another enclave, or was modified");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  private static Cipher cipher(int mode, Bytes key, byte[] iv, String label) throws GeneralSecurityException {
    if (key.length() != 16) {
      throw new IllegalArgumentException("seal key must be 16 bytes");
    }
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(mode, new SecretKeySpec(key.toByteArray(), "AES"), new GCMParameterSpec(TAG * 8, iv));
    c.updateAAD(label.getBytes(StandardCharsets.UTF_8));
    return c;
  }
}
