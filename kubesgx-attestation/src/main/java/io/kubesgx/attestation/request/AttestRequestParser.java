package io.kubesgx.attestation.request;

import io.kubesgx.attestation.ApiError;
import io.kubesgx.attestation.AttestationType;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.attestation.claims.ClaimNames;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * Parses the JSON body of {@code POST /attest/SgxEnclave} and {@code /attest/OpenEnclave} as MAA
 * defines it. Every problem is an {@link ApiError} 400 naming the field; unknown fields are ignored
 * as MAA does.
 */
public final class AttestRequestParser {
  /** Largest decoded runtime or init-time data accepted. */
  public static final int MAX_DATA_BYTES = 64 * 1024;
  /** Largest quote accepted (Intel's quotes are a few KiB; the largest certification chains ~8 KiB). */
  public static final int MAX_QUOTE_BYTES = 128 * 1024;
  /** Largest draft policy accepted. */
  public static final int MAX_POLICY_CHARS = 64 * 1024;
  /** Largest nonce accepted. */
  public static final int MAX_NONCE_CHARS = 1024;
  /** Size of Open Enclave's {@code oe_report_header_t}. */
  public static final int OE_HEADER_SIZE = 16;
  /** {@code OE_REPORT_TYPE_SGX_REMOTE}. */
  public static final int OE_REPORT_TYPE_SGX_REMOTE = 2;

  private AttestRequestParser() {}

