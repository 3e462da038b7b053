package io.kubesgx.sdk.testing;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.Report;
import io.kubesgx.enclave.TargetInfo;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.sim.QuoteException;
import io.kubesgx.sim.QuotingEnclave;
import io.kubesgx.sim.SimPlatform;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake Gramine {@code /dev/attestation} tree that behaves like Gramine: {@code user_report_data}
 * and the answer file ({@code quote} or {@code report}) are named pipes, and a server thread —
 * standing in for Gramine's libOS — takes each 64-byte REPORTDATA written, makes a real simulated
 * quote (or a REPORT for the TARGETINFO last written to {@code target_info}) over it, and hands it to
 * the next reader. The pipes give exactly Gramine's order: write REPORTDATA, then read the answer.
 */
public final class FakeGramineDevice implements AutoCloseable {
  /** What the device answers. */
  public enum Mode {
    /** {@code quote} is served; {@code report} is a plain empty file. */
    QUOTES,
    /** {@code report} is served; {@code quote} is a plain empty file. */
    REPORTS
  }

  private final Path root;
  private final Mode mode;
  private final SimPlatform platform;
  private final SimEnclave enclave;
  private final Thread server;
  private final AtomicInteger served = new AtomicInteger();
  private volatile boolean stopped;
  private volatile boolean answering;
  private volatile Throwable failure;

  private FakeGramineDevice(Path root, Mode mode, SimPlatform platform, SimEnclave enclave) {
    this.root = root;
    this.mode = mode;
    this.platform = platform;
    this.enclave = enclave;
    this.server = new Thread(this::serve, "fake-gramine-" + mode);
    this.server.setDaemon(true);
  }

  /** Creates the tree under {@code root} with {@code attestationType} and starts serving. */
  public static FakeGramineDevice start(Path root, String attestationType, Mode mode, SimPlatform platform,
      SimEnclave enclave) throws IOException, InterruptedException {
    Files.createDirectories(root);
    Files.writeString(root.resolve("attestation_type"), attestationType, StandardCharsets.US_ASCII);
    Files.write(root.resolve("target_info"), new byte[512]);
    Files.write(root.resolve("my_target_info"), enclave.targetInfo().toBytes().toByteArray());
    mkfifo(root.resolve("user_report_data"));
    if (mode == Mode.QUOTES) {
      mkfifo(root.resolve("quote"));
      Files.write(root.resolve("report"), new byte[0]);
    } else {
      mkfifo(root.resolve("report"));
      Files.write(root.resolve("quote"), new byte[0]);
    }
    FakeGramineDevice d = new FakeGramineDevice(root, mode, platform, enclave);
    d.server.start();
    return d;
  }

  /** Writes a static tree (plain files only) with {@code attestationType} and the given {@code quote} content. */
  public static void writeStatic(Path root, String attestationType, byte[] quote) throws IOException {
    Files.createDirectories(root);
    Files.writeString(root.resolve("attestation_type"), attestationType, StandardCharsets.US_ASCII);
    Files.write(root.resolve("user_report_data"), new byte[64]);
    Files.write(root.resolve("target_info"), new byte[512]);
    Files.write(root.resolve("report"), new byte[0]);
    Files.write(root.resolve("quote"), quote);
  }

  /** Returns how many requests were answered. */
  public int served() {
    return served.get();
  }

  private void serve() {
    try {
      while (!stopped) {
        byte[] written = readAll(root.resolve("user_report_data"));
        if (stopped) {
          return;
        }
        // Gramine pads or truncates writes to user_report_data to 64 bytes.
        Bytes reportData = Bytes.of(Arrays.copyOf(written, 64));
        answering = true;
        byte[] answer;
        if (mode == Mode.QUOTES) {
          QuotingEnclave qe = platform.quotingEnclave();
          answer = qe.quote(platform.cpu().ereport(enclave, qe.targetInfo(), reportData), 3);
          answer(root.resolve("quote"), answer);
        } else {
          TargetInfo ti = TargetInfo.parse(Bytes.of(Files.readAllBytes(root.resolve("target_info"))));
          Report r = platform.cpu().ereport(enclave, ti, reportData);
          answer(root.resolve("report"), r.toBytes().toByteArray());
        }
        answering = false;
      }
    } catch (IOException | QuoteException | MalformedInputException | RuntimeException e) {
      if (!stopped) {
        failure = e;
        // Give a reader that waits for the answer an end of file instead of a hang.
        try (OutputStream out = new FileOutputStream(root.resolve(mode == Mode.QUOTES ? "quote" : "report").toFile())) {
          out.flush();
        } catch (IOException ignored) {
          // nothing more to do
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    stopped = true;
    // Unblock the server wherever it waits: a writer on user_report_data, or a reader on the answer.
    Path unblock = answering ? root.resolve(mode == Mode.QUOTES ? "quote" : "report") : root.resolve("user_report_data");
    boolean read = answering;
    Thread t = new Thread(() -> {
      try {
        if (read) {
          readAll(unblock);
        } else {
          try (OutputStream out = new FileOutputStream(unblock.toFile())) {
            out.flush();
          }
        }
      } catch (IOException e) {
        // the server is gone already
      }
    });
    t.setDaemon(true);
    t.start();
    try {
      server.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping the fake device", e);
    }
    if (failure != null) {
      throw new AssertionError("the fake Gramine device failed", failure);
    }
  }

  private static byte[] readAll(Path p) throws IOException {
    // Not InputStream.readAllBytes: on JDK 17 FileInputStream's version seeks, which a pipe refuses.
    try (InputStream in = new FileInputStream(p.toFile())) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    }
  }

  /** Writes the answer and counts it before closing, so the count is right once the reader sees end of file. */
  private void answer(Path p, byte[] data) throws IOException {
    try (OutputStream out = new FileOutputStream(p.toFile())) {
      out.write(data);
      served.incrementAndGet();
    }
  }

  private static void mkfifo(Path p) throws IOException, InterruptedException {
    Process proc = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
    if (!proc.waitFor(10, TimeUnit.SECONDS) || proc.exitValue() != 0) {
      throw new IOException("mkfifo " + p + " failed");
    }
  }
}
