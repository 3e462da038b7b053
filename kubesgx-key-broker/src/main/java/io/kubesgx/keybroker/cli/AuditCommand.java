package io.kubesgx.keybroker.cli;

import io.kubesgx.keybroker.store.KeyStore;
import io.kubesgx.keybroker.store.StoreException;
import io.kubesgx.keybroker.store.Envelope;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code key-broker audit verify|export}: checks the audit log's hash chain, or prints it as JSON lines. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Check or export the key broker's audit log.",
    subcommands = {AuditCommand.Verify.class, AuditCommand.Export.class})
public final class AuditCommand {
  /** Options shared by the audit subcommands. */
  abstract static class Base implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "The broker's state directory.")
    Path stateDir;

    @Option(names = "--db", paramLabel = "JDBC_URL", description = "Database (default jdbc:sqlite:STATE/key-broker.db).")
    String db;

    @Option(names = "--kek-file", paramLabel = "FILE",
        description = "The broker's key-encryption key, to check the MACed head checkpoint (default STATE/kek when it exists).")
    Path kekFile;

    @Option(names = "--previous-kek-file", paramLabel = "FILE", description = "A previous key-encryption key (repeatable).")
    List<Path> previousKekFiles = new ArrayList<>();

    /** Returns the KEK ring given (or STATE/kek), or empty when there is none. */
    Optional<Envelope> ring() throws IOException {
      Path current = kekFile;
      if (current == null && stateDir != null && Files.isRegularFile(stateDir.resolve("kek"))) {
        current = stateDir.resolve("kek");
      }
      if (current == null) {
        if (!previousKekFiles.isEmpty()) {
          throw new IllegalArgumentException("--previous-kek-file needs --kek-file");
        }
        return Optional.empty();
      }
      byte[] k = Envelope.readKek(current, "--kek-file");
      List<byte[]> previous = new ArrayList<>();
      for (Path p : previousKekFiles) {
        previous.add(Envelope.readKek(p, "--previous-kek-file"));
      }
      return Optional.of(Envelope.ring(k, previous, new SecureRandom()));
    }

    KeyStore open() throws StoreException, IOException {
      String url = db;
      if (url == null) {
        KeyBrokerCommand.require(stateDir, "--state-dir DIR");
        Path file = stateDir.resolve("key-broker.db");
        if (!Files.isRegularFile(file)) {
          throw new IllegalArgumentException("no key-broker database in " + stateDir + " (expected " + file + ")");
        }
        url = "jdbc:sqlite:" + file;
      }
      Optional<Envelope> ring = ring();
      return ring.isPresent() ? KeyStore.openForAudit(url, null, null, ring.get(), Clock.systemUTC())
          : KeyStore.openForAudit(url, null, null, Clock.systemUTC());
    }

    @Override
    public Integer call() {
      KeyBrokerCommand.quietLibraries();
      PrintWriter err = spec.commandLine().getErr();
      try (KeyStore store = open()) {
        return run(store, spec.commandLine().getOut(), err);
      } catch (IllegalArgumentException | StoreException | IOException e) {
        err.println("key-broker audit: " + e.getMessage());
        return KeyBrokerCommand.USAGE_OR_IO;
      }
    }

    abstract int run(KeyStore store, PrintWriter out, PrintWriter err) throws StoreException;
  }

  /** Recomputes the hash chain; exit 0 when intact, 1 when tampered. */
  @Command(name = "verify", mixinStandardHelpOptions = true, description = "Recompute the audit log's hash chain (exit 1 when it was altered).")
  static final class Verify extends Base {
    @Override
    int run(KeyStore store, PrintWriter out, PrintWriter err) throws StoreException {
      KeyStore.AuditCheck c = store.verifyAudit();
      if (c.intact() && !c.checkpointVerified() && c.checkpoint().startsWith("not checked: it is MACed")) {
        err.println("key-broker audit: chain intact (" + c.entries() + " entries) but the head checkpoint " + c.checkpoint()
            + "; give that KEK with --kek-file or --previous-kek-file");
        return KeyBrokerCommand.USAGE_OR_IO;
      }
      if (c.intact()) {
        out.println("audit log intact: " + c.entries() + " entries; head checkpoint " + c.checkpoint());
        return 0;
      }
      out.println("audit log TAMPERED: " + c.problem() + " (" + c.entries() + " entries before it are intact)");
      return 1;
    }
  }

  /** Prints the audit log as JSON lines. */
  @Command(name = "export", mixinStandardHelpOptions = true, description = "Print the audit log as JSON lines, oldest first.")
  static final class Export extends Base {
    @Option(names = "--limit", paramLabel = "N", description = "Most entries printed (default ${DEFAULT-VALUE}).")
    int limit = 1_000_000;

    @Override
    int run(KeyStore store, PrintWriter out, PrintWriter err) throws StoreException {
      store.auditLines(limit).forEach(out::println);
      return 0;
    }
  }
}
