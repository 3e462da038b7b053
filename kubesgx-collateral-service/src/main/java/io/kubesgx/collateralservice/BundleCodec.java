package io.kubesgx.collateralservice;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.CollateralLoader;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonArray;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.pck.PckCa;
import io.kubesgx.quote.TeeType;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Reads and writes offline collateral bundles (also the format of each on-disk cache file).
 *
 * <pre>{@code
 * {"format":"kubesgx-collateral-bundle","version":1,"createdAt":"2026-11-28T12:00:00Z",
 *  "entries":[{"tee":"sgx","fmspc":"00906ED50000","ca":"processor","update":"standard",
 *              "fetchedAt":"2026-11-28T11:59:00Z","origin":"network",
 *              "collateral":{ dcap-qvl QuoteCollateralV3 JSON, see CollateralLoader.toDcapQvlJson }}]}
 * }</pre>
 *
 * <p>Parsing is strict: unknown members, duplicate keys, a wrong format or version, incomplete
 * collateral (both CRLs are required) or collateral that does not match its entry's key are
 * rejected with a message naming the entry.
 */
final class BundleCodec {
  static final String FORMAT = "kubesgx-collateral-bundle";
  static final int VERSION = 1;
  static final int MAX_BUNDLE_BYTES = 32 << 20;
  static final int MAX_ENTRIES = 4096;

  private static final Set<String> TOP_KEYS = Set.of("format", "version", "createdAt", "entries");
  private static final Set<String> ENTRY_KEYS =
      Set.of("tee", "fmspc", "ca", "update", "fetchedAt", "origin", "collateral");

  /**
   * One bundle entry.
   *
   * @param key the collateral key
   * @param collateral the parsed collateral
   * @param nextUpdate the earliest nextUpdate of the set
   * @param fetchedAt when it was fetched from a PCS, when known
   * @param fromBundle true when the data entered a service through a bundle import
   */
  record Entry(CollateralKey key, Collateral collateral, Instant nextUpdate, Optional<Instant> fetchedAt,
      boolean fromBundle) {
    Entry {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(collateral, "collateral");
      Objects.requireNonNull(nextUpdate, "nextUpdate");
      Objects.requireNonNull(fetchedAt, "fetchedAt");
    }
  }

  private BundleCodec() {}

  /** Writes a bundle document. */
  static String write(List<Entry> entries, Instant createdAt) {
    List<JsonValue> arr = new ArrayList<>();
    for (Entry e : entries) {
      JsonValue collateral;
      try {
        collateral = Json.parse(CollateralLoader.toDcapQvlJson(e.collateral()));
      } catch (MalformedInputException ex) {
        throw new IllegalStateException("CollateralLoader.toDcapQvlJson produced invalid JSON", ex);
      }
      JsonBuilder b = JsonBuilder.object()
          .put("tee", e.key().tee().name().toLowerCase(Locale.ROOT))
          .put("fmspc", e.key().fmspcHex())
          .put("ca", e.key().ca().crlParameter())
          .put("update", e.key().update().parameter());
      e.fetchedAt().ifPresent(t -> b.put("fetchedAt", t.toString()));
      b.put("origin", e.fromBundle() ? "bundle" : "network");
      b.put("collateral", collateral);
      arr.add(b.build());
    }
    return JsonBuilder.object()
        .put("format", FORMAT)
        .put("version", VERSION)
        .put("createdAt", createdAt.toString())
        .put("entries", new JsonArray(arr))
        .toString();
  }

