package io.kubesgx.enclave.sim;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * The five 16-byte CPU base keys EGETKEY derives from, one per KEYNAME.
 *
 * <p>{@link #intelSdkSimulation()} returns the constants of Intel's SDK simulation mode ({@code
 * enclave-measurement.md} §5.1, {@code sdk/simulation/tinst/deriv.cpp}); {@link #random} makes a
 * per-platform set. {@link #toString()} never prints key material.
 *
 * @param seal base key of KEYNAME SEAL
 * @param report base key of KEYNAME REPORT
 * @param einitToken base key of KEYNAME EINITTOKEN
 * @param provision base key of KEYNAME PROVISION
 * @param provisionSeal base key of KEYNAME PROVISION_SEAL
 */
public record BaseKeys(Bytes seal, Bytes report, Bytes einitToken, Bytes provision, Bytes provisionSeal) {
  /** Size of the {@link #toBytes()} encoding: five 16-byte keys. */
  public static final int SIZE = 80;

  /** Checks that every key is 16 bytes. */
  public BaseKeys {
    check("seal", seal);
    check("report", report);
    check("einitToken", einitToken);
    check("provision", provision);
    check("provisionSeal", provisionSeal);
  }

  /** Returns Intel's SDK simulation-mode base keys (the same on every machine: no secrecy at all). */
  public static BaseKeys intelSdkSimulation() {
    return new BaseKeys(
        hex("00112233445566778899aabbccddeeff"),
        hex("ff00ff00ff00ff00ff00ff00ff00ff00"),
        hex("aa55aa55aa55aa55aa55aa55aa55aa55"),
        hex("bbaabbeeff0000ddbbaabbeeff0000dd"),
        Bytes.of("PROVISIONSEALKEY".getBytes(StandardCharsets.US_ASCII)));
  }

  /** Returns five fresh random keys, e.g. for a per-node simulated platform. */
  public static BaseKeys random(SecureRandom random) {
    byte[] b = new byte[SIZE];
    random.nextBytes(b);
    return fromArray(b);
  }

  /** Parses the 80-byte {@link #toBytes()} encoding. */
  public static BaseKeys parse(Bytes bytes) throws MalformedInputException {
    if (bytes.length() != SIZE) {
      throw new MalformedInputException("base keys must be exactly " + SIZE + " bytes (five 16-byte keys), got "
          + bytes.length());
    }
    return fromArray(bytes.toByteArray());
  }

  /** Returns the keys concatenated in component order: seal, report, EINITTOKEN, provision, provision seal. */
  public Bytes toBytes() {
    return seal.concat(report).concat(einitToken).concat(provision).concat(provisionSeal);
  }

  @Override
  public String toString() {
    return "BaseKeys[redacted]";
  }

  private static BaseKeys fromArray(byte[] b) {
    return new BaseKeys(Bytes.of(b, 0, 16), Bytes.of(b, 16, 16), Bytes.of(b, 32, 16), Bytes.of(b, 48, 16),
        Bytes.of(b, 64, 16));
  }

  private static void check(String what, Bytes key) {
    if (key.length() != 16) {
      throw new IllegalArgumentException(what + " base key must be 16 bytes, got " + key.length());
    }
  }

  private static Bytes hex(String h) {
    try {
      return Bytes.fromHex(h);
    } catch (MalformedInputException e) {
      throw new IllegalStateException(e);
    }
  }
}
