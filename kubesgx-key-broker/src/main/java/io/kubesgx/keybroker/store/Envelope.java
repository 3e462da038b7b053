package io.kubesgx.keybroker.store;

import io.kubesgx.common.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Envelope encryption at rest: each record gets a fresh 32-byte data key; the record is sealed with
 * AES-256-GCM under the data key, the data key with AES-256-GCM under the key-encryption key (KEK).
 * Both bind the record's identity as associated data, so sealed values cannot be swapped between
 * records. Sealed form: base64 of {@code 12-byte nonce ‖ ciphertext ‖ 16-byte tag}.
 */
public final class Envelope {
  /** Length of the KEK file. */
  public static final int KEK_BYTES = 32;
  private static final int NONCE = 12;

  private final SecretKeySpec kek;
  private final SecureRandom random;

  private Envelope(byte[] kek, SecureRandom random) {
    this.kek = new SecretKeySpec(kek, "AES");
    this.random = random;
  }

  /** A sealed record: its sealed data key and its sealed content. */
  public record Sealed(String dek, String content) {}

  /** Creates an envelope over a 32-byte KEK. */
  public static Envelope of(byte[] kek, SecureRandom random) {
    if (kek.length != KEK_BYTES) {
      throw new IllegalArgumentException("the key-encryption key must be exactly " + KEK_BYTES + " bytes, got " + kek.length);
    }
    return new Envelope(kek, random);
  }

  /**
   * Reads the KEK from {@code file}, or creates it (32 random bytes, mode 0600) when it does not
   * exist and {@code create} is true.
   *
   * @return true in {@code created[0]} when the file was generated
   * @throws IOException when the file cannot be read or written
   * @throws IllegalArgumentException when the file is not 32 bytes
   */
  public static Envelope loadOrCreate(Path file, boolean create, SecureRandom random, boolean[] created) throws IOException {
    if (!Files.exists(file)) {
      if (!create) {
        throw new IOException("key-encryption key file " + file + " does not exist");
      }
      byte[] k = new byte[KEK_BYTES];
      random.nextBytes(k);
      AtomicFiles.write(file, k, true);
      created[0] = true;
      return of(k, random);
    }
    byte[] k = Files.readAllBytes(file);
    if (k.length != KEK_BYTES) {
      throw new IllegalArgumentException("key-encryption key file " + file + " must hold exactly " + KEK_BYTES
          + " bytes (e.g. head -c 32 /dev/urandom > FILE), it has " + k.length);
    }
    return of(k, random);
  }

  /** Seals {@code plaintext} for the record named {@code recordId}. */
  public Sealed seal(byte[] plaintext, String recordId) {
    byte[] dek = new byte[32];
    random.nextBytes(dek);
    try {
      byte[] aad = recordId.getBytes(StandardCharsets.UTF_8);
      String content = gcm(Cipher.ENCRYPT_MODE, new SecretKeySpec(dek, "AES"), plaintext, aad);
      String sealedDek = gcm(Cipher.ENCRYPT_MODE, kek, dek, aad);
      return new Sealed(sealedDek, content);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed: " + e.getMessage(), e);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }

  /**
   * Opens a sealed record.
   *
   * @throws GeneralSecurityException when the KEK is wrong or the record was altered or moved
   */
  public byte[] open(Sealed sealed, String recordId) throws GeneralSecurityException {
    byte[] aad = recordId.getBytes(StandardCharsets.UTF_8);
    byte[] dek = open(kek, sealed.dek(), aad);
    try {
      return open(new SecretKeySpec(dek, "AES"), sealed.content(), aad);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }

  private String gcm(int mode, SecretKeySpec key, byte[] data, byte[] aad) throws GeneralSecurityException {
    byte[] nonce = new byte[NONCE];
    random.nextBytes(nonce);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(mode, key, new GCMParameterSpec(128, nonce));
    c.updateAAD(aad);
    byte[] ct = c.doFinal(data);
    byte[] out = Arrays.copyOf(nonce, NONCE + ct.length);
    System.arraycopy(ct, 0, out, NONCE, ct.length);
    return Base64.getEncoder().encodeToString(out);
  }

  private static byte[] open(SecretKeySpec key, String sealed, byte[] aad) throws GeneralSecurityException {
    byte[] in;
    try {
      in = Base64.getDecoder().decode(sealed);
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException("sealed value is not base64");
    }
    if (in.length < NONCE + 16) {
      throw new GeneralSecurityException("sealed value too short");
    }
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, NONCE));
    c.updateAAD(aad);
    return c.doFinal(in, NONCE, in.length - NONCE);
  }
}
