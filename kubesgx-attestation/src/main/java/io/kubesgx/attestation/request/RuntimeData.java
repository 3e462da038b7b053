package io.kubesgx.attestation.request;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.json.JsonValue;
import java.util.Objects;
import java.util.Optional;

/**
 * Runtime or init-time data sent with a quote: the decoded bytes and how to interpret them.
 *
 * @param data the decoded bytes whose SHA-256 the enclave bound
 * @param dataType BINARY or JSON
 * @param json the parsed JSON when {@code dataType} is JSON
 */
public record RuntimeData(Bytes data, DataType dataType, Optional<JsonValue> json) {
  /** How the data is to be interpreted, with MAA's spelling. */
  public enum DataType {
    /** Opaque bytes, echoed as {@code x-ms-sgx-ehd}. */
    BINARY("Binary"),
    /** A JSON document, parsed into {@code x-ms-runtime} / {@code x-ms-inittime}. */
    JSON("JSON");

    private final String wireName;

    DataType(String wireName) {
      this.wireName = wireName;
    }

    /** Returns MAA's spelling. */
    public String wireName() {
      return wireName;
    }
  }

  /** Checks that JSON data carries its parsed form and binary data none. */
  public RuntimeData {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(dataType, "dataType");
    Objects.requireNonNull(json, "json");
    if ((dataType == DataType.JSON) != json.isPresent()) {
      throw new IllegalArgumentException("JSON data needs its parsed form, binary data none");
    }
  }
}
