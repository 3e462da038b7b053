package io.kubesgx.enclave;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Access to the shared measurement vectors; tests that need them are skipped visibly when absent. */
public final class TestVectors {
  /** The shared {@code vectors/measurement} folder. */
  public static final Path DIR =
      Path.of(System.getProperty("kubesgx.shared", "../shared"), "vectors", "measurement");

  private TestVectors() {}

  /** Returns the path of a vector file, skipping the test when the shared folder is absent. */
  public static Path path(String name) {
    Assumptions.assumeTrue(Files.isDirectory(DIR),
        "shared measurement vectors absent at " + DIR.toAbsolutePath() + " — skipping vector test");
    Path p = DIR.resolve(name);
    Assumptions.assumeTrue(Files.isRegularFile(p), "vector file " + p.toAbsolutePath() + " absent — skipping");
    return p;
  }

  /** Reads a vector file. */
  public static byte[] read(String name) throws IOException {
    return Files.readAllBytes(path(name));
  }

  /** Reads a vector file as UTF-8 text. */
  public static String text(String name) throws IOException {
    return new String(read(name), StandardCharsets.UTF_8);
  }

  /** Parses a vector JSON file. */
  public static JsonObject json(String name) throws IOException, MalformedInputException {
    return Json.parseObject(text(name));
  }

  /** Parses a JSON string value holding {@code 0x…} hex or decimal as a long. */
  public static long number(String text) {
    return text.startsWith("0x") ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseLong(text);
  }
}