  /** Parses a bundle document; every problem names the entry (1-based) and its key. */
  static List<Entry> parse(byte[] data) throws MalformedInputException {
    if (data.length > MAX_BUNDLE_BYTES) {
      throw new MalformedInputException("larger than " + MAX_BUNDLE_BYTES + " bytes");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(data))
          .toString();
    } catch (CharacterCodingException e) {
      throw new MalformedInputException("not UTF-8", e);
    }
    JsonObject top = Json.parseObject(text);
    onlyKeys(top, TOP_KEYS, "bundle");
    String format = top.string("format");
    if (!FORMAT.equals(format)) {
      throw new MalformedInputException("format is '" + format + "', expected '" + FORMAT + "'");
    }
    long version = top.integer("version");
    if (version != VERSION) {
      throw new MalformedInputException("version " + version + " is not supported (this service reads version " + VERSION + ")");
    }
    if (top.has("createdAt")) {
      instant(top.string("createdAt"), "createdAt");
    }
    List<JsonValue> entries = top.array("entries");
    if (entries.size() > MAX_ENTRIES) {
      throw new MalformedInputException("more than " + MAX_ENTRIES + " entries");
    }
    List<Entry> out = new ArrayList<>(entries.size());
    Set<CollateralKey> seen = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      String where = "entry " + (i + 1);
      CollateralKey key;
      try {
        if (!(entries.get(i) instanceof JsonObject)) {
          throw new MalformedInputException("must be a JSON object");
        }
        JsonObject o = (JsonObject) entries.get(i);
        key = key(o);
        where = where + " (" + key + ")";
        onlyKeys(o, ENTRY_KEYS, "entry");
        if (!seen.add(key)) {
          throw new MalformedInputException("duplicate key");
        }
        out.add(entry(o, key));
      } catch (MalformedInputException e) {
        throw new MalformedInputException(where + ": " + e.getMessage(), e);
      }
    }
    return List.copyOf(out);
  }

  private static CollateralKey key(JsonObject o) throws MalformedInputException {
    String tee = o.string("tee");
    TeeType t;
    if (tee.equals("sgx")) {
      t = TeeType.SGX;
    } else if (tee.equals("tdx")) {
      t = TeeType.TDX;
    } else {
      throw new MalformedInputException("tee must be 'sgx' or 'tdx', got '" + tee + "'");
    }
    String fmspc = o.string("fmspc");
    if (!fmspc.matches("[0-9a-fA-F]{12}")) {
      throw new MalformedInputException("fmspc must be 12 hex digits, got '" + fmspc + "'");
    }
    String ca = o.string("ca");
    PckCa pckCa = null;
    for (PckCa c : PckCa.values()) {
      if (c.crlParameter().equals(ca)) {
        pckCa = c;
      }
    }
    if (pckCa == null) {
      throw new MalformedInputException("ca must be 'processor' or 'platform', got '" + ca + "'");
    }
    String update = o.string("update");
    UpdateType u = UpdateType.fromParameter(update)
        .orElseThrow(() -> new MalformedInputException("update must be 'standard' or 'early', got '" + update + "'"));
    return CollateralKey.of(t, fmspc, pckCa, u);
  }

  private static Entry entry(JsonObject o, CollateralKey key) throws MalformedInputException {
    Optional<Instant> fetchedAt = Optional.empty();
    if (o.has("fetchedAt")) {
      fetchedAt = Optional.of(instant(o.string("fetchedAt"), "fetchedAt"));
    }
    boolean fromBundle = false;
    if (o.has("origin")) {
      String origin = o.string("origin");
      if (origin.equals("bundle")) {
        fromBundle = true;
      } else if (!origin.equals("network")) {
        throw new MalformedInputException("origin must be 'network' or 'bundle', got '" + origin + "'");
      }
    }
    JsonValue cv = o.require("collateral");
    if (!(cv instanceof JsonObject)) {
      throw new MalformedInputException("collateral must be a JSON object (dcap-qvl collateral)");
    }
    Collateral c;
    try {
      c = CollateralLoader.fromDcapQvlJson(Json.write(cv));
    } catch (RuntimeException e) {
      throw new MalformedInputException("collateral: " + e.getMessage(), e);
    }
    try {
      PcsProtocol.validate(key, c);
    } catch (RuntimeException e) {
      throw new MalformedInputException("collateral: " + e.getMessage(), e);
    }
    return new Entry(key, c, PcsProtocol.nextUpdate(c), fetchedAt, fromBundle);
  }

  private static Instant instant(String s, String what) throws MalformedInputException {
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new MalformedInputException(what + " must be an RFC 3339 UTC time, got '" + s + "'", e);
    }
  }

  private static void onlyKeys(JsonObject o, Set<String> allowed, String what) throws MalformedInputException {
    for (String k : o.members().keySet()) {
      if (!allowed.contains(k)) {
        throw new MalformedInputException("unknown " + what + " member '" + k + "'");
      }
    }
  }
}