  /** Parses a request body for {@code type}. */
  public static AttestRequest parse(AttestationType type, byte[] body) throws ApiError {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(body))
              .toString();
    } catch (CharacterCodingException e) {
      throw ApiError.badRequest("InvalidRequest", "the request body is not UTF-8 text");
    }
    JsonObject o;
    try {
      o = Json.parseObject(text);
    } catch (MalformedInputException e) {
      throw ApiError.badRequest("InvalidRequest", "the request body is not a JSON object: " + e.getMessage());
    }
    String evidenceField = type == AttestationType.OPEN_ENCLAVE ? "report" : "quote";
    Bytes evidence = base64Field(o, evidenceField, MAX_QUOTE_BYTES)
        .orElseThrow(() -> ApiError.badRequest("InvalidRequest",
            "the request has no \"" + evidenceField + "\" (base64url of the "
                + (type == AttestationType.OPEN_ENCLAVE ? "Open Enclave report" : "DCAP quote") + ")"));
    Bytes quote = type == AttestationType.OPEN_ENCLAVE ? stripOpenEnclaveHeader(evidence) : evidence;
    Optional<RuntimeData> runtime = data(o, "runtimeData");
    Optional<RuntimeData> init = data(o, "initTimeData");
    Optional<String> draft = stringField(o, "draftPolicyForAttestation", MAX_POLICY_CHARS);
    Optional<String> nonce = stringField(o, "nonce", MAX_NONCE_CHARS);
    return new AttestRequest(type, quote, runtime, init, draft.filter(s -> !s.isEmpty()), nonce);
  }

  /**
   * Removes Open Enclave's 16-byte report header (version 1, type SGX remote, size of the rest)
   * and returns the DCAP quote that follows.
   */
  public static Bytes stripOpenEnclaveHeader(Bytes report) throws ApiError {
    if (report.length() < OE_HEADER_SIZE) {
      throw ApiError.badRequest("InvalidReport",
          "the Open Enclave report has " + report.length() + " bytes, fewer than its 16-byte header");
    }
    ByteBuffer b = ByteBuffer.wrap(report.slice(0, OE_HEADER_SIZE).toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
    int version = b.getInt();
    int reportType = b.getInt();
    long size = b.getLong();
    if (version != 1) {
      throw ApiError.badRequest("InvalidReport", "Open Enclave report header version " + Integer.toUnsignedString(version)
          + " is not supported (expected 1)");
    }
    if (reportType != OE_REPORT_TYPE_SGX_REMOTE) {
      throw ApiError.badRequest("InvalidReport", "Open Enclave report type " + Integer.toUnsignedString(reportType)
          + " is not a remote SGX report (expected 2, OE_REPORT_TYPE_SGX_REMOTE)");
    }
    if (size != report.length() - OE_HEADER_SIZE) {
      throw ApiError.badRequest("InvalidReport", "Open Enclave report header says " + Long.toUnsignedString(size)
          + " bytes follow, but " + (report.length() - OE_HEADER_SIZE) + " do");
    }
    return report.slice(OE_HEADER_SIZE, report.length());
  }

  private static Optional<RuntimeData> data(JsonObject o, String field) throws ApiError {
    JsonValue v = o.get(field);
    if (v == null || v instanceof JsonValue.JsonNull) {
      return Optional.empty();
    }
    if (!(v instanceof JsonObject d)) {
      throw ApiError.badRequest("InvalidRequest",
          "\"" + field + "\" must be an object {\"data\": base64url, \"dataType\": \"Binary\"|\"JSON\"}");
    }
    Bytes data = base64Field(d, "data", MAX_DATA_BYTES)
        .orElseThrow(() -> ApiError.badRequest("InvalidRequest", "\"" + field + ".data\" is missing"));
    Optional<String> typeName = stringField(d, "dataType", 16);
    RuntimeData.DataType dataType = RuntimeData.DataType.BINARY;
    if (typeName.isPresent()) {
      dataType = switch (typeName.get().toLowerCase(Locale.ROOT)) {
        case "binary" -> RuntimeData.DataType.BINARY;
        case "json" -> RuntimeData.DataType.JSON;
        default -> throw ApiError.badRequest("InvalidRequest",
            "\"" + field + ".dataType\" is \"" + typeName.get() + "\"; use \"Binary\" or \"JSON\"");
      };
    }
    if (dataType == RuntimeData.DataType.BINARY) {
      return Optional.of(new RuntimeData(data, dataType, Optional.empty()));
    }
    try {
      String json = StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(data.toByteArray()))
          .toString();
      return Optional.of(new RuntimeData(data, dataType, Optional.of(Json.parse(json, ClaimNames.MAX_RUNTIME_DEPTH))));
    } catch (CharacterCodingException | MalformedInputException e) {
      throw ApiError.badRequest("InvalidRequest",
          "\"" + field + ".data\" has dataType JSON but is not a JSON document (at most " + ClaimNames.MAX_RUNTIME_DEPTH
              + " nested objects and arrays, so that the token claim holding it stays readable): " + e.getMessage());
    }
  }

  private static Optional<String> stringField(JsonObject o, String field, int maxChars) throws ApiError {
    JsonValue v = o.get(field);
    if (v == null || v instanceof JsonValue.JsonNull) {
      return Optional.empty();
    }
    if (!(v instanceof JsonValue.JsonString js)) {
      throw ApiError.badRequest("InvalidRequest", "\"" + field + "\" must be a string");
    }
    String s = js.value();
    if (s.length() > maxChars) {
      throw ApiError.badRequest("InvalidRequest", "\"" + field + "\" has " + s.length()
          + " characters; at most " + maxChars + " are accepted");
    }
    return Optional.of(s);
  }

  private static Optional<Bytes> base64Field(JsonObject o, String field, int maxBytes) throws ApiError {
    Optional<String> s = stringField(o, field, (maxBytes / 3 + 2) * 4 + 4);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Bytes.of(decodeBase64Url(s.get())));
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("InvalidRequest", "\"" + field + "\" is not base64url: " + e.getMessage());
    }
  }

  /**
   * Decodes base64url with or without padding; the standard alphabet ({@code +}, {@code /}) is
   * accepted too, since the two cannot be confused.
   */
  public static byte[] decodeBase64Url(String s) {
    String t = s.trim();
    if (t.indexOf('+') >= 0 || t.indexOf('/') >= 0) {
      if (t.indexOf('-') >= 0 || t.indexOf('_') >= 0) {
        throw new IllegalArgumentException("mixes the base64 and base64url alphabets");
      }
      return Base64.getDecoder().decode(t);
    }
    return Base64.getUrlDecoder().decode(t);
  }
}
