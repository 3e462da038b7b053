package io.kubesgx.sdk.secret;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.sdk.attestation.AttestationClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.util.List;
import java.util.Optional;

/**
 * Fuzzes what {@link SecretClient} reads from a broker: the release answer as raw bytes, a payload
 * correctly signed by the pinned signer (so the payload, {@code key_hsm} and unwrap parsing are
 * reached), and error bodies. Property: a {@link ReleasedKey} or a {@link SecretException}, nothing
 * else.
 */
class SecretClientFuzzTest {
  private static final URI BROKER = URI.create("http://127.0.0.1:9/");
  private static final KeyPair SIGNER;
  private static final X509Certificate CERT;
  private static final KeyPair TRANSFER;
  private static final SecretClient CLIENT;

  static {
    try {
      SIGNER = FakeBroker.rsa();
      CERT = FakeBroker.selfSigned(SIGNER, "CN=fuzz signer");
      TRANSFER = FakeBroker.rsa();
      AttestationClient a = AttestationClient.newBuilder(BROKER).insecureAllowPlainHttp().build();
      CLIENT = SecretClient.newBuilder(BROKER, a, SignerTrust.pinned(List.of(CERT))).insecureAllowPlainHttp().build();
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static void check(byte[] answer) {
    try {
      assertNotNull(CLIENT.verifyAndUnwrap(answer, "k", Optional.empty(), (RSAPrivateKey) TRANSFER.getPrivate(), BROKER));
    } catch (SecretException e) {
      assertNotNull(e.reason());
    }
  }

  @FuzzTest(maxDuration = "30s")
  void releaseAnswer(byte[] data) {
    check(data);
  }

  @FuzzTest(maxDuration = "30s")
  void signedPayload(byte[] data) throws Exception {
    JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.RS256).x509CertChain(List.of(Base64.encode(CERT.getEncoded())))
        .build(), new Payload(data));
    jws.sign(new RSASSASigner(SIGNER.getPrivate()));
    check(JsonBuilder.object().put("value", jws.serialize()).toString().getBytes(StandardCharsets.UTF_8));
  }

  @FuzzTest(maxDuration = "30s")
  void errorBody(byte[] data) {
    int status = data.length == 0 ? 403 : 400 + (data[0] & 0x7f);
    assertNotNull(SecretClient.error(status, data, BROKER).reason());
    assertNotNull(KbsClient.error(status, data, BROKER, KbsClient.Step.RESOURCE).reason());
  }
}
