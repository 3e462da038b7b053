package io.kubesgx.attestation.policy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one parser of {@code Authorization: Bearer TOKEN} (RFC 6750 §2.1) for HTTP/1.1 and HTTP/2
 * alike, and the administrator token's rules. Surrounding whitespace is ignored (HTTP/1.1 stacks
 * trim it, HTTP/2 ones do not); the scheme is case-insensitive; the token must be a non-empty
 * {@code token68}. Comparison is constant-time over SHA-256 digests, so neither content nor length
 * leaks through timing.
 */
public final class BearerToken {
  /** The shortest administrator token accepted, in bytes. */
  public static final int MIN_ADMIN_TOKEN_BYTES = 32;

  private static final Pattern TOKEN68 = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

  private BearerToken() {}

  /** Returns the token of an {@code Authorization} header value, or empty when it is not a well-formed bearer credential. */
  public static Optional<String> parse(String header) {
    String h = header.strip();
    int sp = h.indexOf(' ');
    if (sp < 0 || !h.substring(0, sp).toLowerCase(Locale.ROOT).equals("bearer")) {
      return Optional.empty();
    }
    String token = h.substring(sp + 1).stripLeading();
    return TOKEN68.matcher(token).matches() ? Optional.of(token) : Optional.empty();
  }

  /** Returns true when {@code header} carries exactly {@code expected} (constant-time). */
  public static boolean matches(Optional<String> header, String expected) {
    Optional<String> presented = header.flatMap(BearerToken::parse);
    // Compare digests even when nothing usable was presented, so every path costs the same.
    byte[] a = sha256(presented.orElse(""));
    byte[] b = sha256(expected);
    return MessageDigest.isEqual(a, b) & presented.isPresent();
  }

  /**
   * Checks an administrator token: at least {@link #MIN_ADMIN_TOKEN_BYTES} bytes of {@code token68}.
   *
   * @throws IllegalArgumentException with a message that says what to change
   */
  public static String checkAdminToken(String token) {
    int len = token.getBytes(StandardCharsets.UTF_8).length;
    if (len < MIN_ADMIN_TOKEN_BYTES) {
      throw new IllegalArgumentException("the admin token is " + (token.isBlank() ? "empty" : len + " bytes long")
          + "; use at least " + MIN_ADMIN_TOKEN_BYTES + " random characters, e.g. `openssl rand -hex 32 > FILE`");
    }
    if (!TOKEN68.matcher(token).matches()) {
      throw new IllegalArgumentException("the admin token may hold only A-Z a-z 0-9 - . _ ~ + / (then = padding), "
          + "as a bearer token must; e.g. `openssl rand -hex 32 > FILE`");
    }
    return token;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }
}
