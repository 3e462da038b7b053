package io.kubesgx.webhook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The bench's contract: bounded keep-alive connections, errors by kind, usage errors exit 2. */
class WebhookBenchCommandTest {
  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new WebhookBenchCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void call_zeroConnections_exits2WithOneLine() {
    Run r = run("--connections", "0");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--connections"), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void call_hugeRun_exits2BeforeAllocating() {
    Run r = run("--rate", "2000000000", "--seconds", "1000");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("at most"), r.err());
  }

  @Test
  void call_shortRun_usesAtMostTheGivenConnectionsAndAnswersAll() {
    Run r = run("--rate", "40", "--seconds", "1", "--warmup", "0", "--connections", "2");
    assertEquals(0, r.code(), r.out() + r.err());
    Matcher m = Pattern.compile("at most 2 connections; (\\d+) opened in all\\), 40 ok, errors 0")
        .matcher(r.out());
    assertTrue(m.find(), r.out());
    int opened = Integer.parseInt(m.group(1));
    assertTrue(opened >= 1 && opened <= 2, r.out());
    assertTrue(r.out().contains("p99.9"), r.out());
    assertTrue(r.out().contains("server rejections: none"), r.out());
  }
}
