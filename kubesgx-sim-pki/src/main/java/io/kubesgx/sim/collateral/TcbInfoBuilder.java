package io.kubesgx.sim.collateral;

import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonArray;
import io.kubesgx.common.json.JsonValue.JsonNumber;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Writes the {@code tcbInfo} object of a TCB info — version 3 (SGX or TDX, with {@code
 * tdxModule} and {@code tdxModuleIdentities}) or version 2 (SGX, flat components) — as compact
 * JSON in Intel's member order (dcap-verification.md §4.2, §4.3).
 *
 * <p>FMSPC, validity and tcbEvaluationDataNumber have no defaults and must be set. Nothing else is
 * validated, so invalid collateral (duplicate levels, unknown statuses) can be written on purpose.
 */
public final class TcbInfoBuilder {
  private final String id;
  private final int version;
  private String fmspc;
  private String pceId = "0000";
  private Instant issueDate;
  private Instant nextUpdate;
  private long tcbType;
  private Long tcbEvaluationDataNumber;
  private String moduleMrSigner = "00".repeat(48);
  private String moduleAttributes = "0000000000000000";
  private String moduleAttributesMask = "FFFFFFFFFFFFFFFF";
  private final List<JsonValue> moduleIdentities = new ArrayList<>();
  private final List<TcbLevelSpec> levels = new ArrayList<>();

  private TcbInfoBuilder(String id, int version) {
    this.id = id;
    this.version = version;
  }

  /** Returns a builder for SGX TCB info version 3. */
  public static TcbInfoBuilder sgx() {
    return new TcbInfoBuilder("SGX", 3);
  }

  /** Returns a builder for TDX TCB info version 3. */
  public static TcbInfoBuilder tdx() {
    return new TcbInfoBuilder("TDX", 3);
  }

  /** Returns a builder for TCB info version 2 (SGX only, no {@code id}). */
  public static TcbInfoBuilder sgxV2() {
    return new TcbInfoBuilder(null, 2);
  }

  /** Returns true for a TDX TCB info. */
  public boolean isTdx() {
    return "TDX".equals(id);
  }

  /** Sets the FMSPC hex (written as given). */
  public TcbInfoBuilder fmspc(String hex) {
    this.fmspc = Objects.requireNonNull(hex);
    return this;
  }

  /** Sets the PCE-ID hex. */
  public TcbInfoBuilder pceId(String hex) {
    this.pceId = Objects.requireNonNull(hex);
    return this;
  }

  /** Sets issueDate and nextUpdate. */
  public TcbInfoBuilder validity(Instant issueDate, Instant nextUpdate) {
    this.issueDate = Objects.requireNonNull(issueDate);
    this.nextUpdate = Objects.requireNonNull(nextUpdate);
    return this;
  }

  /** Sets tcbType (must be 0 to be valid). */
  public TcbInfoBuilder tcbType(long tcbType) {
    this.tcbType = tcbType;
    return this;
  }

  /** Sets tcbEvaluationDataNumber. */
  public TcbInfoBuilder tcbEvaluationDataNumber(long n) {
    this.tcbEvaluationDataNumber = n;
    return this;
  }

  /** Sets the {@code tdxModule} object (hex strings; default zero signer, zero attributes, full mask). */
  public TcbInfoBuilder tdxModule(String mrSigner, String attributes, String attributesMask) {
    this.moduleMrSigner = mrSigner;
    this.moduleAttributes = attributes;
    this.moduleAttributesMask = attributesMask;
    return this;
  }

  /** Adds a {@code tdxModuleIdentities} entry with the default signer and attributes. */
  public TcbInfoBuilder moduleIdentity(String id, List<EnclaveLevelSpec> levels) {
    return moduleIdentity(id, moduleMrSigner, moduleAttributes, moduleAttributesMask, levels);
  }

  /** Adds a {@code tdxModuleIdentities} entry. */
  public TcbInfoBuilder moduleIdentity(
      String id, String mrSigner, String attributes, String attributesMask, List<EnclaveLevelSpec> levels) {
    moduleIdentities.add(
        JsonBuilder.object()
            .put("id", id)
            .put("mrsigner", mrSigner)
            .put("attributes", attributes)
            .put("attributesMask", attributesMask)
            .put("tcbLevels", QeIdentityBuilder.levels(levels))
            .build());
    return this;
  }

  /** Adds a platform TCB level (written in the order added). */
  public TcbInfoBuilder level(TcbLevelSpec level) {
    levels.add(Objects.requireNonNull(level));
    return this;
  }

  /** Returns the compact JSON text of the {@code tcbInfo} object; FMSPC, validity and evaluation number must be set. */
  public String toJson() {
    if (fmspc == null || issueDate == null || tcbEvaluationDataNumber == null) {
      throw new IllegalStateException("TcbInfoBuilder: fmspc, validity and tcbEvaluationDataNumber must be set");
    }
    JsonBuilder b = JsonBuilder.object();
    if (id != null) {
      b.put("id", id);
    }
    b.put("version", version)
        .put("issueDate", issueDate.toString())
        .put("nextUpdate", nextUpdate.toString())
        .put("fmspc", fmspc)
        .put("pceId", pceId)
        .put("tcbType", tcbType)
        .put("tcbEvaluationDataNumber", tcbEvaluationDataNumber.longValue());
    if (isTdx()) {
      b.put(
          "tdxModule",
          JsonBuilder.object()
              .put("mrsigner", moduleMrSigner)
              .put("attributes", moduleAttributes)
              .put("attributesMask", moduleAttributesMask)
              .build());
      if (!moduleIdentities.isEmpty()) {
        b.put("tdxModuleIdentities", new JsonArray(moduleIdentities));
      }
    }
    List<JsonValue> ls = new ArrayList<>();
    for (TcbLevelSpec l : levels) {
      JsonBuilder tcb = JsonBuilder.object();
      if (version == 2) {
        for (int i = 0; i < 16; i++) {
          tcb.put(String.format("sgxtcbcomp%02dsvn", i + 1), l.sgxComponents().get(i));
        }
        tcb.put("pcesvn", l.pceSvn());
      } else {
        tcb.put("sgxtcbcomponents", components(l.sgxComponents()));
        tcb.put("pcesvn", l.pceSvn());
        if (l.tdxComponents().isPresent()) {
          tcb.put("tdxtcbcomponents", components(l.tdxComponents().get()));
        }
      }
      JsonBuilder level =
          JsonBuilder.object()
              .put("tcb", tcb.build())
              .put("tcbDate", l.tcbDate().toString())
              .put("tcbStatus", l.tcbStatus());
      if (!l.advisoryIds().isEmpty()) {
        level.putStrings("advisoryIDs", l.advisoryIds());
      }
      ls.add(level.build());
    }
    b.put("tcbLevels", new JsonArray(ls));
    return b.toString();
  }

  private static JsonArray components(List<Integer> svns) {
    List<JsonValue> out = new ArrayList<>();
    for (int svn : svns) {
      out.add(JsonBuilder.object().put("svn", new JsonNumber(Integer.toString(svn))).build());
    }
    return new JsonArray(out);
  }
}
