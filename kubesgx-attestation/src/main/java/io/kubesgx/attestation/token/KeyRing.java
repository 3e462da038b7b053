package io.kubesgx.attestation.token;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.io.AtomicFiles;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The service's signing keys and their rotation.
 *
 * <p>Rotation without downtime: {@link #rotate(Duration)} makes a new key that is published in the
 * JWKS at once but signs only after {@code prePublish}, so relying parties that cache the JWKS
 * already know it; the previous key stops signing at that moment and stays published until every
 * token it signed has expired ({@code maxTokenLifetime}). Keys live in a directory, one {@code
 * <kid>.json} file each (mode 0600), so several replicas can share them through a Kubernetes Secret;
 * replicas reload the directory when it changes. Without a directory the ring is in memory only.
 */
public final class KeyRing {
  private static final String SUFFIX = ".json";

  private final Optional<Path> directory;
  private final boolean writable;
  private final SigningAlgorithm algorithm;
  private final String subject;
  private final Clock clock;
  private final Duration maxTokenLifetime;
  private volatile List<SigningKey> keys;
  private volatile long directoryStamp;
  private volatile long lastCheckNanos = System.nanoTime();
  /** How often the directory is looked at for changes (another replica's rotation, an updated Secret). */
  private static final long RECHECK_NANOS = 1_000_000_000L;

  private KeyRing(
      Optional<Path> directory,
      boolean writable,
      SigningAlgorithm algorithm,
      String subject,
      Clock clock,
      Duration maxTokenLifetime,
      List<SigningKey> keys) {
    this.directory = directory;
    this.writable = writable;
    this.algorithm = algorithm;
    this.subject = subject;
    this.clock = clock;
    this.maxTokenLifetime = maxTokenLifetime;
    this.keys = List.copyOf(keys);
  }

  /** Creates an in-memory ring with one fresh key (tokens stop verifying after a restart). */
  public static KeyRing inMemory(SigningAlgorithm algorithm, String subject, Clock clock, Duration maxTokenLifetime)
      throws GeneralSecurityException {
    Instant now = clock.instant();
    return new KeyRing(Optional.empty(), true, algorithm, subject, clock, maxTokenLifetime,
        List.of(KeyGenerator.generate(algorithm, subject, now, now)));
  }

  /**
   * Opens a ring stored in {@code dir}. A writable, empty directory gets a first key; a read-only
   * one (a mounted Secret) must already hold an active key.
   *
   * @throws IOException when the directory cannot be read or written
   * @throws GeneralSecurityException when a key file is malformed or no key can sign
   */
  public static KeyRing directory(
      Path dir, boolean writable, SigningAlgorithm algorithm, String subject, Clock clock, Duration maxTokenLifetime)
      throws IOException, GeneralSecurityException {
    if (writable) {
      AtomicFiles.createPrivateDirectory(dir); // 0700: private keys
    }
    KeyRing ring = new KeyRing(Optional.of(dir), writable, algorithm, subject, clock, maxTokenLifetime, List.of());
    ring.keys = ring.load();
    ring.directoryStamp = ring.stamp();
    if (ring.keys.stream().noneMatch(k -> k.canSignAt(clock.instant()))) {
      if (!writable) {
        throw new GeneralSecurityException("no key in " + dir + " can sign now; start one replica with a writable --keys "
            + dir + " (it creates a key, and rotates with --rotate-keys-every) and mount that directory here");
      }
      Instant now = clock.instant();
      SigningKey k = KeyGenerator.generate(algorithm, subject, now, now);
      ring.write(k);
      ring.keys = ring.load();
    }
    return ring;
  }

  /** Returns the key that signs now: the most recently activated key that is not retired. */
  public SigningKey signingKey() {
    reloadIfChanged();
    Instant now = clock.instant();
    return keys.stream()
        .filter(k -> k.canSignAt(now))
        .max(Comparator.comparing(SigningKey::activatesAt))
        .orElseThrow(() -> new IllegalStateException("no signing key is active; rotate the keys"));
  }

  /** Returns the keys to publish in the JWKS now, newest first. */
  public List<SigningKey> published() {
    reloadIfChanged();
    Instant now = clock.instant();
    List<SigningKey> out = new ArrayList<>();
    for (SigningKey k : keys) {
      if (k.isPublishedAt(now, maxTokenLifetime)) {
        out.add(k);
      }
    }
    out.sort(Comparator.comparing(SigningKey::createdAt).thenComparing(SigningKey::activatesAt).reversed());
    return List.copyOf(out);
  }

  /** Returns the longest lifetime of a token, which bounds how long a retired key stays published. */
  public Duration maxTokenLifetime() {
    return maxTokenLifetime;
  }

  /**
   * Makes a new key that signs from {@code now + prePublish} on; the keys active now retire at that
   * moment. Returns the new key.
   */
  public synchronized SigningKey rotate(Duration prePublish) throws IOException, GeneralSecurityException {
    if (!writable) {
      throw new IOException("the key directory is read-only here; rotate where it is writable and update the Secret");
    }
    Instant now = clock.instant();
    Instant activation = now.plus(prePublish);
    SigningKey fresh = KeyGenerator.generate(algorithm, subject, now, activation);
    List<SigningKey> next = new ArrayList<>();
    for (SigningKey k : keys) {
      if (k.retiredAt().isEmpty()) {
        SigningKey r = k.retire(activation);
        next.add(r);
        if (directory.isPresent()) {
          write(r);
        }
      } else {
        next.add(k);
      }
    }
    next.add(fresh);
    if (directory.isPresent()) {
      write(fresh);
      prune(next);
      keys = load();
      directoryStamp = stamp();
    } else {
      keys = List.copyOf(next);
    }
    return fresh;
  }

  /** Deletes key files that are no longer published (their tokens have all expired). */
  private void prune(List<SigningKey> all) throws IOException {
    Instant now = clock.instant();
    for (SigningKey k : all) {
      if (!k.isPublishedAt(now, maxTokenLifetime)) {
        Files.deleteIfExists(directory.orElseThrow().resolve(k.kid() + SUFFIX));
      }
    }
  }

  /** Re-reads the directory when a file in it changed (another replica or an updated Secret). */
  public void reloadIfChanged() {
    if (directory.isEmpty() || System.nanoTime() - lastCheckNanos < RECHECK_NANOS) {
      return;
    }
    lastCheckNanos = System.nanoTime();
    try {
      long s = stamp();
      if (s != directoryStamp) {
        synchronized (this) {
          List<SigningKey> loaded = load();
          if (!loaded.isEmpty()) {
            keys = loaded;
          }
          directoryStamp = s;
        }
      }
    } catch (IOException | GeneralSecurityException e) {
      // keep serving with the keys loaded before; the next call tries again
    }
  }

  private long stamp() throws IOException {
    long h = 17;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory.orElseThrow())) {
      for (Path p : ds) {
        FileTime t = Files.getLastModifiedTime(p);
        h = h * 31 + p.getFileName().toString().hashCode();
        h = h * 31 + t.toMillis();
      }
    }
    return h;
  }

  private List<SigningKey> load() throws IOException, GeneralSecurityException {
    List<SigningKey> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory.orElseThrow(), "*" + SUFFIX)) {
      for (Path p : ds) {
        if (Files.size(p) > 64 * 1024) {
          throw new GeneralSecurityException(p + " is too large to be a key file");
        }
        out.add(parse(Files.readString(p, StandardCharsets.UTF_8), p));
      }
    }
    out.sort(Comparator.comparing(SigningKey::createdAt));
    return out;
  }

  private static SigningKey parse(String text, Path where) throws GeneralSecurityException {
    try {
      JsonObject o = Json.parseObject(text);
      SigningAlgorithm alg = SigningAlgorithm.parse(o.string("alg"));
      byte[] pkcs8 = Base64.getDecoder().decode(o.string("privateKey"));
      byte[] der = Base64.getDecoder().decode(o.string("certificate"));
      X509Certificate cert =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
      PrivateKey priv =
          KeyFactory.getInstance(alg == SigningAlgorithm.RS256 ? "RSA" : "EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      String kid = KeyGenerator.kidOf(cert);
      if (!kid.equals(o.string("kid"))) {
        throw new GeneralSecurityException(where + ": kid does not match the certificate thumbprint");
      }
      Optional<Instant> retired =
          o.has("retiredAt") ? Optional.of(Instant.parse(o.string("retiredAt"))) : Optional.empty();
      return new SigningKey(kid, alg, new KeyPair(cert.getPublicKey(), priv), cert,
          Instant.parse(o.string("createdAt")), Instant.parse(o.string("activatesAt")), retired);
    } catch (MalformedInputException | IllegalArgumentException | DateTimeParseException e) {
      throw new GeneralSecurityException(where + " is not a kubesgx signing-key file: " + e.getMessage(), e);
    }
  }

  private void write(SigningKey k) throws IOException, GeneralSecurityException {
    Path dir = directory.orElseThrow();
    JsonBuilder b = JsonBuilder.object()
        .put("kid", k.kid())
        .put("alg", k.algorithm().name())
        .put("createdAt", k.createdAt().toString())
        .put("activatesAt", k.activatesAt().toString());
    k.retiredAt().ifPresent(r -> b.put("retiredAt", r.toString()));
    b.put("privateKey", Base64.getEncoder().encodeToString(k.keyPair().getPrivate().getEncoded()))
        .put("certificate", Base64.getEncoder().encodeToString(k.certificate().getEncoded()));
    AtomicFiles.write(dir.resolve(k.kid() + SUFFIX), (Json.write(b.build()) + "\n").getBytes(StandardCharsets.UTF_8), true);
  }

  /** Returns the signing algorithm of new keys. */
  public SigningAlgorithm algorithm() {
    return algorithm;
  }

  @Override
  public String toString() {
    return "KeyRing[" + directory.map(Objects::toString).orElse("in memory") + ", " + keys.size() + " keys]";
  }
}
