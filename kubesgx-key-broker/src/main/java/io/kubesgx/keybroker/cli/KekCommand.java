package io.kubesgx.keybroker.cli;

import io.kubesgx.keybroker.store.Envelope;
import io.kubesgx.keybroker.store.KeyStore;
import io.kubesgx.keybroker.store.StoreException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code key-broker kek rotate|id}: re-wraps every data key to the current key-encryption key, or names KEK files by id. */
@Command(name = "kek", mixinStandardHelpOptions = true, description = "Key-encryption key (KEK) rotation.",
    subcommands = {KekCommand.Rotate.class, KekCommand.Id.class})
public final class KekCommand {
  /** Re-wraps every data key to the current KEK in small transactions; safe while the broker serves. */
  @Command(name = "rotate", mixinStandardHelpOptions = true, description = {
      "Re-wrap every stored data key to --kek-file, in small transactions, while the broker keeps serving "
          + "(start or reload it with the same --kek-file and --previous-kek-file first).",
      "Exit 0 when every record is under --kek-file afterwards (the previous KEKs can then be removed), 1 when some "
          + "records could not be re-wrapped, 2 for usage or I/O errors."})
  static final class Rotate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "The broker's state directory.")
    Path stateDir;

    @Option(names = "--db", paramLabel = "JDBC_URL", description = "Database (default jdbc:sqlite:STATE/key-broker.db).")
    String db;

    @Option(names = "--kek-file", paramLabel = "FILE", description = "The new (current) key-encryption key (default STATE/kek).")
    Path kekFile;

    @Option(names = "--previous-kek-file", paramLabel = "FILE", description = "A previous key-encryption key records may be wrapped by (repeatable).")
    List<Path> previousKekFiles = new ArrayList<>();

    @Option(names = "--batch-size", paramLabel = "N", description = "Records re-wrapped per transaction, 1..10000 (default ${DEFAULT-VALUE}).")
    int batchSize = 100;

    @Override
    public Integer call() {
      KeyBrokerCommand.quietLibraries();
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        KeyBrokerCommand.require(stateDir, "--state-dir DIR");
        if (batchSize < 1 || batchSize > 10_000) {
          throw new IllegalArgumentException("--batch-size must be 1..10000, got " + batchSize);
        }
        Path current = kekFile == null ? stateDir.resolve("kek") : kekFile;
        byte[] k = Envelope.readKek(current, "--kek-file");
        List<byte[]> previous = new ArrayList<>();
        for (Path p : previousKekFiles) {
          previous.add(Envelope.readKek(p, "--previous-kek-file"));
        }
        String url = db;
        if (url == null) {
          Path file = stateDir.resolve("key-broker.db");
          if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no key-broker database in " + stateDir + " (expected " + file + ")");
          }
          url = "jdbc:sqlite:" + file;
        }
        try (KeyStore store = KeyStore.open(url, null, null, Envelope.ring(k, previous, new SecureRandom()), Clock.systemUTC())) {
          KeyStore.Rotation r = store.rotateKek(batchSize, "kek-rotate-cli");
          out.println("re-wrapped " + r.rewrapped() + " data keys to key-encryption key " + r.kekId());
          r.failed().forEach(f -> out.println("not re-wrapped: " + f));
          if (r.remaining().isEmpty()) {
            out.println("every record is under " + r.kekId() + ": the previous key-encryption keys can be removed");
            return 0;
          }
          out.println("records still under other key-encryption keys: " + r.remaining()
              + " (give those KEKs with --previous-kek-file and run again)");
          return 1;
        }
      } catch (IllegalArgumentException | IOException | StoreException e) {
        err.println("key-broker kek rotate: " + e.getMessage());
        return KeyBrokerCommand.USAGE_OR_IO;
      }
    }
  }

  /** Prints the id of each KEK file (the ids that records, error messages and the audit log name). */
  @Command(name = "id", mixinStandardHelpOptions = true, description = "Print the key-encryption key id of each FILE.")
  static final class Id implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "KEK files (32 bytes each).")
    List<Path> files = new ArrayList<>();

    @Override
    public Integer call() {
      try {
        List<String> lines = new ArrayList<>();
        for (Path p : files) {
          lines.add(Envelope.kekId(Envelope.readKek(p, "FILE")) + "  " + p);
        }
        lines.forEach(spec.commandLine().getOut()::println);
        return 0;
      } catch (IOException e) {
        spec.commandLine().getErr().println("key-broker kek id: " + e.getMessage());
        return KeyBrokerCommand.USAGE_OR_IO;
      }
    }
  }
}
