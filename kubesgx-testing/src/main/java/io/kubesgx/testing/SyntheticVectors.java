package io.kubesgx.testing;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonArray;
import io.kubesgx.common.json.JsonValue.JsonBool;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.common.json.JsonValue.JsonString;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Read access to the committed synthetic vectors ({@code vectors/vectors.json} and {@code
 * vectors/<name>/} on the classpath), for this module's tests and for other modules' tests.
 *
 * <pre>{@code
 * for (SyntheticVectors.Entry e : SyntheticVectors.index()) {
 *   Collateral c = CollateralLoader.fromDirectory(SyntheticVectors.directory(e.name()));
 *   byte[] quote = Files.readAllBytes(SyntheticVectors.directory(e.name()).resolve("quote.dat"));
 * }
 * }</pre>
 */
public final class SyntheticVectors {
  private static final String BASE = "/vectors/";

  private SyntheticVectors() {}

  /**
   * One index entry.
   *
   * @param name vector (directory) name
   * @param description what the vector exercises
   * @param now evaluation time
   * @param quoteFormat the {@link QuoteBuilder.Format} name
   * @param teeType SGX or TDX
   * @param expectedReason the verifier's failure reason, when the vector must fail
   * @param expectedTcbStatus the TCB status JSON name, when the vector must verify
   * @param expectedAdvisoryIds the advisory IDs (as a set) when the vector must verify
   * @param expectedDebug whether the verified quote is a debug enclave/TD
   * @param failsAtLoad true when the collateral loader itself must reject the collateral
   * @param files the files in the vector directory
   */
  public record Entry(
      String name,
      String description,
      Instant now,
      String quoteFormat,
      String teeType,
      Optional<String> expectedReason,
      Optional<String> expectedTcbStatus,
      List<String> expectedAdvisoryIds,
      boolean expectedDebug,
      boolean failsAtLoad,
      List<String> files) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** Reads and parses {@code vectors/vectors.json} from the classpath. */
  public static List<Entry> index() {
    String text = new String(resource(BASE + VectorGenerator.INDEX), StandardCharsets.UTF_8);
    try {
      List<Entry> out = new ArrayList<>();
      for (JsonValue v : ((JsonArray) Json.parse(text)).elements()) {
        JsonObject o = (JsonObject) v;
        out.add(
            new Entry(
                o.string("name"),
                o.string("description"),
                Instant.parse(o.string("now")),
                o.string("quoteFormat"),
                o.string("teeType"),
                Optional.ofNullable(o.optString("expectedReason")),
                Optional.ofNullable(o.optString("expectedTcbStatus")),
                strings(o.get("expectedAdvisoryIds")),
                o.get("expectedDebug") instanceof JsonBool && ((JsonBool) o.get("expectedDebug")).value(),
                "load".equals(o.optString("failsAt")),
                strings(o.get("files"))));
      }
      return List.copyOf(out);
    } catch (MalformedInputException | ClassCastException e) {
      throw new IllegalStateException("vectors.json is malformed", e);
    }
  }

  private static List<String> strings(JsonValue v) {
    if (v == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (JsonValue e : ((JsonArray) v).elements()) {
      out.add(((JsonString) e).value());
    }
    return List.copyOf(out);
  }

  /**
   * Returns a directory holding the vector's files: the resource directory itself when the
   * classpath entry is a directory, otherwise a temporary copy.
   */
  public static Path directory(String name) {
    Entry entry = index().stream().filter(e -> e.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no synthetic vector " + name));
    URL url = SyntheticVectors.class.getResource(BASE + name + "/quote.dat");
    if (url == null) {
      throw new IllegalStateException("vector " + name + " is not on the classpath");
    }
    try {
      if ("file".equals(url.getProtocol())) {
        return Path.of(url.toURI()).getParent();
      }
      Path dir = Files.createTempDirectory("kubesgx-vector-" + name);
      for (String f : entry.files()) {
        Files.write(dir.resolve(f), resource(BASE + name + "/" + f));
        dir.resolve(f).toFile().deleteOnExit();
      }
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns the bytes of {@code quote.dat} of a vector. */
  public static byte[] quote(String name) {
    return resource(BASE + name + "/quote.dat");
  }

  private static byte[] resource(String path) {
    try (InputStream in = SyntheticVectors.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
