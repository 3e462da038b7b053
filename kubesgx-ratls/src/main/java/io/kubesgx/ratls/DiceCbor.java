package io.kubesgx.ratls;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.dataformat.cbor.CBORFactory;
import tools.jackson.dataformat.cbor.CBORGenerator;
import tools.jackson.dataformat.cbor.CBORParser;
import tools.jackson.dataformat.cbor.CBORReadContext;

/**
 * CBOR encoding and strict decoding of the TCG DICE tagged evidence Gramine writes (Gramine v1.9
 * {@code ra_tls_attest.c}): {@code 60000([bstr quote, bstr claims])}, {@code claims} a serialized map
 * {@code {"pubkey-hash": bstr(serialized [uint hash-alg-id, bstr hash])}}.
 *
 * <p>Encoding uses definite lengths and the shortest integer forms (RFC 8949 §4.2.1 core
 * deterministic encoding for these types). Decoding uses Jackson's CBOR parser with duplicate-key
 * detection and bounded nesting, and additionally refuses what Jackson tolerates: indefinite lengths
 * (checked on the head of every item), non-text map keys, tags other than the outer one in the fixed
 * structure, and trailing bytes. Inputs are at most {@link RaTlsEvidence#MAX_EXTENSION_SIZE} bytes
 * (checked by the caller), so no length read from the input can make the parser allocate more.
 */
final class DiceCbor {
  /** The claim Gramine defines. */
  static final String PUBKEY_HASH = "pubkey-hash";
  /** IANA "Named Information Hash Algorithm Registry" ids. */
  static final int SHA_256 = 1;
  static final int SHA_384 = 7;
  static final int SHA_512 = 8;

  private static final int MAX_NESTING = 16;

