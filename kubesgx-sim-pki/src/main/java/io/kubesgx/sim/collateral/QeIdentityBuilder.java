package io.kubesgx.sim.collateral;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonArray;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Writes the {@code enclaveIdentity} object of a QE ({@code QE}) or TD QE ({@code TD_QE}) identity,
 * version 2, as compact JSON in Intel's member order (dcap-verification.md §4.3).
 *
 * <p>Defaults are what Intel serves: ISVPRODID 1 (QE) or 2 (TD QE), MISCSELECT 0 with a full mask,
 * ATTRIBUTES {@code 11…00} under mask {@code FBFF…FF0000…00}. MRSIGNER is given at creation;
 * validity and tcbEvaluationDataNumber must be set.
 */
public final class QeIdentityBuilder {
  private final String id;
  private Instant issueDate;
  private Instant nextUpdate;
  private Long tcbEvaluationDataNumber;
  private String miscselect = "00000000";
  private String miscselectMask = "FFFFFFFF";
  private String attributes = "11000000000000000000000000000000";
  private String attributesMask = "FBFFFFFFFFFFFFFF0000000000000000";
  private String mrSigner;
  private int isvProdId;
  private final List<EnclaveLevelSpec> levels = new ArrayList<>();

  private QeIdentityBuilder(String id, String mrSigner, int isvProdId) {
    this.id = id;
    this.mrSigner = mrSigner;
    this.isvProdId = isvProdId;
  }

  /** Returns a builder for the SGX QE identity ({@code id} QE, ISVPRODID 1) of the QE signed by {@code mrSigner}. */
  public static QeIdentityBuilder qe(Bytes mrSigner) {
    return new QeIdentityBuilder("QE", mrSigner.hex().toUpperCase(Locale.ROOT), 1);
  }

  /** Returns a builder for the TD QE identity ({@code id} TD_QE, ISVPRODID 2) of the TD QE signed by {@code mrSigner}. */
  public static QeIdentityBuilder tdQe(Bytes mrSigner) {
    return new QeIdentityBuilder("TD_QE", mrSigner.hex().toUpperCase(Locale.ROOT), 2);
  }

  /** Sets issueDate and nextUpdate. */
  public QeIdentityBuilder validity(Instant issueDate, Instant nextUpdate) {
    this.issueDate = Objects.requireNonNull(issueDate);
    this.nextUpdate = Objects.requireNonNull(nextUpdate);
    return this;
  }

  /** Sets tcbEvaluationDataNumber. */
  public QeIdentityBuilder tcbEvaluationDataNumber(long n) {
    this.tcbEvaluationDataNumber = n;
    return this;
  }

  /** Sets MISCSELECT and its mask (hex, report byte order). */
  public QeIdentityBuilder miscselect(String value, String mask) {
    this.miscselect = value;
    this.miscselectMask = mask;
    return this;
  }

  /** Sets ATTRIBUTES and its mask (hex, report byte order). */
  public QeIdentityBuilder attributes(String value, String mask) {
    this.attributes = value;
    this.attributesMask = mask;
    return this;
  }

  /** Sets MRSIGNER (hex). */
  public QeIdentityBuilder mrSigner(String hex) {
    this.mrSigner = hex;
    return this;
  }

  /** Sets ISVPRODID. */
  public QeIdentityBuilder isvProdId(int v) {
    this.isvProdId = v;
    return this;
  }

  /** Adds a TCB level (written in the order added). */
  public QeIdentityBuilder level(EnclaveLevelSpec level) {
    levels.add(Objects.requireNonNull(level));
    return this;
  }

  /** Returns the compact JSON text of the {@code enclaveIdentity} object; validity and evaluation number must be set. */
  public String toJson() {
    if (issueDate == null || tcbEvaluationDataNumber == null) {
      throw new IllegalStateException("QeIdentityBuilder: validity and tcbEvaluationDataNumber must be set");
    }
    return JsonBuilder.object()
        .put("id", id)
        .put("version", 2)
        .put("issueDate", issueDate.toString())
        .put("nextUpdate", nextUpdate.toString())
        .put("tcbEvaluationDataNumber", tcbEvaluationDataNumber.longValue())
        .put("miscselect", miscselect)
        .put("miscselectMask", miscselectMask)
        .put("attributes", attributes)
        .put("attributesMask", attributesMask)
        .put("mrsigner", mrSigner)
        .put("isvprodid", isvProdId)
        .put("tcbLevels", levels(levels))
        .toString();
  }

  static JsonArray levels(List<EnclaveLevelSpec> levels) {
    List<JsonValue> out = new ArrayList<>();
    for (EnclaveLevelSpec l : levels) {
      JsonBuilder b =
          JsonBuilder.object()
              .put("tcb", JsonBuilder.object().put("isvsvn", l.isvSvn()).build())
              .put("tcbDate", l.tcbDate().toString())
              .put("tcbStatus", l.tcbStatus());
      if (!l.advisoryIds().isEmpty()) {
        b.putStrings("advisoryIDs", l.advisoryIds());
      }
      out.add(b.build());
    }
    return new JsonArray(out);
  }
}
