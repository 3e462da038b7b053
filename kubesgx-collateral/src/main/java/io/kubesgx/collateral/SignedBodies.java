package io.kubesgx.collateral;

import io.kubesgx.collateral.internal.Encodings;
import io.kubesgx.collateral.internal.JsonFields;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;

/**
 * Parses Intel PCS response bodies ({@code {"tcbInfo":{…},"signature":"<hex>"}} and
 * {@code {"enclaveIdentity":{…},"signature":"<hex>"}}) and keeps the exact signed text.
 *
 * <p>The signed bytes are sliced from the body, never re-serialised (dcap-verification.md §4.4):
 *
 * <ol>
 *   <li>the whole body must parse under the strict JSON parser (duplicate keys anywhere, trailing
 *       garbage and invalid escapes fail) and have exactly the two members;
 *   <li>the slice starts at the value after the opening {@code {"tcbInfo":} marker (JSON whitespace
 *       allowed around the tokens; the key must be written literally, without escapes);
 *   <li>the slice ends at the {@code }} that precedes the final {@code ,"signature":"<string>"}}
 *       found by scanning back from the end (whitespace allowed only between tokens; the signature
 *       string must contain no escapes); only whitespace may follow the closing brace;
 *   <li>the slice must parse on its own to an object equal to the body's parsed member.
 * </ol>
 *
 * <p>The signature must be hex of exactly 64 bytes ({@code r || s}).
 */
public final class SignedBodies {
  private static final String SIGNATURE = "signature";

  private SignedBodies() {}

  /**
   * Parses a PCS TCB info body.
   *
   * @throws MalformedInputException when the body is not exactly one strict JSON object of this
   *     shape, the slice is inconsistent, the signature is not 64 bytes, or the TCB info is invalid
   */
  public static SignedTcbInfo parsePcsTcbInfoBody(String body) throws MalformedInputException {
    Slice s = slice(body, "tcbInfo");
    TcbInfo info = TcbInfoParser.fromJson(s.parsed);
    return new SignedTcbInfo(s.signedJson, s.signature, info);
  }

  /**
   * Parses a PCS enclave identity body (QE, QVE or TD_QE identity).
   *
   * @throws MalformedInputException on the same conditions as {@link #parsePcsTcbInfoBody}
   */
  public static SignedEnclaveIdentity parsePcsEnclaveIdentityBody(String body)
      throws MalformedInputException {
    Slice s = slice(body, "enclaveIdentity");
    EnclaveIdentity identity = EnclaveIdentityParser.fromJson(s.parsed);
    return new SignedEnclaveIdentity(s.signedJson, s.signature, identity);
  }

  private static final class Slice {
    final String signedJson;
    final JsonObject parsed;
    final Bytes signature;

    Slice(String signedJson, JsonObject parsed, Bytes signature) {
      this.signedJson = signedJson;
      this.parsed = parsed;
      this.signature = signature;
    }
  }

  private static Slice slice(String body, String key) throws MalformedInputException {
    String what = key + " body";
    Encodings.checkSize(body.length(), Encodings.MAX_ITEM, what);
    Encodings.requireWellFormedUtf16(body, what);
    JsonObject whole;
    try {
      whole = Json.parseObject(body);
    } catch (MalformedInputException e) {
      throw new MalformedInputException(what + ": " + e.getMessage(), e);
    }
    if (!whole.has(key) || !whole.has(SIGNATURE) || whole.members().size() != 2) {
      throw new MalformedInputException(
          what + ": expected exactly the members '" + key + "' and 'signature', got "
              + JsonFields.abbreviate(whole.members().keySet().toString()));
    }
    JsonObject member = JsonFields.asObject(whole.get(key), key);
    String sigHex = JsonFields.asString(whole.get(SIGNATURE), SIGNATURE);

    // Opening marker: ws '{' ws "key" ws ':' ws, then the object.
    int i = skipWs(body, 0);
    i = expect(body, i, "{", what);
    i = skipWs(body, i);
    i = expect(body, i, "\"" + key + "\"", what);
    i = skipWs(body, i);
    i = expect(body, i, ":", what);
    int start = skipWs(body, i);
    if (start >= body.length() || body.charAt(start) != '{') {
      throw new MalformedInputException(what + ": '" + key + "' must be followed by an object");
    }

    // Closing part, scanned from the end: ',' ws "signature" ws ':' ws "<no escapes>" ws '}' ws.
    int j = skipWsBack(body, body.length());
    j = expectBack(body, j, "}", what);
    j = skipWsBack(body, j);
    j = expectBack(body, j, "\"", what);
    int sigEnd = j;
    while (j > 0 && body.charAt(j - 1) != '"') {
      if (body.charAt(j - 1) == '\\') {
        throw new MalformedInputException(what + ": escapes are not allowed in the signature string");
      }
      j--;
    }
    int sigStart = j;
    j = expectBack(body, j, "\"", what);
    j = skipWsBack(body, j);
    j = expectBack(body, j, ":", what);
    j = skipWsBack(body, j);
    j = expectBack(body, j, "\"signature\"", what);
    j = skipWsBack(body, j);
    j = expectBack(body, j, ",", what);
    int end = skipWsBack(body, j);
    if (end <= start || body.charAt(end - 1) != '}') {
      throw new MalformedInputException(what + ": the signed object must end right before ',\"signature\"'");
    }
    if (!body.substring(sigStart, sigEnd).equals(sigHex)) {
      throw new MalformedInputException(what + ": the last 'signature' member is not the parsed one");
    }

    String signedJson = body.substring(start, end);
    JsonValue reparsed;
    try {
      reparsed = Json.parse(signedJson);
    } catch (MalformedInputException e) {
      throw new MalformedInputException(
          what + ": the sliced signed text is not one JSON object: " + e.getMessage(), e);
    }
    if (!reparsed.equals(member)) {
      throw new MalformedInputException(what + ": the sliced signed text differs from the parsed '" + key + "'");
    }
    Bytes signature = Encodings.signatureHex(sigHex, SIGNATURE);
    return new Slice(signedJson, member, signature);
  }

  private static boolean isWs(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  private static int skipWs(String s, int i) {
    while (i < s.length() && isWs(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int skipWsBack(String s, int j) {
    while (j > 0 && isWs(s.charAt(j - 1))) {
      j--;
    }
    return j;
  }

  private static int expect(String s, int i, String token, String what)
      throws MalformedInputException {
    if (!s.startsWith(token, i)) {
      throw new MalformedInputException(what + ": expected '" + token + "' at character " + i);
    }
    return i + token.length();
  }

  private static int expectBack(String s, int j, String token, String what)
      throws MalformedInputException {
    int from = j - token.length();
    if (from < 0 || !s.startsWith(token, from)) {
      throw new MalformedInputException(
          what + ": expected '" + token + "' before character " + j);
    }
    return from;
  }
}
