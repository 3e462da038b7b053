package io.kubesgx.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cached collateral from another simulated platform, or poisoned on disk, must not break attestation. */
class CollateralCacheSourceTest {
  static final HttpClient HTTP = HttpClient.newHttpClient();

  /** The options the CLI uses by default: the collateral cache under the state directory. */
  static ServerOptions options(Path state, Path platform) {
    ServerOptions o = ServerOptions.defaults(0, state).withSim(platform);
    return new ServerOptions(o.host(), o.port(), o.publicUrl(), o.simPlatform(), o.pcsUrl(), o.pcsApiKey(),
        Optional.of(state.resolve("collateral")), o.collateralBundles(), o.offline(), o.extraTrustRoots(), o.stateDirectory(),
        o.databaseUrl(), o.databaseUser(), o.databasePassword(), o.keysDirectory(), o.keysReadOnly(), o.signingAlgorithm(),
        o.keyRotation(), o.tokenLifetime(), o.policySigners(), o.adminToken(), o.tlsCert(), o.tlsKey(), o.workers(), o.queue(),
        o.httpLimits());
  }

  static HttpResponse<String> attest(AttestationServer server, SimQuotes sim) throws Exception {
    byte[] runtime = {1, 2, 3};
    String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(sim.quote(runtime, false));
    String body = "{\"quote\":\"" + b64 + "\",\"runtimeData\":{\"data\":\""
        + Base64.getUrlEncoder().withoutPadding().encodeToString(runtime) + "\",\"dataType\":\"Binary\"}}";
    return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/attest/SgxEnclave"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The single cache file under the state directory's collateral cache. */
  static Path cacheFile(Path state) throws Exception {
    try (Stream<Path> s = Files.walk(state.resolve("collateral"))) {
      List<Path> files = s.filter(p -> p.getFileName().toString().endsWith(".json")).toList();
      assertEquals(1, files.size(), files.toString());
      return files.get(0);
    }
  }

  @Test
  void attest_simAThenSimBWithOneStateDirectory_bothSucceed(@TempDir Path dir) throws Exception {
    Path state = dir.resolve("state");
    SimQuotes a = new SimQuotes(dir.resolve("a"), Clock.systemUTC());
    SimQuotes b = new SimQuotes(dir.resolve("b"), Clock.systemUTC());
    try (AttestationServer s = AttestationServer.start(options(state, dir.resolve("a")), Clock.systemUTC())) {
      HttpResponse<String> r = attest(s, a);
      assertEquals(200, r.statusCode(), r.body());
    }
    try (AttestationServer s = AttestationServer.start(options(state, dir.resolve("b")), Clock.systemUTC())) {
      HttpResponse<String> r = attest(s, b);
      assertEquals(200, r.statusCode(), r.body());
    }
  }

  @Test
  void attest_poisonedCacheFile_refetchedOnceAndAttestationSucceeds(@TempDir Path dir) throws Exception {
    SimQuotes a = new SimQuotes(dir.resolve("a"), Clock.systemUTC());
    SimQuotes b = new SimQuotes(dir.resolve("b"), Clock.systemUTC());
    Path stateA = dir.resolve("state-a");
    Path stateB = dir.resolve("state-b");
    try (AttestationServer s = AttestationServer.start(options(stateA, dir.resolve("a")), Clock.systemUTC())) {
      assertEquals(200, attest(s, a).statusCode());
    }
    try (AttestationServer s = AttestationServer.start(options(stateB, dir.resolve("b")), Clock.systemUTC())) {
      assertEquals(200, attest(s, b).statusCode());
    }
    // B's cache entry now holds A's collateral (same FMSPC, other PKI): what a bad body once leaves behind
    byte[] foreign = Files.readAllBytes(cacheFile(stateA));
    Files.write(cacheFile(stateB), foreign);
    try (AttestationServer s = AttestationServer.start(options(stateB, dir.resolve("b")), Clock.systemUTC())) {
      HttpResponse<String> r = attest(s, b);
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(200, attest(s, b).statusCode());
    }
    assertFalse(Arrays.equals(foreign, Files.readAllBytes(cacheFile(stateB))), "the refetched set replaced the poisoned file");
  }
}