  private static final CBORFactory FACTORY = CBORFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(MAX_NESTING)
          .maxStringLength(RaTlsEvidence.MAX_EXTENSION_SIZE)
          .maxNumberLength(64)
          .maxNameLength(RaTlsEvidence.MAX_EXTENSION_SIZE)
          .maxDocumentLength(RaTlsEvidence.MAX_EXTENSION_SIZE)
          .build())
      .build();

  /** The decoded outer structure. */
  record Evidence(byte[] quote, byte[] claims) {}

  /** The decoded {@code pubkey-hash} claim. */
  record PubkeyHash(int algId, byte[] hash) {}

  /** Thrown for any malformed CBOR; carries a short description for the user. */
  static final class CborException extends Exception {
    private static final long serialVersionUID = 1L;

    CborException(String message) {
      super(message);
    }
  }

  private DiceCbor() {}

  /** Returns {@code 60000([bstr quote, bstr claims])}. */
  static byte[] encodeEvidence(byte[] quote, byte[] claims) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(quote.length + claims.length + 16);
    try (JsonGenerator g = FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
      ((CBORGenerator) g).writeTag(RaTlsOids.DICE_CBOR_TAG);
      g.writeStartArray(null, 2);
      g.writeBinary(quote);
      g.writeBinary(claims);
      g.writeEndArray();
    }
    return out.toByteArray();
  }

  /** Returns the serialized claims map {@code {"pubkey-hash": bstr([algId, bstr hash])}}. */
  static byte[] encodeClaims(int algId, byte[] hash) {
    ByteArrayOutputStream entry = new ByteArrayOutputStream(hash.length + 4);
    try (JsonGenerator g = FACTORY.createGenerator(ObjectWriteContext.empty(), entry)) {
      g.writeStartArray(null, 2);
      g.writeNumber(algId);
      g.writeBinary(hash);
      g.writeEndArray();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(hash.length + 24);
    try (JsonGenerator g = FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject(null, 1);
      g.writeName(PUBKEY_HASH);
      g.writeBinary(entry.toByteArray());
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  /** Decodes the outer tagged evidence: exactly {@code 60000([bstr, bstr])}, nothing after it. */
  static Evidence decodeEvidence(byte[] data) throws CborException {
    try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), data)) {
      expect(p, data, JsonToken.START_ARRAY, "the evidence is not a CBOR array");
      int tag = ((CBORParser) p).getCurrentTag();
      if (tag != RaTlsOids.DICE_CBOR_TAG || ((CBORParser) p).getCurrentTags().size() != 1) {
        throw new CborException("the evidence is not tagged " + RaTlsOids.DICE_CBOR_TAG + " (a TEE quote)");
      }
      requireLength(p, 2, "the evidence array must hold exactly 2 items [quote, claims]");
      byte[] quote = bstr(p, data, "the quote");
      byte[] claims = bstr(p, data, "the claims");
      expect(p, data, JsonToken.END_ARRAY, "the evidence array must hold exactly 2 items [quote, claims]");
      requireEnd(p, data);
      return new Evidence(quote, claims);
    } catch (JacksonException e) {
      throw new CborException("the evidence is not well-formed CBOR (" + firstLine(e) + ")");
    }
  }

  /**
   * Decodes the claims map: text keys, no duplicates, definite lengths; returns the {@code
   * pubkey-hash} claim when present (unknown claims are skipped, as Gramine does).
   */
  static Optional<PubkeyHash> decodeClaims(byte[] data) throws CborException {
    byte[] entry = null;
    try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), data)) {
      expect(p, data, JsonToken.START_OBJECT, "the claims are not a CBOR map");
      requireUntagged(p, "the claims map");
      if (!((CBORReadContext) p.streamReadContext()).hasExpectedLength()) {
        throw new CborException("the claims map has an indefinite length");
      }
      JsonToken t;
      while ((t = next(p, data)) == JsonToken.PROPERTY_NAME) {
        int major = headMajor(data, offset(p));
        if (major != 3) {
          throw new CborException("a claims key is not a text string");
        }
        requireUntagged(p, "a claims key");
        String name = p.currentName();
        if (name.isEmpty()) {
          throw new CborException("a claims key is empty");
        }
        if (name.equals(PUBKEY_HASH)) {
          entry = bstr(p, data, "the pubkey-hash claim");
        } else {
          skipValue(p, data);
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw new CborException("the claims map is malformed");
      }
      requireEnd(p, data);
    } catch (JacksonException e) {
      throw new CborException("the claims are not well-formed CBOR (" + firstLine(e) + ")");
    }
    if (entry == null) {
      return Optional.empty();
    }
    return Optional.of(decodeHashEntry(entry));
  }

  private static PubkeyHash decodeHashEntry(byte[] data) throws CborException {
    try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), data)) {
      expect(p, data, JsonToken.START_ARRAY, "the pubkey-hash claim is not a CBOR array");
      requireUntagged(p, "the pubkey-hash array");
      requireLength(p, 2, "the pubkey-hash array must hold exactly 2 items [hash-alg-id, hash]");
      expect(p, data, JsonToken.VALUE_NUMBER_INT, "the pubkey-hash algorithm id is not an unsigned integer");
      requireUntagged(p, "the pubkey-hash algorithm id");
      if (headMajor(data, offset(p)) != 0) {
        throw new CborException("the pubkey-hash algorithm id is not an unsigned integer");
      }
      if (p.getNumberType() != JsonParser.NumberType.INT) {
        throw new CborException("the pubkey-hash algorithm id is not supported (use 1, 7 or 8)");
      }
      int alg = p.getIntValue();
      byte[] hash = bstr(p, data, "the pubkey-hash value");
      expect(p, data, JsonToken.END_ARRAY, "the pubkey-hash array must hold exactly 2 items [hash-alg-id, hash]");
      requireEnd(p, data);
      return new PubkeyHash(alg, hash);
    } catch (JacksonException e) {
      throw new CborException("the pubkey-hash claim is not well-formed CBOR (" + firstLine(e) + ")");
    }
  }

  private static void skipValue(JsonParser p, byte[] data) throws CborException {
    JsonToken t = next(p, data);
    if (t == null) {
      throw new CborException("a claim has no value");
    }
    int depth = 0;
    while (true) {
      if (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) {
        if (!((CBORReadContext) p.streamReadContext()).hasExpectedLength()) {
          throw new CborException("a claim value has an indefinite length");
        }
        depth++;
      } else if (t == JsonToken.END_ARRAY || t == JsonToken.END_OBJECT) {
        depth--;
      } else if (t == JsonToken.PROPERTY_NAME && headMajor(data, offset(p)) != 3) {
        throw new CborException("a map key inside a claim value is not a text string");
      }
      if (depth == 0) {
        return;
      }
      t = next(p, data);
      if (t == null) {
        throw new CborException("a claim value is truncated");
      }
    }
  }

  /** Reads the next token and refuses indefinite-length items (checked on the item's head byte). */
  private static JsonToken next(JsonParser p, byte[] data) throws CborException {
    JsonToken t = p.nextToken();
    if (t != null && t != JsonToken.END_ARRAY && t != JsonToken.END_OBJECT) {
      long off = offset(p);
      int head = headAfterTags(data, off);
      if ((head & 0x1f) == 31) {
        throw new CborException("indefinite-length items are not accepted");
      }
      if (head >>> 5 == 3) {
        requireUtf8(data, off);
      }
    }
    return t;
  }

  /**
   * Refuses a text string (keys and values, skipped ones included) that is not valid UTF-8 (RFC 8949
   * §3.1 major type 3): the parser decodes only what is read, so without this an invalid string in an
   * ignored claim would pass here and fail in a decoder that validates (found by differential fuzzing).
   */
  private static void requireUtf8(byte[] data, long offset) throws CborException {
    long i = offset;
    while ((data[(int) i] & 0xff) >>> 5 == 6) {
      i += headSize(data, i);
    }
    int ai = data[(int) i] & 0x1f;
    long len = ai < 24 ? ai : readUint(data, i + 1, 1 << (ai - 24));
    long start = i + headSize(data, i);
    if (len > data.length - start) {
      throw new CborException("a text string is truncated");
    }
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(data, (int) start, (int) len));
    } catch (CharacterCodingException e) {
      throw new CborException("a text string is not valid UTF-8");
    }
  }

  /** Returns the size of the head (initial byte and argument) at {@code i}; definite lengths only. */
  private static int headSize(byte[] data, long i) throws CborException {
    int ai = data[(int) i] & 0x1f;
    if (ai < 24) {
      return 1;
    }
    if (ai > 27) {
      throw new CborException("a CBOR head is malformed");
    }
    int n = 1 + (1 << (ai - 24));
    if (n > data.length - i) {
      throw new CborException("the CBOR item is truncated");
    }
    return n;
  }

  private static long readUint(byte[] data, long from, int size) throws CborException {
    if (size > data.length - from) {
      throw new CborException("the CBOR item is truncated");
    }
    long v = 0;
    for (int k = 0; k < size; k++) {
      v = v << 8 | (data[(int) from + k] & 0xff);
    }
    if (v < 0) {
      throw new CborException("a text string is too long");
    }
    return v;
  }

  private static void expect(JsonParser p, byte[] data, JsonToken want, String message) throws CborException {
    if (next(p, data) != want) {
      throw new CborException(message);
    }
  }

  private static byte[] bstr(JsonParser p, byte[] data, String what) throws CborException {
    if (next(p, data) != JsonToken.VALUE_EMBEDDED_OBJECT || headMajor(data, offset(p)) != 2) {
      throw new CborException(what + " is not a byte string");
    }
    requireUntagged(p, what);
    return p.getBinaryValue();
  }

  private static void requireLength(JsonParser p, int n, String message) throws CborException {
    CBORReadContext c = (CBORReadContext) p.streamReadContext();
    if (!c.hasExpectedLength() || c.getExpectedLength() != n) {
      throw new CborException(message);
    }
  }

  private static void requireUntagged(JsonParser p, String what) throws CborException {
    if (((CBORParser) p).getCurrentTag() != -1) {
      throw new CborException(what + " must not be tagged");
    }
  }

  /**
   * Refuses anything after the item. Checking the position as well as the next token matters: the
   * parser reports a dangling tag head at the end of the input as the end of input, not as a token.
   */
  private static void requireEnd(JsonParser p, byte[] data) throws CborException {
    if (p.currentLocation().getByteOffset() != data.length || p.nextToken() != null) {
      throw new CborException("bytes follow the CBOR item");
    }
  }

  private static long offset(JsonParser p) {
    return p.currentTokenLocation().getByteOffset();
  }

  private static int headMajor(byte[] data, long offset) throws CborException {
    return headAfterTags(data, offset) >>> 5;
  }

  /** Returns the initial byte of the item at {@code offset}, after any tag heads. */
  private static int headAfterTags(byte[] data, long offset) throws CborException {
    long i = offset;
    while (true) {
      if (i < 0 || i >= data.length) {
        throw new CborException("the CBOR item is truncated");
      }
      int b = data[(int) i] & 0xff;
      if (b >>> 5 != 6) {
        return b;
      }
      int ai = b & 0x1f;
      if (ai < 24) {
        i += 1;
      } else if (ai <= 27) {
        i += 1 + (1 << (ai - 24));
      } else {
        throw new CborException("a CBOR tag head is malformed");
      }
    }
  }

  private static String firstLine(JacksonException e) {
    String m = e.getOriginalMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    String s = nl < 0 ? m : m.substring(0, nl);
    return s.length() > 160 ? s.substring(0, 160) + "..." : s;
  }
}
