package io.kubesgx.collateral;

import static io.kubesgx.collateral.internal.JsonFields.array;
import static io.kubesgx.collateral.internal.JsonFields.asInteger;
import static io.kubesgx.collateral.internal.JsonFields.asObject;
import static io.kubesgx.collateral.internal.JsonFields.date;
import static io.kubesgx.collateral.internal.JsonFields.forbid;
import static io.kubesgx.collateral.internal.JsonFields.hex;
import static io.kubesgx.collateral.internal.JsonFields.index;
import static io.kubesgx.collateral.internal.JsonFields.integer;
import static io.kubesgx.collateral.internal.JsonFields.object;
import static io.kubesgx.collateral.internal.JsonFields.optStringArray;
import static io.kubesgx.collateral.internal.JsonFields.path;
import static io.kubesgx.collateral.internal.JsonFields.require;
import static io.kubesgx.collateral.internal.JsonFields.string;

import io.kubesgx.collateral.internal.Encodings;
import io.kubesgx.collateral.internal.JsonFields;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Strict parser for the {@code tcbInfo} object of Intel TCB info versions 2 and 3.
 *
 * <p>Rules (dcap-verification.md §4.2, §4.3, §6 Step 9; Intel QVL {@code TcbInfo.cpp},
 * {@code TcbLevel.cpp}):
 *
 * <ul>
 *   <li>the text is one JSON object under the strict common parser (duplicate keys anywhere fail);
 *   <li>{@code version} 2 (no {@code id}; flat {@code sgxtcbcomp01svn..16svn} + {@code pcesvn}; SGX
 *       only) or 3 ({@code id} {@code "SGX"} or {@code "TDX"} required; {@code sgxtcbcomponents}
 *       arrays);
 *   <li>{@code tcbType} must be 0; {@code tcbEvaluationDataNumber} 0..2^32-1;
 *   <li>{@code fmspc} 6 bytes and {@code pceId} 2 bytes of hex, either case;
 *   <li>{@code issueDate}, {@code nextUpdate}, {@code tcbDate}: RFC 3339 with {@code Z} or offset;
 *   <li>TDX ⇔ {@code tdxModule} present; {@code tdxModuleIdentities} optional for TDX but non-empty
 *       when present, forbidden for SGX; {@code tdxtcbcomponents} required in every level of a TDX
 *       info and forbidden for SGX;
 *   <li>exactly 16 components, SVNs 0..255, {@code pcesvn} 0..65535;
 *   <li>{@code tcbStatus} one of the seven known values (module identity levels: UpToDate,
 *       OutOfDate, Revoked only);
 *   <li>{@code tcbLevels} non-empty, sorted in {@link TcbLevel#INTEL_ORDER}; two levels equal under
 *       that order are rejected as duplicates (as Intel does).
 * </ul>
 *
 * <p>Unknown extra members are tolerated everywhere (PCS adds fields over time, and the signature
 * covers them anyway), except that the v2/v3 component representations must not be mixed.
 */
public final class TcbInfoParser {
  private static final String ROOT = "tcbInfo";
  private static final int MAX_LEVELS = 4096;
  private static final long UINT32_MAX = 0xffff_ffffL;
  private static final Set<TcbStatus> MODULE_STATUSES =
      EnumSet.of(TcbStatus.UP_TO_DATE, TcbStatus.OUT_OF_DATE, TcbStatus.REVOKED);

  /** The TCB info v2 flat component keys {@code sgxtcbcomp01svn} .. {@code sgxtcbcomp16svn}. */
  private static final String[] FLAT_KEYS = flatKeys();

  private TcbInfoParser() {}

  private static String[] flatKeys() {
    String[] k = new String[TcbLevel.COMPONENTS];
    for (int i = 0; i < k.length; i++) {
      k[i] = String.format(java.util.Locale.ROOT, "sgxtcbcomp%02dsvn", i + 1);
    }
    return k;
  }

  /**
   * Parses the raw text of a {@code tcbInfo} object (the inner object, not the PCS body).
   *
   * @throws MalformedInputException naming the offending field when any rule above is violated
   */
  public static TcbInfo parse(String rawTcbInfoObjectJson) throws MalformedInputException {
    Encodings.checkSize(rawTcbInfoObjectJson.length(), Encodings.MAX_ITEM, ROOT);
    JsonValue v;
    try {
      v = Json.parse(rawTcbInfoObjectJson);
    } catch (MalformedInputException e) {
      throw new MalformedInputException(ROOT + ": " + e.getMessage(), e);
    }
    return fromJson(asObject(v, ROOT));
  }

  /** Builds a TCB info from an already strictly parsed object. */
  static TcbInfo fromJson(JsonObject o) throws MalformedInputException {
    int version = (int) integer(o, "version", ROOT, 0, UINT32_MAX);
    Optional<String> id;
    if (version == 2) {
      forbid(o, "id", ROOT, "in TCB info version 2");
      forbid(o, "tdxModule", ROOT, "in TCB info version 2 (SGX only)");
      forbid(o, "tdxModuleIdentities", ROOT, "in TCB info version 2 (SGX only)");
      id = Optional.empty();
    } else if (version == 3) {
      String s = string(o, "id", ROOT);
      if (!s.equals(TcbInfo.SGX_ID) && !s.equals(TcbInfo.TDX_ID)) {
        throw new MalformedInputException(
            path(ROOT, "id") + ": must be SGX or TDX, got '" + JsonFields.abbreviate(s) + "'");
      }
      id = Optional.of(s);
    } else {
      throw new MalformedInputException(
          path(ROOT, "version") + ": unsupported version " + version + " (supported: 2, 3)");
    }
    boolean tdx = id.isPresent() && id.get().equals(TcbInfo.TDX_ID);

    Instant issueDate = date(o, "issueDate", ROOT);
    Instant nextUpdate = date(o, "nextUpdate", ROOT);
    Bytes fmspc = hex(o, "fmspc", ROOT, 6);
    Bytes pceId = hex(o, "pceId", ROOT, 2);
    long tcbType = integer(o, "tcbType", ROOT, Integer.MIN_VALUE, Integer.MAX_VALUE);
    if (tcbType != 0) {
      throw new MalformedInputException(
          path(ROOT, "tcbType") + ": unsupported TCB type " + tcbType + " (supported: 0)");
    }
    long evaluationDataNumber = integer(o, "tcbEvaluationDataNumber", ROOT, 0, UINT32_MAX);

    Optional<TdxModule> tdxModule = Optional.empty();
    List<TdxModuleIdentity> moduleIdentities = List.of();
    if (tdx) {
      if (!o.has("tdxModule")) {
        throw new MalformedInputException(path(ROOT, "tdxModule") + ": missing (required for TDX)");
      }
      tdxModule = Optional.of(tdxModule(object(o, "tdxModule", ROOT), path(ROOT, "tdxModule")));
      if (o.has("tdxModuleIdentities")) {
        moduleIdentities = moduleIdentities(array(o, "tdxModuleIdentities", ROOT));
      }
    } else {
      forbid(o, "tdxModule", ROOT, "for SGX");
      forbid(o, "tdxModuleIdentities", ROOT, "for SGX");
    }

    List<JsonValue> levelsJson = array(o, "tcbLevels", ROOT);
    String levelsPath = path(ROOT, "tcbLevels");
    if (levelsJson.isEmpty()) {
      throw new MalformedInputException(levelsPath + ": must not be empty");
    }
    if (levelsJson.size() > MAX_LEVELS) {
      throw new MalformedInputException(levelsPath + ": more than " + MAX_LEVELS + " levels");
    }
    List<TcbLevel> levels = new ArrayList<>(levelsJson.size());
    for (int i = 0; i < levelsJson.size(); i++) {
      String p = index(levelsPath, i);
      levels.add(level(asObject(levelsJson.get(i), p), p, version, tdx));
    }
    levels.sort(TcbLevel.INTEL_ORDER);
    for (int i = 1; i < levels.size(); i++) {
      if (TcbLevel.INTEL_ORDER.compare(levels.get(i - 1), levels.get(i)) == 0) {
        throw new MalformedInputException(
            levelsPath + ": duplicated TCB level (sgx components " + levels.get(i).sgxComponents()
                + ", pcesvn " + levels.get(i).pceSvn() + ")");
      }
    }
    return new TcbInfo(
        id,
        version,
        issueDate,
        nextUpdate,
        fmspc,
        pceId,
        0,
        evaluationDataNumber,
        tdxModule,
        moduleIdentities,
        levels);
  }

  private static TdxModule tdxModule(JsonObject m, String p) throws MalformedInputException {
    return new TdxModule(
        hex(m, "mrsigner", p, 48), hex(m, "attributes", p, 8), hex(m, "attributesMask", p, 8));
  }

  private static List<TdxModuleIdentity> moduleIdentities(List<JsonValue> arr)
      throws MalformedInputException {
    String base = path(ROOT, "tdxModuleIdentities");
    if (arr.isEmpty()) {
      throw new MalformedInputException(base + ": must not be empty when present");
    }
    if (arr.size() > 256) {
      throw new MalformedInputException(base + ": more than 256 entries");
    }
    List<TdxModuleIdentity> out = new ArrayList<>(arr.size());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < arr.size(); i++) {
      String p = index(base, i);
      JsonObject m = asObject(arr.get(i), p);
      String id = string(m, "id", p);
      if (id.isEmpty() || id.length() > 64) {
        throw new MalformedInputException(path(p, "id") + ": must be 1..64 characters");
      }
      if (!seen.add(id.toUpperCase(Locale.ROOT))) {
        throw new MalformedInputException(
            path(p, "id") + ": duplicate module identity '" + JsonFields.abbreviate(id) + "'");
      }
      List<EnclaveTcbLevel> levels =
          EnclaveIdentityParser.enclaveLevels(array(m, "tcbLevels", p), path(p, "tcbLevels"), MODULE_STATUSES, 255);
      out.add(
          new TdxModuleIdentity(
              id, hex(m, "mrsigner", p, 48), hex(m, "attributes", p, 8), hex(m, "attributesMask", p, 8), levels));
    }
    return List.copyOf(out);
  }

  private static TcbLevel level(JsonObject l, String p, int version, boolean tdx)
      throws MalformedInputException {
    JsonObject tcb = object(l, "tcb", p);
    String tp = path(p, "tcb");
    List<Integer> sgx;
    if (version == 2) {
      forbid(tcb, "sgxtcbcomponents", tp, "in TCB info version 2");
      forbid(tcb, "tdxtcbcomponents", tp, "in TCB info version 2");
      List<Integer> flat = new ArrayList<>(TcbLevel.COMPONENTS);
      for (String key : FLAT_KEYS) {
        flat.add((int) integer(tcb, key, tp, 0, 255));
      }
      sgx = flat;
    } else {
      for (String key : FLAT_KEYS) {
        forbid(tcb, key, tp, "in TCB info version 3");
      }
      sgx = components(tcb, "sgxtcbcomponents", tp);
    }
    int pceSvn = (int) integer(tcb, "pcesvn", tp, 0, 65535);
    Optional<List<Integer>> tdxComponents = Optional.empty();
    if (tdx) {
      if (!tcb.has("tdxtcbcomponents")) {
        throw new MalformedInputException(path(tp, "tdxtcbcomponents") + ": missing (required for TDX)");
      }
      tdxComponents = Optional.of(components(tcb, "tdxtcbcomponents", tp));
    } else {
      forbid(tcb, "tdxtcbcomponents", tp, "for SGX");
    }
    Instant tcbDate = date(l, "tcbDate", p);
    TcbStatus status = status(l, p, null);
    List<String> advisories = optStringArray(l, "advisoryIDs", p);
    return new TcbLevel(sgx, pceSvn, tdxComponents, tcbDate, status, advisories);
  }

  private static List<Integer> components(JsonObject tcb, String key, String tp)
      throws MalformedInputException {
    List<JsonValue> arr = array(tcb, key, tp);
    String p = path(tp, key);
    if (arr.size() != TcbLevel.COMPONENTS) {
      throw new MalformedInputException(
          p + ": expected " + TcbLevel.COMPONENTS + " components, got " + arr.size());
    }
    List<Integer> out = new ArrayList<>(TcbLevel.COMPONENTS);
    for (int i = 0; i < arr.size(); i++) {
      String cp = index(p, i);
      JsonObject c = asObject(arr.get(i), cp);
      out.add((int) asInteger(require(c, "svn", cp), path(cp, "svn"), 0, 255));
      JsonFields.optString(c, "category", cp);
      JsonFields.optString(c, "type", cp);
    }
    return out;
  }

  /** Reads {@code tcbStatus}; when {@code allowed} is non-null the status must be in it. */
  static TcbStatus status(JsonObject l, String p, Set<TcbStatus> allowed)
      throws MalformedInputException {
    String sp = path(p, "tcbStatus");
    String s = string(l, "tcbStatus", p);
    TcbStatus status;
    try {
      status = TcbStatus.fromJsonName(s);
    } catch (MalformedInputException e) {
      throw new MalformedInputException(sp + ": " + e.getMessage(), e);
    }
    if (allowed != null && !allowed.contains(status)) {
      throw new MalformedInputException(sp + ": status " + s + " is not allowed here");
    }
    return status;
  }
}
