package io.kubesgx.keybroker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSObject;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.keybroker.store.KeyStore;
import io.kubesgx.keybroker.wrap.KeyExportEncryption;
import io.kubesgx.keybroker.wrap.RsaAesKeyWrap;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many releases of the same key at once: each is answered 200 with the same key, and each is audited once. */
class ConcurrentReleaseTest {
  private static final String ADMIN = "key-broker-admin-token-0123456789abcdef-xyz";
  private static final int RELEASES = 24;

  @Test
  void release_sameKeyFromManyClientsAtOnce_allSucceedWithSameKeyAndAuditChainIntact(@TempDir Path dir) throws Exception {
    try (Enclaves enclaves = Enclaves.start(dir.resolve("enclaves"));
        KeyBrokerServer broker = KeyBrokerServer.start(
            KeyBrokerServer.Options.local(0, dir.resolve("broker"), ADMIN, List.of(enclaves.issuer())), Clock.systemUTC())) {
      String policy = Base64.getEncoder().encodeToString(("{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\""
          + enclaves.issuer() + "\",\"allOf\":[{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":false}]}]}")
          .getBytes(StandardCharsets.UTF_8));
      HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create(broker.baseUrl() + "/keys/shared/create?api-version=7.5")).header("Authorization", "Bearer " + ADMIN)
          .POST(HttpRequest.BodyPublishers.ofString("{\"kty\":\"oct-HSM\",\"key_size\":256,\"attributes\":{\"exportable\":true},"
              + "\"release_policy\":{\"data\":\"" + policy + "\"}}")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, created.statusCode(), created.body());
      java.security.KeyPair transfer = Enclaves.transferKey();
      String token = enclaves.token(transfer, false, Enclaves.MRSIGNER, 3);
      long auditBefore = broker.store().verifyAudit().entries();
      // HTTP/1.1: one connection per request, so the requests really arrive together.
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest release = HttpRequest.newBuilder(URI.create(broker.baseUrl() + "/keys/shared/release?api-version=7.5"))
          .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"target\":\"" + token + "\",\"enc\":\"RSA_AES_KEY_WRAP_256\"}")).build();
      ExecutorService pool = Executors.newFixedThreadPool(RELEASES);
      List<Future<HttpResponse<String>>> answers = new ArrayList<>();
      try {
        for (int i = 0; i < RELEASES; i++) {
          answers.add(pool.submit(() -> http.send(release, HttpResponse.BodyHandlers.ofString())));
        }
        byte[] first = null;
        for (Future<HttpResponse<String>> f : answers) {
          HttpResponse<String> r = f.get();
          assertEquals(200, r.statusCode(), r.body());
          byte[] key = unwrap(r.body(), transfer);
          if (first == null) {
            first = key;
          }
          assertArrayEquals(first, key, "every release carries the same key");
        }
      } finally {
        pool.shutdownNow();
      }
      KeyStore.AuditCheck check = broker.store().verifyAudit();
      assertTrue(check.intact(), check.problem());
      assertEquals(auditBefore + RELEASES, check.entries(), "one audit entry per release");
    }
  }

  private static byte[] unwrap(String body, java.security.KeyPair transfer) throws Exception {
    JWSObject jws = JWSObject.parse(Json.parseObject(body).string("value"));
    JsonObject key = Json.parseObject(jws.getPayload().toString()).object("response").object("key");
    JsonObject keyHsm = Json.parseObject(new String(Base64.getUrlDecoder().decode(key.object("key").string("key_hsm")),
        StandardCharsets.UTF_8));
    return RsaAesKeyWrap.unwrap((RSAPrivateKey) transfer.getPrivate(), KeyExportEncryption.RSA_AES_KEY_WRAP_256,
        Base64.getUrlDecoder().decode(keyHsm.string("ciphertext")));
  }
}
