package io.kubesgx.keybroker.cli;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.QuoteProviders;
import io.kubesgx.sdk.attestation.AttestationClient;
import io.kubesgx.sdk.secret.KeyWrapAlgorithm;
import io.kubesgx.sdk.secret.ReleasedKey;
import io.kubesgx.sdk.secret.SecretClient;
import io.kubesgx.sdk.secret.SecretException;
import io.kubesgx.sdk.secret.SignerTrust;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.SimPlatform;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code key-broker release}: the enclave side of Secure Key Release through the SDK's {@link
 * SecretClient} — attest with a fresh transfer key, release a key, verify and unwrap it, and print
 * its fingerprint (never the key).
 */
@Command(
    name = "release",
    mixinStandardHelpOptions = true,
    description = {
      "Release a key to this enclave through the SDK's SecretClient: attest with a fresh RSA transfer key bound in the "
          + "runtime data, ask the broker to release the key, verify the signed result and unwrap it in memory.",
      "Prints the key's id, type and fingerprint, never the key. Exit 0 when released, 1 when refused (the reason and, "
          + "for a release policy, the failed claims are printed), 2 on usage or I/O errors."
    })
public final class ReleaseCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--url", paramLabel = "URL", description = "The key broker's vault URL (https; http only on a loopback address).")
  String url;

  @Option(names = "--attestation-url", paramLabel = "URL",
      description = "The attestation service that issues the target token (https; http only on a loopback address).")
  String attestationUrl;

  @Option(names = "--key", paramLabel = "NAME", description = "Name of the key to release.")
  String key;

  @Option(names = "--key-version", paramLabel = "V", description = "Version of the key (default: the newest).")
  String version;

  @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the bearer token for the broker (read at each run).")
  Path tokenFile;

  @Option(names = "--signer-cert", paramLabel = "PEM", description = "The broker's release-signing certificate to pin.")
  Path signerCert;

  @Option(names = "--signer-ca", paramLabel = "PEM", description = "Certificate authority that must have issued the release-signing certificate.")
  Path signerCa;

  @Option(names = "--wrap", paramLabel = "ALG",
      description = "Key wrap: RSA_AES_KEY_WRAP_256 (default), RSA_AES_KEY_WRAP_384 or CKM_RSA_AES_KEY_WRAP.")
  String wrap = KeyWrapAlgorithm.RSA_AES_KEY_WRAP_256.name();

  @Option(names = "--sim", paramLabel = "DIR",
      description = "DANGEROUS, for development: quote as a simulated enclave on the simulated platform in DIR "
          + "(default: the environment's provider, Gramine or the AESM socket).")
  Path sim;

  @Option(names = "--debug", description = "With --sim: the simulated enclave runs in debug mode.")
  boolean debug;

  @Option(names = "--mrsigner", paramLabel = "HEX", description = "With --sim: the simulated enclave's MRSIGNER (default the simulation's).")
  String mrSigner;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SecretClient client;
    try {
      KeyBrokerCommand.require(url, "--url URL");
      KeyBrokerCommand.require(attestationUrl, "--attestation-url URL");
      KeyBrokerCommand.require(key, "--key NAME");
      KeyBrokerCommand.require(tokenFile, "--token-file FILE");
      if ((signerCert == null) == (signerCa == null)) {
        throw new IllegalArgumentException("give exactly one of --signer-cert PEM (pin the broker's release-signing "
            + "certificate) or --signer-ca PEM");
      }
      if (!simOptionsOk()) {
        throw new IllegalArgumentException("--debug and --mrsigner only apply with --sim DIR");
      }
      if (!Files.isRegularFile(tokenFile)) {
        throw new IllegalArgumentException("--token-file " + tokenFile + " does not exist");
      }
      KeyWrapAlgorithm alg;
      try {
        alg = KeyWrapAlgorithm.valueOf(wrap.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--wrap must be RSA_AES_KEY_WRAP_256, RSA_AES_KEY_WRAP_384 or CKM_RSA_AES_KEY_WRAP, got " + wrap);
      }
      URI att = uri(attestationUrl, "--attestation-url");
      AttestationClient.Builder ab = AttestationClient.newBuilder(att);
      if (isHttp(att)) {
        ab.insecureAllowPlainHttp();
      }
      URI broker = uri(url, "--url");
      SignerTrust trust = signerCert != null ? SignerTrust.pinnedPem(signerCert) : SignerTrust.certificateAuthoritiesPem(signerCa);
      SecretClient.Builder sb = SecretClient.newBuilder(broker, ab.build(), trust).bearerTokenFile(tokenFile).keyWrap(alg);
      if (isHttp(broker)) {
        sb.insecureAllowPlainHttp();
      }
      client = sb.build();
    } catch (IllegalArgumentException | IOException e) {
      err.println("key-broker release: " + e.getMessage());
      return KeyBrokerCommand.USAGE_OR_IO;
    }
    try (QuoteProvider provider = provider()) {
      ReleasedKey k = client.release(provider, key, Optional.ofNullable(version));
      out.println("released " + k.kty() + " key " + k.kid() + " to this enclave (" + provider.name()
          + " quote); it is held in memory only; fingerprint " + k.fingerprint());
      return 0;
    } catch (IllegalArgumentException | IOException | MalformedInputException e) {
      err.println("key-broker release: " + e.getMessage());
      return KeyBrokerCommand.USAGE_OR_IO;
    } catch (QuoteProviderException e) {
      err.println("key-broker release: no quote: " + e.getMessage());
      return KeyBrokerCommand.USAGE_OR_IO;
    } catch (SecretException e) {
      String claims = e.failedClaims().isEmpty() ? "" : " (failed claims: " + String.join(", ", e.failedClaims()) + ")";
      err.println("key-broker release: refused, " + e.reason() + claims + ": " + e.getMessage());
      return e.reason() == SecretException.Reason.TRANSPORT || e.reason() == SecretException.Reason.QUOTE_FAILED
          ? KeyBrokerCommand.USAGE_OR_IO : 1;
    }
  }

  private boolean simOptionsOk() {
    return sim != null || (!debug && mrSigner == null);
  }

  private QuoteProvider provider() throws QuoteProviderException, IOException, MalformedInputException {
    if (sim == null) {
      return QuoteProviders.auto();
    }
    if (!Files.isDirectory(sim)) {
      throw new IllegalArgumentException("--sim " + sim + " is not a simulated platform directory (create one with kubesgx sim init)");
    }
    AppEnclave.Builder e = AppEnclave.newBuilder().debug(debug);
    if (mrSigner != null) {
      if (!mrSigner.matches("[0-9a-fA-F]{64}")) {
        throw new IllegalArgumentException("--mrsigner must be 64 hex digits, got " + mrSigner);
      }
      e.mrSigner(Bytes.fromHex(mrSigner.toLowerCase(Locale.ROOT)));
    }
    return SimQuoteProvider.create(SimPlatform.open(sim, Clock.systemUTC()), e.build());
  }

  private static URI uri(String s, String option) {
    try {
      URI u = URI.create(s);
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (u.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
        throw new IllegalArgumentException(option + " must be an https URL, got " + s);
      }
      if (scheme.equals("http") && !loopback(u.getHost())) {
        throw new IllegalArgumentException(option + " may use plain http only on a loopback address; use https for " + u.getHost());
      }
      return u;
    } catch (IllegalArgumentException e) {
      throw e.getMessage() != null && e.getMessage().startsWith(option) ? e
          : new IllegalArgumentException(option + " is not a URL: " + s);
    }
  }

  private static boolean isHttp(URI u) {
    return "http".equalsIgnoreCase(u.getScheme());
  }

  private static boolean loopback(String host) {
    String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (IOException e) {
      return false;
    }
  }
}
