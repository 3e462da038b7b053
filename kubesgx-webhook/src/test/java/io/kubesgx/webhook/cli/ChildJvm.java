package io.kubesgx.webhook.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;

/** Test helper: runs a command in a child JVM (for real SIGTERM), and the child's entry points. */
final class ChildJvm {
  private ChildJvm() {}

  /** Starts {@code main} of {@code mainClass} in a new JVM, output to {@code log}. */
  static Process start(Path log, List<String> jvmArgs, Class<?> mainClass, String... args)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass.getName());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Polls {@code condition} every 50 ms until it holds, the process dies or 90 s pass. */
  static boolean await(Process p, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (p.isAlive() && System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(50);
    }
    return condition.getAsBoolean();
  }

  static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (Exception e) {
      return "(no output: " + e + ")";
    }
  }

  /** {@code quote-helper-label} whose socket probe always answers. */
  static final class AnsweringLabel {
    private AnsweringLabel() {}

    public static void main(String[] args) {
      System.exit(new CommandLine(new QuoteHelperLabelCommand(socket -> () -> true))
          .execute(args));
    }
  }

  /** {@code webhook} run on a thread and interrupted (a normal return), then System.exit(3). */
  static final class WebhookThenExit {
    private WebhookThenExit() {}

    public static void main(String[] args) throws Exception {
      java.io.StringWriter out = new java.io.StringWriter();
      CommandLine cl = new CommandLine(new WebhookCommand());
      cl.setOut(new java.io.PrintWriter(out, true));
      int[] code = {-1};
      Thread t = new Thread(() -> code[0] = cl.execute(args));
      t.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!out.toString().contains("listening") && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      t.interrupt();
      t.join();
      System.out.println("command returned " + code[0]);
      System.exit(3);
    }
  }
}
