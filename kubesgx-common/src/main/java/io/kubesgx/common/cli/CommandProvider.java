package io.kubesgx.common.cli;

/**
 * A command contributed to the {@code kubesgx} command line, found with {@link java.util.ServiceLoader}.
 *
 * <p>A module lists its implementations in
 * {@code META-INF/services/io.kubesgx.common.cli.CommandProvider}; the CLI loads every provider on its
 * class path and adds {@link #command()} under {@link #parent()}. A provider must have a public
 * no-argument constructor.
 *
 * <pre>{@code
 * public final class NodeCommandProvider implements CommandProvider {
 *   public String parent() { return CommandProvider.TOP_LEVEL; }
 *   public Object command() { return new NodeCommand(); }
 * }
 * }</pre>
 */
public interface CommandProvider {
  /** {@link #parent()} of a top-level command ({@code kubesgx NAME}). */
  String TOP_LEVEL = "";

  /**
   * The command this one is nested under: {@link #TOP_LEVEL} for {@code kubesgx NAME}, or the names of
   * the parent commands separated by single spaces (e.g. {@code "quote"} for {@code kubesgx quote get}).
   */
  String parent();

  /** A new picocli command object (a class annotated with {@code @picocli.CommandLine.Command}). */
  Object command();
}
