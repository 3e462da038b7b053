package io.kubesgx.keybroker.secretprov;

import io.kubesgx.keybroker.policy.PolicyDecision;
import io.kubesgx.keybroker.policy.QuoteClaims;
import io.kubesgx.keybroker.policy.VerifiedClaims;
import io.kubesgx.keybroker.secrets.SecretVersion;
import io.kubesgx.keybroker.store.AuditEntry;
import io.kubesgx.keybroker.store.KeyStore;
import io.kubesgx.keybroker.store.SecretStore;
import io.kubesgx.keybroker.store.StoreException;
import io.kubesgx.verifier.VerifiedQuote;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Chooses the secret a verified enclave gets, independent of the transport, and writes every attempt
 * into the broker's audit chain. Candidates are the tenant's secrets whose newest version carries the
 * tag {@value #TAG} = {@code true}; disabled, not-yet-valid or expired ones and ones without a release
 * policy are never sent. The enclave's quote becomes the same claims the KBS path uses ({@link
 * QuoteClaims}), and each candidate's release policy is evaluated: exactly one match is sent, none
 * or more than one sends nothing. Thread-safe.
 */
public final class SecretProvisioner {
  private static final Logger LOG = Logger.getLogger(SecretProvisioner.class.getName());
  /** The tag a secret carries (value {@code true}) to be served over secret provisioning. */
  public static final String TAG = "x-kubesgx-secret-prov";
  /** The tag value that opts a secret in. */
  public static final String TAG_VALUE = "true";
  /** Most opted-in secrets per tenant considered; with more, every attempt is refused. */
  public static final int MAX_CANDIDATES = 64;
  /** The audit action of every attempt. */
  static final String ACTION = "secret-prov";
  /** The audit actor of every attempt. */
  static final String ACTOR = "secret-prov";

  private final SecretStore secrets;
  private final KeyStore audit;
  private final String tenant;
  private final String authority;
  private final Clock clock;

