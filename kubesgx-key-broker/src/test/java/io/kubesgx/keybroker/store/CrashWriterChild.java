package io.kubesgx.keybroker.store;

import io.kubesgx.keybroker.keys.KeyAttributes;
import io.kubesgx.keybroker.keys.KeyKind;
import io.kubesgx.keybroker.keys.KeyMaterial;
import io.kubesgx.keybroker.keys.KeyType;
import io.kubesgx.keybroker.keys.KeyVersion;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The child JVM of {@link KillDuringWritesTest}: two threads write key versions to a SQLite store
 * as fast as they can (one creates oct keys, one imports EC keys, each also adding second versions)
 * and print {@code committed NAME VERSION SHA256(material)} after each write returned, until killed.
 *
 * <p>Arguments: JDBC URL, KEK file.
 */
public final class CrashWriterChild {
  private CrashWriterChild() {}

  public static void main(String[] args) throws Exception {
    SecureRandom random = new SecureRandom();
    Envelope env = Envelope.loadOrCreate(Path.of(args[1]), false, random, new boolean[1]);
    KeyStore store = KeyStore.open(args[0], null, null, env, Clock.systemUTC());
    Thread creates = new Thread(() -> burst(store, KeyKind.OCT, "create", random));
    Thread imports = new Thread(() -> burst(store, KeyKind.EC, "import", random));
    creates.start();
    imports.start();
    System.out.println("started");
    System.out.flush();
    creates.join();
    imports.join();
  }

  private static void burst(KeyStore store, KeyKind kind, String action, SecureRandom random) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (int i = 0; ; i++) {
        String name = action + "-" + (i / 2); // every name gets two versions
        String version = HexFormat.of().formatHex(random.generateSeed(16));
        Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());
        KeyMaterial m = kind == KeyKind.OCT
            ? KeyMaterial.generate(kind, Optional.of(256), Optional.empty(), random)
            : KeyMaterial.generate(kind, Optional.empty(), Optional.of("P-256"), random);
        KeyVersion v = new KeyVersion(name, version, new KeyType(kind, true), kind.defaultOps(),
            new KeyAttributes(true, Optional.empty(), Optional.empty(), false, now, now), Map.of("i", Integer.toString(i)),
            Optional.empty(), m);
        store.addVersion(v, new AuditEntry("admin", action, name, version, null, null, "ok", action + " " + name));
        String line = "committed " + name + " " + version + " " + HexFormat.of().formatHex(sha.digest(m.exportBytes()));
        synchronized (System.out) {
          System.out.println(line);
          System.out.flush();
        }
      }
    } catch (Exception e) {
      System.out.println("failed " + e);
      System.out.flush();
    }
  }
}
