package io.kubesgx.status.attestation;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.status.AttestationStatus;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Parses the attestation service's status document (schema version 1, docs/attestation.md "Status").
 * Bytes come from the network: the size is capped before decoding, the JSON parser bounds nesting,
 * and every failure is a {@link MalformedInputException}.
 */
public final class AttestationStatusParser {
  /** Largest document accepted (a service with thousands of FMSPCs stays far below). */
  public static final int MAX_BYTES = 1 << 20;
  /** Most collateral entries accepted. */
  public static final int MAX_ENTRIES = 10_000;

  private static final Pattern FMSPC = Pattern.compile("[0-9A-Fa-f]{12}");

  private AttestationStatusParser() {}

  /** Parses the document. */
  public static AttestationStatus parse(byte[] body) throws MalformedInputException {
    if (body.length > MAX_BYTES) {
      throw new MalformedInputException("status document larger than " + MAX_BYTES + " bytes");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(body)).toString();
    } catch (CharacterCodingException e) {
      throw new MalformedInputException("status document is not UTF-8");
    }
    JsonValue.JsonObject o = Json.parseObject(text);
    long version = o.integer("schemaVersion");
    if (version != 1) {
      throw new MalformedInputException("status schemaVersion " + version + " is not supported (this kubesgx reads 1)");
    }
    Instant now = instant(o.string("now"), "now");
    JsonValue.JsonObject k = o.object("signingKey");
    AttestationStatus.SigningKey key = new AttestationStatus.SigningKey(
        k.string("kid"), k.string("algorithm"), instant(k.string("createdAt"), "signingKey.createdAt"));
    List<JsonValue> sets = o.array("collateral");
    if (sets.size() > MAX_ENTRIES) {
      throw new MalformedInputException("more than " + MAX_ENTRIES + " collateral entries");
    }
    List<AttestationStatus.Collateral> out = new ArrayList<>(sets.size());
    for (JsonValue v : sets) {
      if (!(v instanceof JsonValue.JsonObject c)) {
        throw new MalformedInputException("collateral entries must be objects");
      }
      String fmspc = c.string("fmspc");
      if (!FMSPC.matcher(fmspc).matches()) {
        throw new MalformedInputException("fmspc must be 12 hex digits");
      }
      String next = c.optString("nextUpdate");
      out.add(new AttestationStatus.Collateral(c.string("key"), fmspc.toUpperCase(java.util.Locale.ROOT),
          next == null ? Optional.empty() : Optional.of(instant(next, "nextUpdate")),
          bool(c, "stale"), bool(c, "expired")));
    }
    return new AttestationStatus(now, key, out);
  }

  private static boolean bool(JsonValue.JsonObject o, String key) throws MalformedInputException {
    if (o.require(key) instanceof JsonValue.JsonBool b) {
      return b.value();
    }
    throw new MalformedInputException("field '" + key + "' must be a boolean");
  }

  private static Instant instant(String s, String what) throws MalformedInputException {
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new MalformedInputException(what + " must be an RFC 3339 UTC time");
    }
  }
}
