package io.kubesgx.keybroker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSObject;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.keybroker.store.Envelope;
import io.kubesgx.keybroker.store.KeyStore;
import io.kubesgx.keybroker.wrap.KeyExportEncryption;
import io.kubesgx.keybroker.wrap.RsaAesKeyWrap;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KEK rotation without downtime: the KEK files change under a running broker, it reloads them, the
 * data keys are re-wrapped while releases keep being served (all succeed), and afterwards the old KEK
 * is dropped and every key still releases to the same material.
 */
class KekRotationReleaseTest {
  private static final String ADMIN = "key-broker-admin-token-0123456789abcdef-xyz";
  private static final int KEYS = 30;

  @Test
  void rotateKek_whileReleasesRun_allReleasesSucceedAndOldKekCanBeRemoved(@TempDir Path dir) throws Exception {
    SecureRandom random = new SecureRandom();
    byte[] a = new byte[32];
    byte[] b = new byte[32];
    random.nextBytes(a);
    random.nextBytes(b);
    Path current = dir.resolve("kek");
    Path previous = dir.resolve("kek-previous");
    Files.write(current, a);
    Files.write(previous, a); // before rotation the "previous" slot holds the same KEK, as a Secret with two keys would
    try (Enclaves enclaves = Enclaves.start(dir.resolve("enclaves"));
        KeyBrokerServer broker = KeyBrokerServer.start(KeyBrokerServer.Options.local(0, dir.resolve("broker"), ADMIN,
            List.of(enclaves.issuer())).withKeks(current, List.of(previous)), Clock.systemUTC())) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String policy = Base64.getEncoder().encodeToString(("{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\""
          + enclaves.issuer() + "\",\"allOf\":[{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":false}]}]}")
          .getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < KEYS; i++) {
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(broker.baseUrl() + "/keys/k" + i
            + "/create?api-version=7.5")).header("Authorization", "Bearer " + ADMIN)
            .POST(HttpRequest.BodyPublishers.ofString("{\"kty\":\"oct-HSM\",\"key_size\":256,\"attributes\":{\"exportable\":true},"
                + "\"release_policy\":{\"data\":\"" + policy + "\"}}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, created.statusCode(), created.body());
      }
      KeyPair transfer = Enclaves.transferKey();
      String token = enclaves.token(transfer, false, Enclaves.MRSIGNER, 3);
      Map<Integer, byte[]> before = new ConcurrentHashMap<>();
      for (int i = 0; i < KEYS; i++) {
        before.put(i, release(http, broker, i, token, transfer));
      }
      assertEquals(Map.of(Envelope.kekId(a), (long) KEYS), broker.store().kekUsage(KeyStore.KEY_VERSIONS));

      // The new KEK arrives (a Secret update) and the broker reloads its ring: new current B, previous A.
      Files.write(current, b);
      assertEquals(Envelope.kekId(b), broker.reloadKeks());

      AtomicBoolean rotating = new AtomicBoolean(true);
      AtomicInteger served = new AtomicInteger();
      List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> clients = new ArrayList<>();
      try {
        for (int t = 0; t < 4; t++) {
          int offset = t;
          clients.add(pool.submit(() -> {
            int i = offset;
            while (rotating.get() || served.get() < 40) {
              int k = i++ % KEYS;
              try {
                if (!java.util.Arrays.equals(before.get(k), release(http, broker, k, token, transfer))) {
                  failures.add("k" + k + " released other material");
                }
                served.incrementAndGet();
              } catch (Exception | AssertionError e) {
                failures.add("k" + k + ": " + e.getMessage());
              }
            }
            return null;
          }));
        }
        KeyStore.Rotation r = broker.store().rotateKek(4, "test"); // 8 small transactions while releases run
        assertEquals(KEYS, r.rewrapped());
        assertEquals(Map.of(), r.remaining());
        rotating.set(false);
        for (Future<?> f : clients) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(List.of(), failures);
      assertTrue(served.get() >= 40, "releases ran during the rotation: " + served.get());

      // Remove the old KEK: the previous slot now holds B too; everything still opens.
      Files.write(previous, b);
      broker.reloadKeks();
      for (int i = 0; i < KEYS; i++) {
        assertArrayEquals(before.get(i), release(http, broker, i, token, transfer), "k" + i);
      }
      KeyStore.AuditCheck audit = broker.store().verifyAudit();
      assertTrue(audit.intact() && audit.checkpointVerified(), audit.toString());
    }
  }

  private static byte[] release(HttpClient http, KeyBrokerServer broker, int key, String token, KeyPair transfer) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(broker.baseUrl() + "/keys/k" + key + "/release?api-version=7.5"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"target\":\"" + token + "\",\"enc\":\"RSA_AES_KEY_WRAP_256\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    JWSObject jws = JWSObject.parse(Json.parseObject(r.body()).string("value"));
    JsonObject k = Json.parseObject(jws.getPayload().toString()).object("response").object("key");
    JsonObject keyHsm = Json.parseObject(new String(Base64.getUrlDecoder().decode(k.object("key").string("key_hsm")),
        StandardCharsets.UTF_8));
    return RsaAesKeyWrap.unwrap((RSAPrivateKey) transfer.getPrivate(), KeyExportEncryption.RSA_AES_KEY_WRAP_256,
        Base64.getUrlDecoder().decode(keyHsm.string("ciphertext")));
  }
}
