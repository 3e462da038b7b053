package io.kubesgx.cli;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.cli.CliException;
import io.kubesgx.common.cli.CommandProvider;
import io.kubesgx.common.crypto.CryptoProviders;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code kubesgx} command line.
 *
 * <p>Commands come from every {@link CommandProvider} on the class path ({@link ServiceLoader}). A
 * user mistake ({@link CliException}, a picocli parameter error, an I/O failure) is printed as one
 * line and exits with {@link #USAGE_OR_IO}; anything else is an internal error: its stack trace is
 * printed and the exit code is {@link #INTERNAL_ERROR}. {@code KUBESGX_DEBUG=1} prints the stack
 * trace of user mistakes too.
 */
@Command(
    name = "kubesgx",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "SGX confidential computing for Kubernetes: quote verification, node agent, tools.",
    subcommands = {Main.Help.class})
public final class Main {
  /** Exit code for a verified quote. */
  public static final int OK = 0;
  /** Exit code for a rejected quote. */
  public static final int REJECTED = 1;
  /** Exit code for usage or I/O errors. */
  public static final int USAGE_OR_IO = 2;
  /** Exit code for an internal error (a bug; the stack trace is printed). */
  public static final int INTERNAL_ERROR = 70;
  /** Environment variable that, set to {@code 1}, prints stack traces of user mistakes too. */
  public static final String DEBUG_ENV = "KUBESGX_DEBUG";

  private Main() {}

  /** Builds the command line with every provided subcommand registered. */
  public static CommandLine commandLine() {
    return commandLine("1".equals(System.getenv(DEBUG_ENV)));
  }

  static CommandLine commandLine(boolean debug) {
    CommandLine cl = new CommandLine(new Main());
    register(cl, ServiceLoader.load(CommandProvider.class, Main.class.getClassLoader()));
    cl.setExitCodeExceptionMapper(t -> USAGE_OR_IO);
    cl.setParameterExceptionHandler(Main::onParameterError);
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> onExecutionError(e, cmd, debug));
    return cl;
  }

  /**
   * Adds each provider's command under its parent; parents are added before their children. A
   * provider whose command cannot be loaded (its module is not on the class path) is skipped.
   */
  static void register(CommandLine root, Iterable<CommandProvider> providers) {
    List<CommandProvider> all = new ArrayList<>();
    providers.forEach(all::add);
    all.sort(Comparator.comparingInt((CommandProvider p) -> depth(p.parent())).thenComparing(CommandProvider::parent));
    for (CommandProvider p : all) {
      CommandLine parent = root;
      if (!p.parent().isEmpty()) {
        for (String name : p.parent().split(" ")) {
          parent = parent == null ? null : parent.getSubcommands().get(name);
        }
      }
      if (parent == null) {
        throw new IllegalStateException(p.getClass().getName() + " names parent command '" + p.parent() + "', which no provider offers");
      }
      try {
        // picocli reflects over the command's methods here, so a missing class may surface in either call.
        parent.addSubcommand(p.command());
      } catch (NoClassDefFoundError e) {
        // A component image ships only the modules of its own commands (docs/images.md); a provider
        // whose command needs a module that is not on the class path is left out, not fatal. The
        // full CLI's command list is checked against the README by CommandTreeTest.
        continue;
      }
    }
  }

  private static int depth(String parent) {
    return parent.isEmpty() ? 0 : parent.split(" ").length;
  }

  /** A parse error: one message line, the command's usage line and where to read more. */
  private static int onParameterError(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("error: " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.println(usageLine(cmd.getCommandSpec()));
    err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
    err.flush();
    return USAGE_OR_IO;
  }

  /** {@code Usage: kubesgx quote verify [OPTIONS] ARG} in one line, whatever the number of options. */
  static String usageLine(CommandLine.Model.CommandSpec spec) {
    StringBuilder sb = new StringBuilder("Usage: ").append(spec.qualifiedName());
    if (!spec.options().isEmpty()) {
      sb.append(" [OPTIONS]");
    }
    for (CommandLine.Model.PositionalParamSpec p : spec.positionalParameters()) {
      sb.append(' ').append(p.paramLabel());
    }
    if (!spec.subcommands().isEmpty()) {
      sb.append(" COMMAND");
    }
    return sb.toString();
  }

  private static int onExecutionError(Exception e, CommandLine cmd, boolean debug) {
    PrintWriter err = cmd.getErr();
    String user = userMessage(e);
    if (user != null) {
      err.println("error: " + user);
      if (debug) {
        e.printStackTrace(err);
      }
      err.flush();
      return USAGE_OR_IO;
    }
    String id = java.util.UUID.randomUUID().toString().substring(0, 8);
    String where = writeTrace(e, id);
    err.println("internal error in '" + cmd.getCommandSpec().qualifiedName() + "' (a bug, error id " + id + "): "
        + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
        + (where == null ? "" : "; please report it with " + where));
    if (debug) {
      e.printStackTrace(err);
    }
    err.flush();
    return INTERNAL_ERROR;
  }

  /** Writes an internal error's trace to an owner-only temporary file; returns its path, or null. */
  private static String writeTrace(Throwable e, String id) {
    try {
      java.nio.file.Path f = java.nio.file.Files.createTempFile("kubesgx-error-" + id + "-", ".txt");
      java.io.StringWriter sw = new java.io.StringWriter();
      e.printStackTrace(new PrintWriter(sw));
      java.nio.file.Files.writeString(f, sw.toString());
      return f.toString();
    } catch (java.io.IOException | RuntimeException x) {
      return null;
    }
  }

  /** The one-line message for a user mistake, or null when {@code e} is an internal error. */
  static String userMessage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CliException c) {
        return c.getMessage();
      }
      if (t instanceof Inputs.UsageException u) {
        return u.getMessage();
      }
      if (t instanceof CommandLine.ParameterException p) {
        return p.getMessage();
      }
    }
    Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
    if (t instanceof IOException io) {
      return CliException.describe(io);
    }
    if (t instanceof MalformedInputException || t instanceof IllegalArgumentException) {
      return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
    return null;
  }

  /** Runs the CLI. */
  public static void main(String[] args) {
    CryptoProviders.installPreferred();
    System.exit(commandLine().execute(args));
  }

  /** {@code kubesgx help [COMMAND...]}: the help of any command, nested ones included. */
  @Command(name = "help", helpCommand = true,
      description = "Print the help of a command, e.g. `kubesgx help quote verify`.")
  static final class Help implements CommandLine.IHelpCommandInitializable2, Runnable {
    @CommandLine.Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command, with its parent commands.")
    String[] commands = new String[0];

    private CommandLine self;
    private PrintWriter out;
    private CommandLine.Help.ColorScheme colors;

    @Override
    public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter out, PrintWriter err) {
      this.self = helpCommandLine;
      this.colors = colorScheme;
      this.out = out;
    }

    @Override
    public void run() {
      CommandLine c = self.getParent();
      for (String name : commands) {
        CommandLine next = c.getSubcommands().get(name);
        if (next == null) {
          throw new CommandLine.ParameterException(self,
              "unknown command '" + name + "' under '" + c.getCommandSpec().qualifiedName() + "'");
        }
        c = next;
      }
      c.usage(out, colors);
      out.flush();
    }
  }

  /** Prints the version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"kubesgx " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }
}
