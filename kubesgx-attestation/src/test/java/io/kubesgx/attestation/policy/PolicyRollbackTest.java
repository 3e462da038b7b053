package io.kubesgx.attestation.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.attestation.AttestationType;
import io.kubesgx.attestation.http.ApiResponse;
import io.kubesgx.attestation.http.ApiRouter;
import io.kubesgx.attestation.http.Metrics;
import io.kubesgx.attestation.service.AttestationService;
import io.kubesgx.attestation.token.KeyGenerator;
import io.kubesgx.attestation.token.KeyRing;
import io.kubesgx.attestation.token.SigningAlgorithm;
import io.kubesgx.attestation.token.SigningKey;
import io.kubesgx.attestation.token.TokenIssuer;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.testing.MutableClock;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.TrustAnchors;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Policy replay through the MAA routes in the Isolated model (signed policies only, no token). */
class PolicyRollbackTest {
  static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");
  static final String V1 = "version=1.0; authorizationrules { => permit(); }; issuancerules { c:[type==\"x-ms-sgx-svn\"] => issue(type=\"v\", value=1); };";
  static final String V2 = "version=1.0; authorizationrules { => permit(); }; issuancerules { c:[type==\"x-ms-sgx-svn\"] => issue(type=\"v\", value=2); };";

  static ApiRouter router(JdbcPolicyStore store, SigningKey signer, Optional<String> adminToken, MutableClock clock) throws Exception {
    AttestationService service = AttestationService.builder()
        .verifier(QuoteVerifier.newBuilder().trustAnchors(TrustAnchors.intelOnly()).build())
        .collateral(q -> {
          throw new AssertionError("no attestation here");
        })
        .policyStore(store)
        .policyAuthorizer(new PolicyAuthorizer(List.of(signer.certificate()), adminToken))
        .tokenIssuer(new TokenIssuer(KeyRing.inMemory(SigningAlgorithm.RS256, "CN=test", clock, Duration.ofDays(365)),
            URI.create("https://attest.example/certs")))
        .issuerUrl("https://attest.example")
        .clock(clock)
        .build();
    return new ApiRouter(service, new Metrics());
  }

  static ApiResponse send(ApiRouter r, String method, String path, String body, String auth) {
    return r.handle("test-request", method, path, Map.of(), Optional.ofNullable(auth), body.getBytes(StandardCharsets.UTF_8));
  }

  static String text(ApiResponse r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  @Test
  void put_replayedOlderOrSameSignedDocument_409AndNewer200(@TempDir Path dir) throws Exception {
    MutableClock clock = new MutableClock(NOW);
    SigningKey signer = KeyGenerator.generate(SigningAlgorithm.RS256, "CN=policy signer", NOW, NOW);
    try (JdbcPolicyStore store = JdbcPolicyStore.open("jdbc:sqlite:" + dir.resolve("p.db"), null, null, clock);
        JdbcPolicyStore replica = JdbcPolicyStore.open("jdbc:sqlite:" + dir.resolve("p.db"), null, null, clock)) {
      ApiRouter a = router(store, signer, Optional.empty(), clock);
      ApiRouter b = router(replica, signer, Optional.empty(), clock);
      String old = PolicyDocumentTest.signed(signer, V1, NOW.getEpochSecond() - 60);
      String current = PolicyDocumentTest.signed(signer, V2, NOW.getEpochSecond());
      assertEquals(200, send(a, "PUT", "/policies/SgxEnclave", old, null).status());
      assertEquals(200, send(a, "PUT", "/policies/SgxEnclave", current, null).status());

      ApiResponse replayOld = send(b, "PUT", "/policies/SgxEnclave", old, null);
      assertEquals(409, replayOld.status(), text(replayOld));
      JsonObject err = Json.parseObject(text(replayOld)).object("error");
      assertEquals("PolicyNotNewer", err.string("code"));
      assertTrue(err.string("message").contains("not newer"), err.string("message"));
      assertEquals(409, send(b, "PUT", "/policies/SgxEnclave", current, null).status(), "the same document twice");
      assertEquals(V2, store.get(AttestationType.SGX_ENCLAVE).orElseThrow().text());

      // a signed reset raises the mark: the reset does not re-open the older documents
      clock.advance(Duration.ofSeconds(10));
      String reset = PolicyDocumentTest.signed(signer, null, clock.instant().getEpochSecond());
      assertEquals(200, send(b, "POST", "/policies/SgxEnclave:reset", reset, null).status());
      assertEquals(409, send(a, "PUT", "/policies/SgxEnclave", current, null).status());
      assertEquals(409, send(a, "POST", "/policies/SgxEnclave:reset", reset, null).status(), "a replayed reset");
      clock.advance(Duration.ofSeconds(10));
      String newer = PolicyDocumentTest.signed(signer, V1, clock.instant().getEpochSecond());
      assertEquals(200, send(a, "PUT", "/policies/SgxEnclave", newer, null).status());

      List<PolicyAuditEntry> log = store.auditEntries();
      assertEquals(4, log.size(), log.toString());
      String thumb = PolicyAuthorizer.thumbprint(signer.certificate());
      for (PolicyAuditEntry e : log) {
        assertEquals(Optional.of(PolicyChange.ANONYMOUS), e.sender(), "nobody authenticated the sender: " + e);
        assertEquals(Optional.of(thumb), e.signer());
      }
    }
  }

  @Test
  void put_signedDocumentWithAdminToken_auditNamesTokenAsSenderAndSignerApart(@TempDir Path dir) throws Exception {
    MutableClock clock = new MutableClock(NOW);
    SigningKey signer = KeyGenerator.generate(SigningAlgorithm.RS256, "CN=policy signer", NOW, NOW);
    String token = "0123456789abcdef0123456789abcdef";
    try (JdbcPolicyStore store = JdbcPolicyStore.open("jdbc:sqlite:" + dir.resolve("p.db"), null, null, clock)) {
      ApiRouter a = router(store, signer, Optional.of(token), clock);
      assertEquals(200, send(a, "PUT", "/policies/SgxEnclave", PolicyDocumentTest.signed(signer, V1, NOW.getEpochSecond()),
          "Bearer " + token).status());
      assertEquals(200, send(a, "PUT", "/policies/SgxEnclave", PolicyDocumentTest.signed(signer, V2, NOW.getEpochSecond() + 1),
          "Bearer wrong").status());
      List<PolicyAuditEntry> log = store.auditEntries();
      assertEquals(Optional.of("admin-token"), log.get(0).sender());
      assertEquals(Optional.of("anonymous"), log.get(1).sender(), "a wrong token is not an authenticated sender");
      assertEquals(Optional.of(PolicyAuthorizer.thumbprint(signer.certificate())), log.get(1).signer());
      assertEquals(Optional.of(NOW.plusSeconds(1)), log.get(1).signedAt());
    }
  }
}
