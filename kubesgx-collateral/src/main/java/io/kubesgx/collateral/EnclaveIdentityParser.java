package io.kubesgx.collateral;

import static io.kubesgx.collateral.internal.JsonFields.array;
import static io.kubesgx.collateral.internal.JsonFields.asInteger;
import static io.kubesgx.collateral.internal.JsonFields.asObject;
import static io.kubesgx.collateral.internal.JsonFields.date;
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
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Strict parser for the {@code enclaveIdentity} object of Intel enclave identity version 2.
 *
 * <p>Rules (dcap-verification.md §4.3; Intel QVL {@code EnclaveIdentityV2.cpp}): {@code version}
 * 2 only; {@code id} one of {@code QE}, {@code QVE}, {@code TD_QE}; {@code miscselect} and mask 4
 * bytes, {@code attributes} and mask 16 bytes, {@code mrsigner} 32 bytes (hex, either case);
 * {@code isvprodid} and every {@code isvsvn} 0..65535; {@code tcbEvaluationDataNumber}
 * 0..2^32-1; RFC 3339 dates; {@code tcbLevels} non-empty, level statuses limited to the five
 * values Intel's parser accepts (UpToDate, OutOfDate, ConfigurationNeeded,
 * OutOfDateConfigurationNeeded, Revoked). Levels are returned sorted by {@code isvsvn} descending;
 * two levels with the same {@code isvsvn} are rejected (stricter than Intel, which would simply
 * use the first). Unknown extra members are tolerated.
 */
public final class EnclaveIdentityParser {
  private static final String ROOT = "enclaveIdentity";
  private static final int MAX_LEVELS = 4096;
  private static final Set<String> IDS = Set.of("QE", "QVE", "TD_QE");
  private static final Set<TcbStatus> IDENTITY_STATUSES =
      EnumSet.of(
          TcbStatus.UP_TO_DATE,
          TcbStatus.OUT_OF_DATE,
          TcbStatus.CONFIGURATION_NEEDED,
          TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED,
          TcbStatus.REVOKED);

  private EnclaveIdentityParser() {}

  /**
   * Parses the raw text of an {@code enclaveIdentity} object (the inner object, not the PCS body).
   *
   * @throws MalformedInputException naming the offending field when any rule above is violated
   */
  public static EnclaveIdentity parse(String rawEnclaveIdentityObjectJson)
      throws MalformedInputException {
    Encodings.checkSize(rawEnclaveIdentityObjectJson.length(), Encodings.MAX_ITEM, ROOT);
    JsonValue v;
    try {
      v = Json.parse(rawEnclaveIdentityObjectJson);
    } catch (MalformedInputException e) {
      throw new MalformedInputException(ROOT + ": " + e.getMessage(), e);
    }
    return fromJson(asObject(v, ROOT));
  }

  /** Builds an enclave identity from an already strictly parsed object. */
  static EnclaveIdentity fromJson(JsonObject o) throws MalformedInputException {
    long version = integer(o, "version", ROOT, 0, 0xffff_ffffL);
    if (version != 2) {
      throw new MalformedInputException(
          path(ROOT, "version") + ": unsupported version " + version + " (supported: 2)");
    }
    String id = string(o, "id", ROOT);
    if (!IDS.contains(id)) {
      throw new MalformedInputException(
          path(ROOT, "id") + ": must be QE, QVE or TD_QE, got '" + JsonFields.abbreviate(id) + "'");
    }
    return new EnclaveIdentity(
        id,
        2,
        date(o, "issueDate", ROOT),
        date(o, "nextUpdate", ROOT),
        integer(o, "tcbEvaluationDataNumber", ROOT, 0, 0xffff_ffffL),
        hex(o, "miscselect", ROOT, 4),
        hex(o, "miscselectMask", ROOT, 4),
        hex(o, "attributes", ROOT, 16),
        hex(o, "attributesMask", ROOT, 16),
        hex(o, "mrsigner", ROOT, 32),
        (int) integer(o, "isvprodid", ROOT, 0, 65535),
        enclaveLevels(array(o, "tcbLevels", ROOT), path(ROOT, "tcbLevels"), IDENTITY_STATUSES, 65535));
  }

  /**
   * Parses {@code [{tcb:{isvsvn}, tcbDate, tcbStatus, advisoryIDs?}]}: non-empty, statuses limited to
   * {@code allowed}, {@code isvsvn} in 0..maxSvn, sorted descending, no duplicate SVNs.
   */
  static List<EnclaveTcbLevel> enclaveLevels(
      List<JsonValue> arr, String base, Set<TcbStatus> allowed, int maxSvn)
      throws MalformedInputException {
    if (arr.isEmpty()) {
      throw new MalformedInputException(base + ": must not be empty");
    }
    if (arr.size() > MAX_LEVELS) {
      throw new MalformedInputException(base + ": more than " + MAX_LEVELS + " levels");
    }
    List<EnclaveTcbLevel> out = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      String p = index(base, i);
      JsonObject l = asObject(arr.get(i), p);
      JsonObject tcb = object(l, "tcb", p);
      String tp = path(p, "tcb");
      int svn = (int) asInteger(require(tcb, "isvsvn", tp), path(tp, "isvsvn"), 0, maxSvn);
      out.add(
          new EnclaveTcbLevel(
              svn, date(l, "tcbDate", p), TcbInfoParser.status(l, p, allowed), optStringArray(l, "advisoryIDs", p)));
    }
    out.sort(Comparator.comparingInt(EnclaveTcbLevel::isvSvn).reversed());
    for (int i = 1; i < out.size(); i++) {
      if (out.get(i - 1).isvSvn() == out.get(i).isvSvn()) {
        throw new MalformedInputException(
            base + ": duplicated level for isvsvn " + out.get(i).isvSvn());
      }
    }
    return List.copyOf(out);
  }
}
