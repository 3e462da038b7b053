package io.kubesgx.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import io.kubesgx.attestation.policy.PolicyDocument;
import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.common.json.Json;
import io.kubesgx.testing.PostgresFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas behind one Service: shared PostgreSQL for policies, shared signing keys (one
 * replica's directory mounted read-only in the other, as a Secret would be), one issuer URL. Any
 * replica answers any request the same way.
 */
class ReplicasTest {
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static HttpResponse<String> send(String base, String method, String path, String body, String auth) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (auth != null) {
      b.header("Authorization", "Bearer " + auth);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void replicas_sharedPostgresAndKeys_policyChangeOnOneAppliesOnTheOtherAndTokensVerifyAnywhere(@TempDir Path dir) throws Exception {
    try (PostgresFixture pg = PostgresFixture.start()) {
      SimQuotes sim = new SimQuotes(dir.resolve("platform"), Clock.systemUTC());
      ServerOptions base = ServerOptions.defaults(0, dir.resolve("state-a")).withSim(dir.resolve("platform"))
          .withDatabase(pg.jdbcUrl(), pg.user()).withAdminToken("replicas-admin-token-0123456789abcdef").withKeys(dir.resolve("keys"), false)
          .withPublicUrl("https://attest.example");
      try (AttestationServer a = AttestationServer.start(base, Clock.systemUTC());
          AttestationServer b = AttestationServer.start(
              base.withKeys(dir.resolve("keys"), true), Clock.systemUTC())) {
        String aUrl = "http://127.0.0.1:" + a.port();
        String bUrl = "http://127.0.0.1:" + b.port();
        byte[] runtime = new byte[] {9};
        String body = "{\"quote\":\"" + Base64.getUrlEncoder().encodeToString(sim.quote(runtime, false))
            + "\",\"runtimeData\":{\"data\":\"" + Base64.getUrlEncoder().encodeToString(runtime) + "\",\"dataType\":\"Binary\"}}";
        HttpResponse<String> fromA = send(aUrl, "POST", "/attest/SgxEnclave", body, null);
        assertEquals(200, fromA.statusCode(), fromA.body());
        SignedJWT t = SignedJWT.parse(Json.parseObject(fromA.body()).string("token"));
        assertEquals("https://attest.example", t.getJWTClaimsSet().getIssuer());
        JWKSet jwksB = JWKSet.parse(send(bUrl, "GET", "/certs", null, null).body());
        assertTrue(t.verify(new RSASSAVerifier((RSAKey) jwksB.getKeyByKeyId(t.getHeader().getKeyID()))),
            "a token from replica A verifies with replica B's JWKS");

        String deny = PolicyDocument.unsignedJws("version=1.0; authorizationrules { [type==\"x-ms-sgx-svn\", value>=100] => permit(); }; issuancerules { };");
        assertEquals(200, send(aUrl, "PUT", "/policies/SgxEnclave", deny, "replicas-admin-token-0123456789abcdef").statusCode());
        Thread.sleep(1200); // replicas re-check the policy version at most once a second
        HttpResponse<String> fromB = send(bUrl, "POST", "/attest/SgxEnclave", body, null);
        assertEquals(400, fromB.statusCode(), fromB.body());
        assertTrue(fromB.body().contains("PolicyDenied"), fromB.body());
        assertEquals(200, send(bUrl, "POST", "/policies/SgxEnclave:reset", "", "replicas-admin-token-0123456789abcdef").statusCode());
        Thread.sleep(1200);
        assertEquals(200, send(aUrl, "POST", "/attest/SgxEnclave", body, null).statusCode());
      }
    }
  }
}
