package io.kubesgx.sdk.attestation;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Data the enclave binds into its quote (the first 32 bytes of REPORTDATA are its SHA-256) and
 * sends along for the attestation service to check and echo into the token.
 *
 * @param data the raw bytes as sent (base64url-encoded on the wire)
 * @param dataType how the service treats them: {@code Binary} (echoed as {@code x-ms-sgx-ehd}) or
 *     {@code JSON} (parsed into {@code x-ms-runtime})
 */
public record RuntimeData(Bytes data, DataType dataType) {
  /** How the attestation service interprets the data (MAA's {@code dataType}). */
  public enum DataType {
    /** Opaque bytes; wire name {@code Binary}. */
    BINARY("Binary"),
    /** UTF-8 JSON text; wire name {@code JSON}. */
    JSON("JSON");

    private final String wireName;

    DataType(String wireName) {
      this.wireName = wireName;
    }

    /** Returns the name used in MAA requests. */
    public String wireName() {
      return wireName;
    }
  }

  /** Creates runtime data; JSON data must be UTF-8 JSON text. */
  public RuntimeData {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(dataType, "dataType");
    if (dataType == DataType.JSON) {
      try {
        Json.parse(new String(data.toByteArray(), StandardCharsets.UTF_8));
      } catch (MalformedInputException e) {
        throw new IllegalArgumentException("runtime data of type JSON is not valid JSON: " + e.getMessage(), e);
      }
    }
  }

  /** Returns binary runtime data holding a copy of {@code data}. */
  public static RuntimeData binary(byte[] data) {
    return new RuntimeData(Bytes.of(data), DataType.BINARY);
  }

  /** Returns JSON runtime data holding the UTF-8 bytes of {@code jsonText}. */
  public static RuntimeData json(String jsonText) {
    return new RuntimeData(Bytes.of(jsonText.getBytes(StandardCharsets.UTF_8)), DataType.JSON);
  }

  /**
   * Returns the 64-byte REPORTDATA that binds this data: SHA-256(data) followed by 32 zero bytes, as
   * MAA checks it.
   */
  public byte[] reportData() {
    return data.sha256().concat(Bytes.zeros(32)).toByteArray();
  }
}
