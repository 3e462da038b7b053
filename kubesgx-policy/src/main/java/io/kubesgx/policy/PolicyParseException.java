package io.kubesgx.policy;

/** Thrown when policy text is not a valid MAA policy; carries the 1-based line and column. */
public final class PolicyParseException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int line;
  private final int column;
  private final String reason;

  /** Creates an exception whose message is {@code "line L, column C: reason"}. */
  public PolicyParseException(String reason, int line, int column) {
    super("line " + line + ", column " + column + ": " + reason);
    this.reason = reason;
    this.line = line;
    this.column = column;
  }

  /** Returns the 1-based line of the offending text. */
  public int line() {
    return line;
  }

  /** Returns the 1-based column (in UTF-16 characters) of the offending text. */
  public int column() {
    return column;
  }

  /** Returns the message without the position prefix, saying what was expected. */
  public String reason() {
    return reason;
  }
}
