package io.kubesgx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The command tree: what the docs name exists, and every command and option is described. */
class CommandTreeTest {
  private static final Path ROOT = Path.of("..");
  /** Commands listed in the README's command-line bullet that it summarises in prose ("the node agent commands"). */
  private static final List<String> NODE_AGENT_COMMANDS = List.of("node discover", "node bench", "node kubelet-demo", "node-agent");

  private static List<Path> docs() throws IOException {
    List<Path> l = new ArrayList<>();
    l.add(ROOT.resolve("README.md"));
    try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(l::add);
    }
    return l;
  }

  /** Every {@code bin/kubesgx a b ...} in the README and docs resolves to a registered command. */
  @Test
  void commandLine_everyCommandInDocs_isRegistered() throws IOException {
    CommandLine cl = Main.commandLine();
    Pattern use = Pattern.compile("bin/kubesgx((?: +[a-z][a-z0-9-]*)+)");
    List<String> missing = new ArrayList<>();
    int seen = 0;
    for (Path doc : docs()) {
      Matcher m = use.matcher(Files.readString(doc, StandardCharsets.UTF_8));
      while (m.find()) {
        seen++;
        String problem = resolve(cl, m.group(1).trim().split(" +"));
        if (problem != null) {
          missing.add(doc.getFileName() + ": bin/kubesgx" + m.group(1) + " — " + problem);
        }
      }
    }
    assertTrue(seen > 20, "expected many documented uses, found " + seen);
    assertEquals(List.of(), missing);
  }

  /** The README's list of commands ({@code quote inspect|verify|get}, …) is exactly what the CLI offers. */
  @Test
  void commandLine_readmeCommandList_matchesTree() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
    int start = readme.indexOf("**The `kubesgx` command line**");
    assertTrue(start >= 0, "README has no command-line bullet");
    String bullet = readme.substring(start, readme.indexOf("\n* ", start));
    TreeSet<String> documented = new TreeSet<>(NODE_AGENT_COMMANDS);
    Matcher m = Pattern.compile("`([a-z][a-z -]*(?:\\|[a-z-]+)*)`").matcher(bullet);
    while (m.find()) {
      String item = m.group(1);
      if (item.startsWith("kubesgx")) {
        continue;
      }
      int sp = item.lastIndexOf(' ');
      String head = sp < 0 ? "" : item.substring(0, sp + 1);
      for (String leaf : item.substring(sp + 1).split("\\|")) {
        documented.add(head + leaf);
      }
    }
    TreeSet<String> offered = new TreeSet<>();
    leaves(Main.commandLine(), "", offered);
    assertEquals(offered, documented, "README command list vs the CLI's command tree");
  }

  @Test
  void commandLine_providers_registerNestedQuoteGet() {
    CommandLine quote = Main.commandLine().getSubcommands().get("quote");
    assertNotNull(quote);
    assertTrue(quote.getSubcommands().containsKey("get"), "quote get comes from the quote helper's provider");
    assertTrue(quote.getSubcommands().containsKey("verify"));
  }

  /** Every command and every option and parameter says what it is; summaries end a sentence. */
  @Test
  void help_everyCommandAndOption_describedInFullSentences() {
    List<String> problems = new ArrayList<>();
    walk(Main.commandLine(), problems);
    assertEquals(List.of(), problems);
  }

  @Test
  void help_nestedCommand_showsThatCommand() {
    CliTest.Result r = CliTest.run("help", "quote", "verify");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("Usage: kubesgx quote verify"), r.out());
  }

  private static void walk(CommandLine cl, List<String> problems) {
    CommandSpec spec = cl.getCommandSpec();
    String name = spec.qualifiedName();
    if (!name.endsWith(" help")) {
      check(name, String.join(" ", spec.usageMessage().description()), problems);
      for (OptionSpec o : spec.options()) {
        if (!o.hidden()) {
          check(name + " " + o.longestName(), String.join(" ", o.description()), problems);
        }
      }
      for (ArgSpec p : spec.positionalParameters()) {
        check(name + " " + p.paramLabel(), String.join(" ", p.description()), problems);
      }
    }
    for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
      if (e.getValue().getCommandName().equals(e.getKey())) {
        walk(e.getValue(), problems);
      }
    }
  }

  private static void check(String what, String description, List<String> problems) {
    String d = description.strip();
    if (d.isEmpty()) {
      problems.add(what + ": no description");
    } else if (!(d.endsWith(".") || d.endsWith(")") || d.endsWith("…"))) {
      problems.add(what + ": description ends mid-sentence: ..." + d.substring(Math.max(0, d.length() - 40)));
    }
  }

  private static void leaves(CommandLine cl, String prefix, TreeSet<String> out) {
    for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
      if (e.getKey().equals("help") || !e.getValue().getCommandName().equals(e.getKey())) {
        continue;
      }
      boolean ownOptions = e.getValue().getCommandSpec().options().stream().anyMatch(o -> !o.usageHelp() && !o.versionHelp());
      if (e.getValue().getSubcommands().isEmpty() || ownOptions) {
        out.add(prefix + e.getKey()); // a leaf, or a command of its own that also has subcommands (key-broker)
      }
      if (!e.getValue().getSubcommands().isEmpty()) {
        leaves(e.getValue(), prefix + e.getKey() + " ", out);
      }
    }
  }

  /** Null when {@code words} name a command (extra words after a leaf are its arguments). */
  private static String resolve(CommandLine root, String[] words) {
    CommandLine c = root;
    for (String w : words) {
      if (c.getSubcommands().isEmpty()) {
        return null;
      }
      CommandLine next = c.getSubcommands().get(w);
      if (next == null) {
        return "'" + w + "' is not a subcommand of '" + c.getCommandSpec().qualifiedName() + "'";
      }
      c = next;
    }
    assertFalse(c.getCommandSpec().qualifiedName().isEmpty());
    return null;
  }
}
