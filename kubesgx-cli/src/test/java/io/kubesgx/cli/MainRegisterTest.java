package io.kubesgx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.cli.CommandProvider;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Component images carry only some modules: a command whose classes are missing is left out. */
class MainRegisterTest {
  @Command(name = "root")
  static final class Root {}

  @Command(name = "present")
  static final class Present {}

  @Test
  void register_providerWhoseModuleIsMissing_skippedAndOthersRegistered() {
    CommandProvider present = provider(Present::new);
    CommandProvider missing = provider(() -> {
      throw new NoClassDefFoundError("io/kubesgx/ratls/RaTlsException");
    });
    CommandLine root = new CommandLine(new Root());
    Main.register(root, List.of(missing, present));
    assertEquals(List.of("present"), List.copyOf(root.getSubcommands().keySet()));
    assertTrue(root.getSubcommands().get("present").getCommand() instanceof Present);
  }

  private static CommandProvider provider(java.util.function.Supplier<Object> command) {
    return new CommandProvider() {
      @Override
      public String parent() {
        return TOP_LEVEL;
      }

      @Override
      public Object command() {
        return command.get();
      }
    };
  }
}
