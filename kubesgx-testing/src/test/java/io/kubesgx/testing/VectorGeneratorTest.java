package io.kubesgx.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed vectors are exactly what the checked-in generator produces. */
class VectorGeneratorTest {
  /** The committed vectors, relative to the module directory (Surefire's working directory). */
  private static final Path COMMITTED = Path.of("src", "main", "resources", "vectors");

  @Test
  void generate_intoEmptyDirectory_isByteIdenticalToCommittedVectors(@TempDir Path tmp) throws Exception {
    assertTrue(Files.isDirectory(COMMITTED), "run from the kubesgx-testing module directory");
    VectorGenerator.generate(tmp);
    List<String> fresh = listing(tmp);
    List<String> committed = listing(COMMITTED);
    assertEquals(committed, fresh, "regenerate with VectorGenerator and commit the result");
    List<String> differing = new ArrayList<>();
    for (String f : fresh) {
      if (!Arrays.equals(Files.readAllBytes(tmp.resolve(f)), Files.readAllBytes(COMMITTED.resolve(f)))) {
        differing.add(f);
      }
    }
    assertEquals(List.of(), differing, "generated files differ from the committed ones; regenerate and commit");
  }

  @Test
  void index_namesEveryScenarioOnce() {
    List<String> names = SyntheticVectors.index().stream().map(SyntheticVectors.Entry::name).toList();
    assertEquals(Scenarios.all().stream().map(Scenario::name).toList(), names);
    assertEquals(names.size(), names.stream().distinct().count());
  }

  private static List<String> listing(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/')).sorted().toList();
    }
  }
}
