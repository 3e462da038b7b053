package io.kubesgx.common.cli;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Objects;

/**
 * A mistake the user can fix (a bad option value, a missing or unreadable file, a port in use): the CLI
 * prints {@link #getMessage()} as one line, never a stack trace, and exits with code 2.
 *
 * <p>The message says what to change. Anything else a command throws is treated as an internal error.
 */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of mistake this is; both exit with code 2. */
  public enum Reason {
    /** An option or argument is wrong or missing. */
    USAGE,
    /** A file, directory, socket or port cannot be used as given. */
    IO
  }

  private final Reason reason;

  private CliException(Reason reason, String message, Throwable cause) {
    super(Objects.requireNonNull(message), cause);
    this.reason = Objects.requireNonNull(reason);
  }

  /** An option or argument the user must change. */
  public static CliException usage(String message) {
    return new CliException(Reason.USAGE, message, null);
  }

  /** A file, directory, socket or port the user must change. */
  public static CliException io(String message) {
    return new CliException(Reason.IO, message, null);
  }

  /**
   * Explains an I/O failure on {@code what} (e.g. {@code "--tls-cert file"}) in one line: permission
   * denied, not found, not a directory, a directory where a file is expected, or the exception's own
   * message.
   */
  public static CliException io(String what, IOException e) {
    return new CliException(Reason.IO, what + ": " + describe(e), e);
  }

  /** One line saying what went wrong with a file or socket, without the exception's class name. */
  public static String describe(IOException e) {
    String file = e instanceof FileSystemException f && f.getFile() != null ? f.getFile() : null;
    String at = file == null ? "" : " (" + file + ")";
    if (e instanceof AccessDeniedException) {
      return "permission denied" + at;
    }
    if (e instanceof NoSuchFileException) {
      return "not found" + at;
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory" + at;
    }
    if (e instanceof FileAlreadyExistsException) {
      return "already exists and is not a directory" + at;
    }
    if (e instanceof BindException) {
      return "address in use or not available (" + e.getMessage() + ")";
    }
    if (e instanceof FileSystemException f) {
      String r = f.getReason();
      return (r == null ? "cannot be used" : r.toLowerCase(java.util.Locale.ROOT)) + at;
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? "I/O error" : m;
  }

  /** The kind of mistake. */
  public Reason reason() {
    return reason;
  }
}
