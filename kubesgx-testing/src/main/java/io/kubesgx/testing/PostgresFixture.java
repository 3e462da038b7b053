package io.kubesgx.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway PostgreSQL server for tests, started from the Debian binaries ({@code initdb},
 * {@code pg_ctl}) on a free loopback port. {@code bin/test} installs PostgreSQL when it is missing;
 * without it the tests that need one are skipped with a visible message.
 */
public final class PostgresFixture implements AutoCloseable {
  private final Path bin;
  private final Path data;
  private final List<String> asUser;
  private final int port;

  private PostgresFixture(Path bin, Path data, List<String> asUser, int port) {
    this.bin = bin;
    this.data = data;
    this.asUser = asUser;
    this.port = port;
  }

  /**
   * Starts a server in a fresh directory under {@code /tmp} (the postgres user must be able to reach
   * it, which JUnit's private temporary directories do not allow), or aborts the calling test when
   * PostgreSQL is not installed.
   */
  public static PostgresFixture start() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "kubesgx-pg");
    Optional<Path> bin = findBin();
    Assumptions.assumeTrue(bin.isPresent(),
        "SKIPPED: PostgreSQL binaries (initdb, pg_ctl) not found; install Debian's postgresql (bin/test does) or set KUBESGX_PG_BIN");
    List<String> asUser = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      Assumptions.assumeTrue(run(List.of("id", "-u", "postgres"), dir) == 0, "SKIPPED: running as root and there is no postgres user");
      asUser.addAll(List.of("runuser", "-u", "postgres", "--"));
      run(List.of("chown", "-R", "postgres", dir.toString()), dir);
    }
    Path data = dir.resolve("pgdata");
    List<String> init = new ArrayList<>(asUser);
    init.addAll(List.of(bin.get().resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U", "kubesgx", "--no-sync"));
    if (run(init, dir) != 0) {
      throw new IOException("initdb failed; see " + dir.resolve("pg.out"));
    }
    // PostgreSQL needs a port number before it binds, so a free one is probed first; another process
    // may take it in between, so a failed start is retried on a freshly probed port.
    for (int attempt = 1; ; attempt++) {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      List<String> start = new ArrayList<>(asUser);
      start.addAll(List.of(bin.get().resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-l", dir.resolve("pg.log").toString(),
          "-o", "-p " + port + " -k " + dir + " -h 127.0.0.1 -F", "start"));
      if (run(start, dir) == 0) {
        return new PostgresFixture(bin.get(), data, asUser, port);
      }
      if (attempt == 3) {
        throw new IOException("pg_ctl start failed 3 times; see " + dir.resolve("pg.log"));
      }
    }
  }

  /** Returns the JDBC URL of the server's {@code postgres} database. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  /** Returns the database user. */
  public String user() {
    return "kubesgx";
  }

  private static Optional<Path> findBin() throws IOException {
    String env = System.getenv("KUBESGX_PG_BIN");
    if (env != null && Files.isExecutable(Path.of(env, "initdb"))) {
      return Optional.of(Path.of(env));
    }
    Path lib = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(lib)) {
      try (Stream<Path> s = Files.list(lib)) {
        Optional<Path> best = s.map(p -> p.resolve("bin")).filter(p -> Files.isExecutable(p.resolve("initdb")))
            .max(Comparator.comparing(Path::toString));
        if (best.isPresent()) {
          return best;
        }
      }
    }
    for (String p : java.util.regex.Pattern.compile(":").split(System.getenv().getOrDefault("PATH", ""))) {
      if (!p.isEmpty() && Files.isExecutable(Path.of(p, "initdb")) && Files.isExecutable(Path.of(p, "pg_ctl"))) {
        return Optional.of(Path.of(p));
      }
    }
    return Optional.empty();
  }

  private static int run(List<String> cmd, Path dir) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("pg.out").toFile())).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  @Override
  public void close() throws IOException {
    List<String> stop = new ArrayList<>(asUser);
    stop.addAll(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"));
    try {
      run(stop, data.getParent());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      throw new IOException("pg_ctl stop failed: " + e, e);
    }
    try (Stream<Path> s = Files.walk(data.getParent())) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
