package io.kubesgx.keybroker.store;

import io.kubesgx.common.io.AtomicFiles;
import io.kubesgx.keybroker.store.StoreException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Envelope encryption at rest under a ring of key-encryption keys (KEKs): each record gets a fresh
 * 32-byte data key; the record is sealed with AES-256-GCM under the data key, the data key with
 * AES-256-GCM under the ring's <em>current</em> KEK. Both bind the record's identity as associated
 * data, so sealed values cannot be swapped between records. Sealed form: base64 of {@code 12-byte
 * nonce ‖ ciphertext ‖ 16-byte tag}.
 *
 * <p>A sealed record carries the id of the KEK that wraps its data key ({@link #kekId(byte[])}: the
 * first 8 bytes of {@code HMAC-SHA256(KEK, "kubesgx-key-broker/kek-id")} in hex, which reveals nothing
 * of the key). Records open with any KEK of the ring; {@link #rewrap} moves a data key to the current
 * KEK without changing the data key or the sealed content.
 */
public final class Envelope {
  /** Length of a KEK file. */
  public static final int KEK_BYTES = 32;
  private static final int NONCE = 12;
  private static final byte[] KEK_ID_LABEL = "kubesgx-key-broker/kek-id".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] AUDIT_LABEL = "kubesgx-key-broker/audit-checkpoint".getBytes(StandardCharsets.US_ASCII);

  private final String currentId;
  private final Map<String, SecretKeySpec> ring;
  private final Map<String, SecretKeySpec> auditKeys;
  private final SecureRandom random;

  private Envelope(String currentId, Map<String, SecretKeySpec> ring, Map<String, SecretKeySpec> auditKeys, SecureRandom random) {
    this.currentId = currentId;
    this.ring = Collections.unmodifiableMap(ring);
    this.auditKeys = Collections.unmodifiableMap(auditKeys);
    this.random = random;
  }

  /**
   * A sealed record: the id of the KEK wrapping its data key (null for records written before KEK
   * ids existed), its sealed data key and its sealed content.
   */
  public record Sealed(String kekId, String dek, String content) {}

  /** Creates an envelope whose ring holds only {@code kek}. */
  public static Envelope of(byte[] kek, SecureRandom random) {
    return ring(kek, List.of(), random);
  }

  /**
   * Creates an envelope that seals under {@code current} and opens records wrapped by {@code
   * current} or any of {@code previous}.
   *
   * @throws IllegalArgumentException when a key is not 32 bytes
   */
  public static Envelope ring(byte[] current, List<byte[]> previous, SecureRandom random) {
    Map<String, SecretKeySpec> ring = new LinkedHashMap<>();
    Map<String, SecretKeySpec> audit = new LinkedHashMap<>();
    List<byte[]> all = new ArrayList<>();
    all.add(current);
    all.addAll(previous);
    for (byte[] k : all) {
      if (k.length != KEK_BYTES) {
        throw new IllegalArgumentException("a key-encryption key must be exactly " + KEK_BYTES + " bytes, got " + k.length);
      }
      String id = kekId(k);
      ring.putIfAbsent(id, new SecretKeySpec(k, "AES"));
      audit.putIfAbsent(id, new SecretKeySpec(hmac(k, AUDIT_LABEL), "HmacSHA256"));
    }
    return new Envelope(kekId(current), ring, audit, random);
  }

  /** Returns the id of a KEK: hex of the first 8 bytes of {@code HMAC-SHA256(kek, "kubesgx-key-broker/kek-id")}. */
  public static String kekId(byte[] kek) {
    return HexFormat.of().formatHex(Arrays.copyOf(hmac(kek, KEK_ID_LABEL), 8));
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      return m.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is unavailable: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a KEK file (exactly 32 bytes).
   *
   * @param option the option that named the file, for messages
   * @throws IOException when the file cannot be read or is not 32 bytes; the message says what to change
   */
  public static byte[] readKek(Path file, String option) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(option + " " + file + ": no such file; create it with exactly " + KEK_BYTES
          + " random bytes (head -c 32 /dev/urandom > FILE; chmod 600 FILE)");
    }
    byte[] k;
    try {
      k = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IOException(option + " " + file + ": cannot read it (" + e.getMessage() + "); check its permissions", e);
    }
    if (k.length != KEK_BYTES) {
      throw new IOException(option + " " + file + " must hold exactly " + KEK_BYTES
          + " bytes (e.g. head -c 32 /dev/urandom > FILE), it has " + k.length);
    }
    return k;
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
    return loadOrCreate(file, create, List.of(), random, created);
  }

  /**
   * Like {@link #loadOrCreate(Path, boolean, SecureRandom, boolean[])}, with previous KEKs read
   * from {@code previousFiles} (which must exist).
   *
   * @throws IOException when a file cannot be read or written (the message names the file)
   * @throws IllegalArgumentException when the current file is not 32 bytes
   */
  public static Envelope loadOrCreate(Path file, boolean create, List<Path> previousFiles, SecureRandom random, boolean[] created)
      throws IOException {
    List<byte[]> previous = new ArrayList<>();
    for (Path p : previousFiles) {
      previous.add(readKek(p, "--previous-kek-file"));
    }
    if (!Files.exists(file)) {
      if (!create) {
        throw new IOException("key-encryption key file " + file + " does not exist");
      }
      byte[] k = new byte[KEK_BYTES];
      random.nextBytes(k);
      AtomicFiles.write(file, k, true);
      created[0] = true;
      return ring(k, previous, random);
    }
    byte[] k = Files.readAllBytes(file);
    if (k.length != KEK_BYTES) {
      throw new IllegalArgumentException("key-encryption key file " + file + " must hold exactly " + KEK_BYTES
          + " bytes (e.g. head -c 32 /dev/urandom > FILE), it has " + k.length);
    }
    return ring(k, previous, random);
  }

  /** Returns the id of the current KEK (the one new records are sealed under). */
  public String currentKekId() {
    return currentId;
  }

  /** Returns the ids of every KEK in the ring, current first. */
  public Set<String> kekIds() {
    return ring.keySet();
  }

  /** Seals {@code plaintext} for the record named {@code recordId} under the current KEK. */
  public Sealed seal(byte[] plaintext, String recordId) {
    byte[] dek = new byte[32];
    random.nextBytes(dek);
    try {
      byte[] aad = recordId.getBytes(StandardCharsets.UTF_8);
      String content = gcm(new SecretKeySpec(dek, "AES"), plaintext, aad);
      String sealedDek = gcm(ring.get(currentId), dek, aad);
      return new Sealed(currentId, sealedDek, content);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed: " + e.getMessage(), e);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }

  /**
   * Opens a sealed record.
   *
   * @throws StoreException {@link Reason#UNKNOWN_KEK} when the record names a KEK that is not in the ring
   * @throws GeneralSecurityException when the KEK is wrong or the record was altered or moved
   */
  public byte[] open(Sealed sealed, String recordId) throws GeneralSecurityException, StoreException {
    byte[] aad = recordId.getBytes(StandardCharsets.UTF_8);
    byte[] dek = openDek(sealed.kekId(), sealed.dek(), recordId, aad);
    try {
      return open(new SecretKeySpec(dek, "AES"), sealed.content(), aad);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }

  /**
   * Re-wraps a sealed data key under the current KEK; the data key itself (and so the sealed
   * content) does not change.
   *
   * @param kekId the KEK id stored with the record, or null when unknown (every KEK is tried)
   * @return the new sealed data key, wrapped by {@link #currentKekId()}
   * @throws StoreException {@link Reason#UNKNOWN_KEK} when {@code kekId} is not in the ring
   * @throws GeneralSecurityException when the data key does not open (altered or moved record)
   */
  public String rewrap(String kekId, String sealedDek, String recordId) throws GeneralSecurityException, StoreException {
    byte[] aad = recordId.getBytes(StandardCharsets.UTF_8);
    byte[] dek = openDek(kekId, sealedDek, recordId, aad);
    try {
      return gcm(ring.get(currentId), dek, aad);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }

  private byte[] openDek(String kekId, String sealedDek, String recordId, byte[] aad) throws GeneralSecurityException, StoreException {
    if (kekId != null) {
      SecretKeySpec kek = ring.get(kekId);
      if (kek == null) {
        throw new StoreException(Reason.UNKNOWN_KEK, recordId + " is wrapped by key-encryption key " + kekId
            + ", which is not in the KEK ring " + ring.keySet() + " (give that KEK with --previous-kek-file)", null);
      }
      return open(kek, sealedDek, aad);
    }
    GeneralSecurityException last = null;
    for (SecretKeySpec kek : ring.values()) { // records from before KEK ids: try each KEK
      try {
        return open(kek, sealedDek, aad);
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw last;
  }

  /** Returns {@code HMAC-SHA256} of {@code text} under the audit key derived from the current KEK, in hex. */
  String auditMac(String text) {
    return auditMac(currentId, text);
  }

  /** Returns the audit MAC of {@code text} under the KEK {@code kekId}, or null when it is not in the ring. */
  String auditMac(String kekId, String text) {
    SecretKeySpec k = kekId == null ? null : auditKeys.get(kekId);
    if (k == null) {
      return null;
    }
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(k);
      return HexFormat.of().formatHex(m.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is unavailable: " + e.getMessage(), e);
    }
  }

  /** Returns whether two MACs (hex) are equal, in constant time. */
  static boolean macEquals(String a, String b) {
    return a != null && b != null
        && MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }

  private String gcm(SecretKeySpec key, byte[] data, byte[] aad) throws GeneralSecurityException {
    byte[] nonce = new byte[NONCE];
    random.nextBytes(nonce);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
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
