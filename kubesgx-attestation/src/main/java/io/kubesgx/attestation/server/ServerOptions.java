package io.kubesgx.attestation.server;

import io.kubesgx.attestation.token.SigningAlgorithm;
import io.kubesgx.http.HttpLimits;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Settings of an attestation service.
 *
 * @param host bind address
 * @param port port (0: any free port)
 * @param publicUrl what goes into {@code iss} and the discovery document (empty: {@code http(s)://127.0.0.1:PORT})
 * @param simPlatform a simulated platform directory: collateral from its PCS, its root trusted
 * @param pcsUrl the PCS or PCCS base URL (ignored with {@code simPlatform})
 * @param pcsApiKey Intel PCS subscription key, if any
 * @param collateralCache on-disk collateral cache directory, if any
 * @param collateralBundles offline bundles to import at start
 * @param offline never contact the PCS; serve only cache and bundles
 * @param extraTrustRoots additional root certificates (DER or PEM files) to trust besides Intel's
 * @param stateDirectory where the default database and keys live
 * @param databaseUrl JDBC URL (empty: SQLite in the state directory)
 * @param databaseUser database user
 * @param databasePassword database password
 * @param keysDirectory signing-key directory (empty: {@code STATE/keys})
 * @param keysReadOnly the key directory is a mounted Secret (no generation, no rotation here)
 * @param signingAlgorithm RS256 or ES256 for new keys
 * @param keyRotation rotate the signing key this often (empty: never automatically)
 * @param tokenLifetime default token lifetime
 * @param policySigners certificates whose signed policies are accepted
 * @param adminToken bearer token for unsigned policy changes
 * @param tlsCert PEM certificate chain for HTTPS
 * @param tlsKey PEM private key for HTTPS
 * @param workers worker threads
 * @param queue queued requests before 429
 * @param httpLimits connection, deadline and request-body bounds of the HTTP server
 */
public record ServerOptions(
    String host,
    int port,
    Optional<String> publicUrl,
    Optional<Path> simPlatform,
    URI pcsUrl,
    Optional<String> pcsApiKey,
    Optional<Path> collateralCache,
    List<Path> collateralBundles,
    boolean offline,
    List<Path> extraTrustRoots,
    Path stateDirectory,
    Optional<String> databaseUrl,
    Optional<String> databaseUser,
    Optional<String> databasePassword,
    Optional<Path> keysDirectory,
    boolean keysReadOnly,
    SigningAlgorithm signingAlgorithm,
    Optional<Duration> keyRotation,
    Duration tokenLifetime,
    List<Path> policySigners,
    Optional<String> adminToken,
    Optional<Path> tlsCert,
    Optional<Path> tlsKey,
    int workers,
    int queue,
    HttpLimits httpLimits) {

  /** Intel's PCS v4 base URL. */
  public static final URI INTEL_PCS = URI.create("https://api.trustedservices.intel.com");

  /** Copies the lists. */
  public ServerOptions {
    collateralBundles = List.copyOf(collateralBundles);
    extraTrustRoots = List.copyOf(extraTrustRoots);
    policySigners = List.copyOf(policySigners);
  }

  /** Defaults for a local service on {@code port} with state in {@code stateDirectory}. */
  public static ServerOptions defaults(int port, Path stateDirectory) {
    int cpus = Runtime.getRuntime().availableProcessors();
    return new ServerOptions("127.0.0.1", port, Optional.empty(), Optional.empty(), INTEL_PCS, Optional.empty(),
        Optional.empty(), List.of(), false, List.of(), stateDirectory, Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), false, SigningAlgorithm.RS256, Optional.empty(), Duration.ofHours(8),
        List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Math.max(2, cpus), 512, HttpLimits.defaults());
  }

  /** Returns a copy with a simulated platform. */
  public ServerOptions withSim(Path dir) {
    return new ServerOptions(host, port, publicUrl, Optional.of(dir), pcsUrl, pcsApiKey, collateralCache,
        collateralBundles, offline, extraTrustRoots, stateDirectory, databaseUrl, databaseUser, databasePassword,
        keysDirectory, keysReadOnly, signingAlgorithm, keyRotation, tokenLifetime, policySigners, adminToken, tlsCert,
        tlsKey, workers, queue, httpLimits);
  }

  /** Returns a copy with another signing algorithm. */
  public ServerOptions withSigningAlgorithm(SigningAlgorithm alg) {
    return new ServerOptions(host, port, publicUrl, simPlatform, pcsUrl, pcsApiKey, collateralCache,
        collateralBundles, offline, extraTrustRoots, stateDirectory, databaseUrl, databaseUser, databasePassword,
        keysDirectory, keysReadOnly, alg, keyRotation, tokenLifetime, policySigners, adminToken, tlsCert,
        tlsKey, workers, queue, httpLimits);
  }

  /** Returns a copy with an administrator token for policy changes. */
  public ServerOptions withAdminToken(String token) {
    return new ServerOptions(host, port, publicUrl, simPlatform, pcsUrl, pcsApiKey, collateralCache,
        collateralBundles, offline, extraTrustRoots, stateDirectory, databaseUrl, databaseUser, databasePassword,
        keysDirectory, keysReadOnly, signingAlgorithm, keyRotation, tokenLifetime, policySigners, Optional.of(token),
        tlsCert, tlsKey, workers, queue, httpLimits);
  }

  /** Returns a copy with other worker and queue sizes. */
  public ServerOptions withCapacity(int workers, int queue) {
    return new ServerOptions(host, port, publicUrl, simPlatform, pcsUrl, pcsApiKey, collateralCache,
        collateralBundles, offline, extraTrustRoots, stateDirectory, databaseUrl, databaseUser, databasePassword,
        keysDirectory, keysReadOnly, signingAlgorithm, keyRotation, tokenLifetime, policySigners, adminToken, tlsCert,
        tlsKey, workers, queue, httpLimits);
  }

  /** Returns a copy with other HTTP bounds. */
  public ServerOptions withHttpLimits(HttpLimits limits) {
    return new ServerOptions(host, port, publicUrl, simPlatform, pcsUrl, pcsApiKey, collateralCache,
        collateralBundles, offline, extraTrustRoots, stateDirectory, databaseUrl, databaseUser, databasePassword,
        keysDirectory, keysReadOnly, signingAlgorithm, keyRotation, tokenLifetime, policySigners, adminToken, tlsCert,
        tlsKey, workers, queue, limits);
  }

  /** Returns a copy with a database (JDBC URL and user). */
  public ServerOptions withDatabase(String url, String user) {
    return new ServerOptions(host, port, publicUrl, simPlatform, pcsUrl, pcsApiKey, collateralCache,
        collateralBundles, offline, extraTrustRoots, stateDirectory, Optional.of(url), Optional.ofNullable(user), databasePassword,
        keysDirectory, keysReadOnly, signingAlgorithm, keyRotation, tokenLifetime, policySigners, adminToken, tlsCert,
        tlsKey, workers, queue, httpLimits);
  }

  /** Returns a copy with a signing-key directory. */
  public ServerOptions withKeys(Path dir, boolean readOnly) {
    return new ServerOptions(host, port, publicUrl, simPlatform, pcsUrl, pcsApiKey, collateralCache,
        collateralBundles, offline, extraTrustRoots, stateDirectory, databaseUrl, databaseUser, databasePassword,
        Optional.of(dir), readOnly, signingAlgorithm, keyRotation, tokenLifetime, policySigners, adminToken, tlsCert,
        tlsKey, workers, queue, httpLimits);
  }

  /** Returns a copy with a public URL. */
  public ServerOptions withPublicUrl(String url) {
    return new ServerOptions(host, port, Optional.of(url), simPlatform, pcsUrl, pcsApiKey, collateralCache,
        collateralBundles, offline, extraTrustRoots, stateDirectory, databaseUrl, databaseUser, databasePassword,
        keysDirectory, keysReadOnly, signingAlgorithm, keyRotation, tokenLifetime, policySigners, adminToken, tlsCert,
        tlsKey, workers, queue, httpLimits);
  }

  /** Returns a copy serving HTTPS with a PEM certificate chain and key. */
  public ServerOptions withTls(Path cert, Path key) {
    return new ServerOptions(host, port, publicUrl, simPlatform, pcsUrl, pcsApiKey, collateralCache,
        collateralBundles, offline, extraTrustRoots, stateDirectory, databaseUrl, databaseUser, databasePassword,
        keysDirectory, keysReadOnly, signingAlgorithm, keyRotation, tokenLifetime, policySigners, adminToken,
        Optional.of(cert), Optional.of(key), workers, queue, httpLimits);
  }

  /** Returns a copy that never contacts a PCS: collateral from bundles (and the cache) only, and extra trust roots. */
  public ServerOptions withOfflineBundles(List<Path> bundles, List<Path> trustRoots) {
    return new ServerOptions(host, port, publicUrl, simPlatform, pcsUrl, pcsApiKey, collateralCache,
        bundles, true, trustRoots, stateDirectory, databaseUrl, databaseUser, databasePassword,
        keysDirectory, keysReadOnly, signingAlgorithm, keyRotation, tokenLifetime, policySigners, adminToken,
        tlsCert, tlsKey, workers, queue, httpLimits);
  }
}