  /**
   * Creates the provisioner.
   *
   * @param audit the store whose audit chain records every attempt
   * @param tenant the tenant whose secrets are served
   * @param authority the issuer the enclave's claims carry (release policies name it, as for the KBS path)
   */
  public SecretProvisioner(SecretStore secrets, KeyStore audit, String tenant, String authority, Clock clock) {
    this.secrets = Objects.requireNonNull(secrets, "secrets");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.tenant = Objects.requireNonNull(tenant, "tenant");
    this.authority = Objects.requireNonNull(authority, "authority");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Returns the tenant served. */
  public String tenant() {
    return tenant;
  }

  /** Returns the authority the claims carry. */
  public String authority() {
    return authority;
  }

  /**
   * Chooses the secret for an enclave whose RA-TLS certificate verified, audits the release and
   * returns the bytes to send (the caller clears them). A release that cannot be audited does not happen.
   *
   * @param remote the client's address (for the audit log)
   * @param quote the verified quote of the client's certificate
   * @param evidence which RA-TLS extension carried it ({@code DICE} or {@code LEGACY})
   * @throws SecretProvException {@code NO_MATCHING_SECRET}, {@code AMBIGUOUS}, {@code
   *     UNSENDABLE_SECRET} or {@code STORE_UNAVAILABLE} (each already audited)
   */
  public byte[] release(String remote, VerifiedQuote quote, String evidence) throws SecretProvException {
    VerifiedClaims claims;
    try {
      claims = QuoteClaims.of(authority, quote);
    } catch (IllegalArgumentException e) {
      SecretProvException x = new SecretProvException(SecretProvException.Reason.RA_TLS_REJECTED,
          "the RA-TLS quote is a " + quote.teeType() + " quote; secret provisioning serves SGX enclaves");
      refused(remote, java.util.Optional.empty(), x);
      throw x;
    }
    String who = who(remote, claims, evidence);
    List<SecretVersion> candidates;
    try {
      candidates = secrets.latestTagged(tenant, TAG, TAG_VALUE, MAX_CANDIDATES + 1);
    } catch (StoreException e) {
      LOG.warning("secret provisioning: cannot list the opted-in secrets: " + e.getMessage());
      SecretProvException x = new SecretProvException(SecretProvException.Reason.STORE_UNAVAILABLE,
          "the secret store is unavailable (" + e.reason() + "); nothing was sent");
      record(who, "", "", x);
      throw x;
    }
    if (candidates.size() > MAX_CANDIDATES) {
      SecretProvException x = new SecretProvException(SecretProvException.Reason.AMBIGUOUS, "more than " + MAX_CANDIDATES
          + " secrets of tenant " + tenant + " carry " + TAG + "=" + TAG_VALUE + "; untag the ones no enclave should get");
      record(who, "", "", x);
      throw x;
    }
    Instant now = clock.instant();
    List<SecretVersion> matches = new ArrayList<>();
    List<String> misses = new ArrayList<>();
    for (SecretVersion v : candidates) {
      String unusable = v.attributes().unusableReason(now);
      if (unusable != null) {
        misses.add(v.name() + ": " + unusable);
        continue;
      }
      if (v.releasePolicy().isEmpty()) {
        misses.add(v.name() + ": no release policy (never sent)");
        continue;
      }
      PolicyDecision d = v.releasePolicy().get().policy().evaluate(claims);
      if (d.allowed()) {
        matches.add(v);
      } else {
        misses.add(v.name() + ": " + d.adminDetail());
      }
    }
    if (matches.isEmpty()) {
      SecretProvException x = new SecretProvException(SecretProvException.Reason.NO_MATCHING_SECRET,
          "no secret of tenant " + tenant + " tagged " + TAG + "=" + TAG_VALUE + " has a release policy these claims satisfy"
              + (misses.isEmpty() ? " (none is tagged)" : ": " + String.join("; ", misses)));
      record(who, "", "", x);
      throw x;
    }
    if (matches.size() > 1) {
      SecretProvException x = new SecretProvException(SecretProvException.Reason.AMBIGUOUS, "the release policies of "
          + matches.size() + " secrets hold for this enclave ("
          + matches.stream().map(SecretVersion::name).collect(Collectors.joining(", "))
          + "); nothing was sent: make the policies exclusive or untag all but one");
      record(who, "", "", x);
      throw x;
    }
    SecretVersion v = matches.get(0);
    byte[] wire;
    try {
      wire = SecretProvEncoding.wireBytes(v);
    } catch (SecretProvException x) {
      record(who, v.name(), v.version(), x);
      throw x;
    }
    if (wire.length > SecretProvEncoding.MAX_WIRE_BYTES) {
      java.util.Arrays.fill(wire, (byte) 0);
      SecretProvException x = new SecretProvException(SecretProvException.Reason.UNSENDABLE_SECRET,
          "secret " + v.name() + " is larger than " + SecretProvEncoding.MAX_WIRE_BYTES + " bytes on the wire");
      record(who, v.name(), v.version(), x);
      throw x;
    }
    try {
      // Audit before answering: a release that cannot be recorded does not happen.
      audit.audit(new AuditEntry(tenant, ACTOR, ACTION, v.name(), v.version(), null, authority, "ok",
          who + ", sent " + wire.length + " bytes (" + (SecretProvEncoding.isBinary(v) ? "binary" : "string with NUL") + ")"));
    } catch (StoreException e) {
      java.util.Arrays.fill(wire, (byte) 0);
      LOG.warning("secret provisioning: could not audit a release, so nothing was sent: " + e.getMessage());
      throw new SecretProvException(SecretProvException.Reason.STORE_UNAVAILABLE, "the audit log is unavailable; nothing was sent");
    }
    return wire;
  }

  /**
   * Audits an attempt that failed outside {@link #release} (RA-TLS rejected, bad request, deadline,
   * lost connection).
   *
   * @param identity the {@link #identity} of the client when its certificate verified, else empty
   */
  void refused(String remote, java.util.Optional<String> identity, SecretProvException e) {
    record(identity.orElse("tenant " + tenant + ", from " + remote), "", "", e);
  }

  private void record(String who, String name, String version, SecretProvException e) {
    try {
      audit.audit(new AuditEntry(tenant, ACTOR, ACTION, name, version, null, authority, "denied",
          who + ", outcome " + e.reason().outcome() + ", step " + e.reason().step() + ": " + e.getMessage()));
    } catch (StoreException ex) {
      LOG.warning("secret provisioning: could not audit a refused attempt: " + ex.getMessage()); // refused anyway
    }
  }

  /** Returns the audit summary of a verified client: address, evidence and identity claims. */
  String identity(String remote, VerifiedQuote quote, String evidence) {
    try {
      return who(remote, QuoteClaims.of(authority, quote), evidence);
    } catch (IllegalArgumentException e) {
      return "tenant " + tenant + ", from " + remote + ", RA-TLS " + evidence + ", a " + quote.teeType() + " quote";
    }
  }

  private String who(String remote, VerifiedClaims c, String evidence) {
    return "tenant " + tenant + ", from " + remote + ", RA-TLS " + evidence + ", mrenclave " + c.claim("x-ms-sgx-mrenclave")
        + ", mrsigner " + c.claim("x-ms-sgx-mrsigner") + ", product " + c.claim("x-ms-sgx-product-id") + ", svn "
        + c.claim("x-ms-sgx-svn") + ", debug " + c.claim("x-ms-sgx-is-debuggable") + ", tcb " + c.claim("x-kubesgx-tcb-status");
  }
}
