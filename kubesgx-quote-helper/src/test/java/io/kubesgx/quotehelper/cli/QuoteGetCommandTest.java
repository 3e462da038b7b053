package io.kubesgx.quotehelper.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.sim.SimPlatform;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code quote get} finds its socket the way its own messages tell users to set it. */
class QuoteGetCommandTest {
  @TempDir Path tmp;

  private String run(Map<String, String> env, String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new QuoteGetCommand(env));
    cl.setErr(new PrintWriter(err));
    cl.execute(args);
    return err.toString();
  }

  @Test
  void call_envSocketWithoutOption_usesEnvSocket() throws Exception {
    SimPlatform.openOrCreate(tmp.resolve("p"), Clock.systemUTC());
    Path envSocket = tmp.resolve("from-env.socket");
    String err = run(Map.of(QuoteGetCommand.SOCKET_ENV, envSocket.toString()), "--report-data", "00",
        "--out", tmp.resolve("q").toString(), "--platform", tmp.resolve("p").toString(), "--wait-ms", "100");
    assertTrue(err.contains(envSocket.toString()), err);
  }

  @Test
  void call_optionAndEnv_optionWins() throws Exception {
    SimPlatform.openOrCreate(tmp.resolve("p"), Clock.systemUTC());
    Path optSocket = tmp.resolve("from-option.socket");
    String err = run(Map.of(QuoteGetCommand.SOCKET_ENV, tmp.resolve("from-env.socket").toString()), "--socket",
        optSocket.toString(), "--report-data", "00", "--out", tmp.resolve("q").toString(), "--platform",
        tmp.resolve("p").toString(), "--wait-ms", "100");
    assertTrue(err.contains(optSocket.toString()) && !err.contains("from-env"), err);
  }
}
