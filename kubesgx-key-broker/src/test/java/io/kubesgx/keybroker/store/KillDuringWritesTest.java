package io.kubesgx.keybroker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 6: a child JVM writes a burst of key creates and imports to SQLite and is killed
 * with SIGKILL mid-burst. Reopened, the store holds every write the child reported committed, every
 * row opens (no half-written record), each row has its audit entry and the audit chain verifies.
 */
class KillDuringWritesTest {
  private static final int COMMITS_BEFORE_KILL = 40;

  @Test
  void addVersion_childKilledMidBurst_noCommittedWriteLostNoHalfRecordChainIntact(@TempDir Path dir) throws Exception {
    Path kek = dir.resolve("kek");
    Files.write(kek, new SecureRandom().generateSeed(32));
    String url = "jdbc:sqlite:" + dir.resolve("kb.db");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(java.toString(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        CrashWriterChild.class.getName(), url, kek.toString()).redirectErrorStream(true).start();
    List<String> committed = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        assertTrue(!line.startsWith("failed") && !line.startsWith("Exception"), line);
        if (line.startsWith("committed ")) {
          committed.add(line);
          if (committed.size() == COMMITS_BEFORE_KILL) {
            // kill -9: no shutdown hook, no close, writes in flight. (Process.destroyForcibly would
            // also close our end of the pipe, losing the lines the child printed just before.)
            Process kill = new ProcessBuilder("kill", "-9", Long.toString(child.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor(), "kill -9");
          }
        }
      }
      // Lines still in the pipe after the kill were printed after their commit: they count too.
    } finally {
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child died");
    }
    assertTrue(committed.size() >= COMMITS_BEFORE_KILL, "the child reported " + committed.size() + " commits");
    assertEquals(137, child.exitValue(), "killed by SIGKILL, not ended by itself");

    SecureRandom random = new SecureRandom();
    Envelope env = Envelope.loadOrCreate(kek, false, random, new boolean[1]);
    try (KeyStore store = KeyStore.open(url, null, null, env, Clock.systemUTC())) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String c : committed) {
        String[] f = c.split(" ");
        var v = store.get(f[1], Optional.of(f[2]));
        assertTrue(v.isPresent(), "committed write lost: " + c);
        assertEquals(f[3], HexFormat.of().formatHex(sha.digest(v.get().material().exportBytes())), c);
      }
      // Every row on disk opens (sealed material and data key complete) and has exactly one audit entry.
      long rows = 0;
      try (Connection c = DriverManager.getConnection(url);
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT name, version FROM kb_key_versions")) {
        while (rs.next()) {
          rows++;
          assertTrue(store.get(rs.getString(1), Optional.of(rs.getString(2))).isPresent());
        }
      }
      assertTrue(rows >= committed.size());
      KeyStore.AuditCheck check = store.verifyAudit();
      assertTrue(check.intact(), check.problem());
      assertEquals(rows, check.entries(), "one audit entry per stored version, written in the same transaction");
    }
  }
}
