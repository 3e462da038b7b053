package io.kubesgx.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.testing.ChildOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 item 1: 250 connections that each send almost 1 MiB of body and then one byte every 2 s
 * (refused ones come back after a second) against a service in a child JVM with {@code -Xmx256m}
 * and default limits, for 35 s: longer than the 30 s request deadline. Before the bounds this
 * drove the service into OutOfMemoryError. Now a good client keeps getting {@code /healthz} and
 * attestations within 1 s, and afterwards the heap (after a full GC) is back near its baseline.
 */
class SlowBodyAttackTest {
  static final int ATTACKERS = 250;
  static final int BODY = 1 << 20;
  static final Duration ATTACK = Duration.ofSeconds(35);
  static final Pattern LISTENING = Pattern.compile("listening on [^:]+:(\\d+)");
  /** JDK 17: "garbage-first heap   total 61440K, used 17924K"; JDK 25: "… total reserved 262144K, committed 61440K, used 17924K". */
  static final Pattern G1_USED = Pattern.compile("garbage-first heap\\s+total[^\\n]*?, used (\\d+)K");

  @Test
  void attestationService_slowBodiesFromHundredsOfSockets_goodClientServedAndHeapReturnsToBaseline(@TempDir Path dir)
      throws Exception {
    SimQuotes sim = new SimQuotes(dir.resolve("platform"), Clock.systemUTC());
    byte[] runtime = {7};
    String attestBody = "{\"quote\":\"" + Base64.getUrlEncoder().encodeToString(sim.quote(runtime, false))
        + "\",\"runtimeData\":{\"data\":\"" + Base64.getUrlEncoder().encodeToString(runtime) + "\",\"dataType\":\"Binary\"}}";
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(java.toString(), "-Xmx256m", "-XX:+UseG1GC", "-cp", System.getProperty("java.class.path"),
        ChildService.class.getName(), "--port", "0", "--sim", dir.resolve("platform").toString(),
        "--state-dir", dir.resolve("state").toString())
        .redirectErrorStream(true).start();
    ExecutorService pool = Executors.newFixedThreadPool(ATTACKERS + 2);
    ChildOutput childLog = ChildOutput.of(child, LISTENING);
    try {
      int port = childLog.awaitPort(Duration.ofSeconds(60));
      String base = "http://127.0.0.1:" + port;
      HttpClient good = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
      for (int i = 0; i < 3; i++) { // warm up: collateral fetched, code compiled (slow on a loaded machine)
        assertEquals(200, attest(good, base, attestBody, Duration.ofSeconds(60)).statusCode());
      }
      long baseline = heapUsedAfterGcKb(child.pid());

      AtomicBoolean attacking = new AtomicBoolean(true);
      for (int i = 0; i < ATTACKERS; i++) {
        long startDelay = i * 8L; // all sockets open within 2 s
        var unused = pool.submit(() -> attack(port, attacking, startDelay));
      }
      long end = System.nanoTime() + ATTACK.toNanos();
      List<Long> healthMs = new ArrayList<>();
      List<Long> attestMs = new ArrayList<>();
      long during = -1;
      int round = 0;
      while (System.nanoTime() < end) {
        long t = System.nanoTime();
        HttpResponse<String> h = good.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        healthMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
        assertEquals(200, h.statusCode());
        t = System.nanoTime();
        HttpResponse<String> a = attest(good, base, attestBody);
        attestMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
        assertEquals(200, a.statusCode(), a.body());
        if (++round == 40) {
          during = heapUsedAfterGcKb(child.pid());
        }
        Thread.sleep(200);
      }
      String metricsDuring = metrics(good, base);
      attacking.set(false);
      pool.shutdown();
      assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
      Thread.sleep(1000);
      String metricsAfter = metrics(good, base);
      long after = heapUsedAfterGcKb(child.pid());
      System.out.printf("slow-body attack: heap used after full GC baseline %d KiB, during %d KiB, after %d KiB;"
              + " good client over %d rounds: healthz p50 %d / p95 %d / max %d ms, attest p50 %d / p95 %d / max %d ms%n",
          baseline, during, after, attestMs.size(), pct(healthMs, 50), pct(healthMs, 95), max(healthMs),
          pct(attestMs, 50), pct(attestMs, 95), max(attestMs));
      System.out.println(refusedLines(metricsDuring));

      assertTrue(child.isAlive(), childLog.text());
      // Every good request was answered 200 (asserted in the loop, 10 s client timeout). On a loaded
      // 2-core machine a few scheduling hiccups exceed 1 s, so the bound is on the 95th percentile.
      assertTrue(pct(healthMs, 95) < 1000, "healthz latencies " + healthMs);
      assertTrue(pct(attestMs, 95) < 1000, "attest latencies " + attestMs);
      assertTrue(metricsDuring.contains("kubesgx_attestation_http_refused_total{reason=\"body_budget\"}"), metricsDuring);
      // The attack outlasted the request deadline: the trickled bodies were cut off with 408.
      assertTrue(metricsDuring.contains("kubesgx_attestation_http_refused_total{reason=\"body_deadline\"}"), metricsDuring);
      assertTrue(metricsAfter.contains("kubesgx_attestation_body_buffered_bytes 0.0\n"), metricsAfter);
      // Bodies (24 MiB of the 32 MiB budget: the large-body share) plus transient I/O buffers of the
      // connections being read and refused; the unbounded server tried to hold 250 MiB of bodies.
      assertTrue(during >= 0 && during < 144 * 1024, "heap during the attack: " + during + " KiB, baseline " + baseline);
      assertTrue(after < baseline + 16 * 1024, "heap after the attack: " + after + " KiB, baseline " + baseline);
      assertEquals(200, attest(good, base, attestBody).statusCode());
    } finally {
      pool.shutdownNow();
      child.destroy();
      if (!child.waitFor(20, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
  }

  /** One attacker: almost a whole body at once, then a byte every 2 s; reconnects a second after being refused. */
  private static void attack(int port, AtomicBoolean attacking, long startDelayMillis) {
    try {
      Thread.sleep(startDelayMillis);
    } catch (InterruptedException e) {
      return;
    }
    byte[] head = ("POST /attest/SgxEnclave HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + BODY + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] chunk = new byte[64 * 1024];
    while (attacking.get()) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        OutputStream o = s.getOutputStream();
        o.write(head);
        for (int sent = 0; sent + chunk.length <= BODY - 4096; sent += chunk.length) {
          o.write(chunk);
        }
        o.flush();
        while (attacking.get()) {
          Thread.sleep(2000);
          o.write(' ');
          o.flush();
        }
      } catch (IOException refused) {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static HttpResponse<String> attest(HttpClient c, String base, String body) throws Exception {
    return attest(c, base, body, Duration.ofSeconds(10));
  }

  private static HttpResponse<String> attest(HttpClient c, String base, String body, Duration timeout) throws Exception {
    return c.send(HttpRequest.newBuilder(URI.create(base + "/attest/SgxEnclave")).timeout(timeout)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String metrics(HttpClient c, String base) throws Exception {
    return c.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static String refusedLines(String metrics) {
    StringBuilder sb = new StringBuilder();
    metrics.lines().filter(l -> l.startsWith("kubesgx_attestation_http_refused_total") || l.startsWith("kubesgx_attestation_open")
        || l.startsWith("kubesgx_attestation_body")).forEach(l -> sb.append(l).append('\n'));
    return sb.toString();
  }

  private static long pct(List<Long> xs, int p) {
    long[] sorted = xs.stream().mapToLong(Long::longValue).sorted().toArray();
    return sorted.length == 0 ? -1 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  private static long max(List<Long> xs) {
    return xs.stream().mapToLong(Long::longValue).max().orElse(-1);
  }

  /** Heap in use after a full GC, read with jcmd (the JDK's own attach tool). */
  private static long heapUsedAfterGcKb(long pid) throws Exception {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    Matcher m = G1_USED.matcher(info);
    assertTrue(m.find(), info);
    return Long.parseLong(m.group(1));
  }

  private static String jcmd(long pid, String command) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "jcmd " + command);
    return out;
  }

}
