package io.kubesgx.keybroker.secretprov;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Gramine's secret-provisioning wire format (Gramine v1.9 {@code tools/sgx/ra-tls/secret_prov_common.h},
 * {@code secret_prov_verify.c}, {@code secret_prov_attest.c}), after the mutual-TLS handshake: the
 * client sends the request string with its terminating NUL; the server answers the response string
 * with its NUL, the secret's size as a 4-byte big-endian unsigned integer, and the secret.
 */
final class SecretProvWire {
  /** The request the client sends: {@code SECRET_PROVISION_RA_TLS_REQUEST_V1} and a NUL (35 bytes). */
  private static final byte[] REQUEST = nulTerminated("SECRET_PROVISION_RA_TLS_REQUEST_V1");
  /** The response prefix: {@code SECRET_PROVISION_RA_TLS_RESPONSE_V1:} and a NUL (37 bytes). */
  private static final byte[] RESPONSE = nulTerminated("SECRET_PROVISION_RA_TLS_RESPONSE_V1:");
  /** Bytes of the request the server reads, exactly (spec: the server reads sizeof(request) bytes). */
  static final int REQUEST_SIZE = REQUEST.length;
  /** Bytes of the response header: prefix with NUL, then the uint32 size. */
  static final int RESPONSE_HEADER_SIZE = RESPONSE.length + 4;

  private SecretProvWire() {}

  private static byte[] nulTerminated(String s) {
    return Arrays.copyOf(s.getBytes(StandardCharsets.US_ASCII), s.length() + 1);
  }

  /** Returns whether {@code request} is exactly the 35-byte request, NUL included. */
  static boolean isRequest(byte[] request) {
    return Arrays.equals(REQUEST, request);
  }

  /** Returns the response header for a secret of {@code size} bytes (spec: size in network byte order). */
  static byte[] responseHeader(int size) {
    if (size <= 0) {
      throw new IllegalArgumentException("Gramine's client refuses an empty secret");
    }
    byte[] h = Arrays.copyOf(RESPONSE, RESPONSE_HEADER_SIZE);
    h[RESPONSE.length] = (byte) (size >>> 24);
    h[RESPONSE.length + 1] = (byte) (size >>> 16);
    h[RESPONSE.length + 2] = (byte) (size >>> 8);
    h[RESPONSE.length + 3] = (byte) size;
    return h;
  }
}
