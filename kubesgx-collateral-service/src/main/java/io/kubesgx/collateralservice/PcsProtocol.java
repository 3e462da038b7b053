package io.kubesgx.collateralservice;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.CollateralLoader;
import io.kubesgx.collateral.TcbInfo;
import io.kubesgx.collateralservice.CollateralException.Reason;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.pck.Crls;
import io.kubesgx.pck.PckCa;
import io.kubesgx.quote.TeeType;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The Intel PCS API v4 as a set of pure functions: request URIs, status mapping and response
 * assembly into {@link Collateral} (dcap-verification.md §4.1). No I/O happens here, so the whole
 * response handling can be fuzzed.
 */
final class PcsProtocol {
  /** Path of the SGX API below the base URL. */
  static final String SGX_PREFIX = "/sgx/certification/v4/";
  /** Path of the TDX API below the base URL (TCB info and QE identity only). */
  static final String TDX_PREFIX = "/tdx/certification/v4/";
  /** Host name of Intel's PCS. */
  static final String INTEL_PCS_HOST = "api.trustedservices.intel.com";
  /** Where Intel publishes the SGX Root CA CRL (DER); dcap-verification.md §4.1. */
  static final URI INTEL_ROOT_CA_CRL = URI.create("https://certificates.trustedservices.intel.com/IntelSGXRootCA.der");
  /** Issuer-chain header of TCB info in PCS API v1 to v3, still sent by some PCCS versions. */
  static final String LEGACY_TCB_CHAIN_HEADER = "SGX-TCB-Info-Issuer-Chain";

  private static final int MAX_HEADER_ECHO = 200;

  /** The four resources of one collateral set. */
  enum Resource {
    TCB_INFO("TCB info", "TCB-Info-Issuer-Chain"),
    QE_IDENTITY("QE identity", "SGX-Enclave-Identity-Issuer-Chain"),
    PCK_CRL("PCK CRL", "SGX-PCK-CRL-Issuer-Chain"),
    ROOT_CA_CRL("root CA CRL", "");

    private final String label;
    private final String chainHeader;

    Resource(String label, String chainHeader) {
      this.label = label;
      this.chainHeader = chainHeader;
    }

    String label() {
      return label;
    }

    String chainHeader() {
      return chainHeader;
    }
  }

  private PcsProtocol() {}

  /**
   * Normalises a configured base URL to scheme, authority and optional path prefix without a
   * trailing slash; a trailing {@code /sgx/certification/v4} or {@code /tdx/certification/v4} is
   * removed because the service appends it.
   */
  static URI apiBase(URI baseUrl) {
    String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new IllegalArgumentException("baseUrl must be an http or https URL, got " + baseUrl);
    }
    if (baseUrl.getRawAuthority() == null || baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
      throw new IllegalArgumentException("baseUrl must be scheme://host[:port][/path] without query or fragment, got " + baseUrl);
    }
    String path = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    for (String p : new String[] {SGX_PREFIX, TDX_PREFIX}) {
      String bare = p.substring(0, p.length() - 1);
      if (path.endsWith(bare)) {
        path = path.substring(0, path.length() - bare.length());
      }
    }
    return URI.create(scheme + "://" + baseUrl.getRawAuthority() + path);
  }

  private static String prefix(CollateralKey key) {
    return key.tee() == TeeType.TDX ? TDX_PREFIX : SGX_PREFIX;
  }

  static URI tcbInfoUri(URI base, CollateralKey key) {
    return URI.create(base + prefix(key) + "tcb?fmspc=" + key.fmspcHex() + "&update=" + key.update().parameter());
  }

  static URI qeIdentityUri(URI base, CollateralKey key) {
    return URI.create(base + prefix(key) + "qe/identity?update=" + key.update().parameter());
  }

  /** The PCK CRL lives under the SGX API for both TEE types. */
  static URI pckCrlUri(URI base, CollateralKey key) {
    return URI.create(base + SGX_PREFIX + "pckcrl?ca=" + key.ca().crlParameter() + "&encoding=der");
  }

  /**
   * Returns where the root CA CRL is fetched by default: Intel's certificate distribution URL when
   * the base is Intel's PCS (which has no root CRL endpoint), otherwise the PCCS endpoint {@code
   * /sgx/certification/v4/rootcacrl} (hex of DER).
   */
  static URI defaultRootCaCrlUri(URI base) {
    if (INTEL_PCS_HOST.equalsIgnoreCase(base.getHost())) {
      return INTEL_ROOT_CA_CRL;
    }
    return URI.create(base + SGX_PREFIX + "rootcacrl");
  }

  /** Names what was requested, for messages. */
  static String describe(Resource r, CollateralKey key) {
    return switch (r) {
      case TCB_INFO -> "TCB info of FMSPC " + key.fmspcHex() + " (" + key.tee().name() + ", update="
          + key.update().parameter() + ")";
      case QE_IDENTITY -> (key.tee() == TeeType.TDX ? "TD_QE" : "QE") + " identity (update=" + key.update().parameter() + ")";
      case PCK_CRL -> "PCK CRL of the " + key.ca().crlParameter() + " CA";
      case ROOT_CA_CRL -> "root CA CRL";
    };
  }

  /** Returns Intel's diagnostic headers as {@code " (Error-Code: …, Error-Message: …, Request-ID: …)"}, or "". */
  static String details(PcsResponse r) {
    List<String> parts = new ArrayList<>();
    for (String h : new String[] {"Error-Code", "Error-Message", "Request-ID", "Retry-After"}) {
      r.header(h).ifPresent(v -> parts.add(h + ": " + sanitize(v)));
    }
    return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
  }

  private static String sanitize(String v) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < v.length() && sb.length() < MAX_HEADER_ECHO; i++) {
      char c = v.charAt(i);
      sb.append(c < 0x20 || c == 0x7f ? ' ' : c);
    }
    if (v.length() > MAX_HEADER_ECHO) {
      sb.append('…');
    }
    return sb.toString();
  }

  /** Maps a non-200 status to the exception that explains it; returns null for 200. */
  static CollateralException statusError(Resource r, CollateralKey key, PcsResponse resp) {
    int s = resp.status();
    if (s == 200) {
      return null;
    }
    String head = "PCS " + resp.uri() + " returned " + s + " for " + describe(r, key) + details(resp) + "; ";
    if (s == 404 && r == Resource.TCB_INFO) {
      return new CollateralException(Reason.UNKNOWN_FMSPC, head
          + "the FMSPC is unknown to this PCS (a PCCS learns FMSPCs only from registered platforms; check the platform is registered and the FMSPC is right)");
    }
    if (s == 429) {
      return new CollateralException(Reason.RATE_LIMITED, head + "the PCS is throttling this client; retry later");
    }
    String hint;
    if (s == 401 || s == 403) {
      hint = "the PCS refused access; check network policy and credentials for this PCS";
    } else if (s == 404) {
      hint = "the resource does not exist; check that baseUrl points at a PCS v4 API or a PCCS";
    } else if (s >= 500) {
      hint = "the PCS is failing; it will be retried";
    } else if (s == 400) {
      hint = "the PCS rejected the request; check baseUrl and the PCS version (v4 is required)";
    } else {
      hint = "unexpected status; check baseUrl";
    }
    return new CollateralException(Reason.PCS_ERROR, head + hint);
  }

  /**
   * Checks the four responses and assembles one collateral set; parse errors name the URI and the
   * PCS request ID.
   */
  static Collateral assemble(CollateralKey key, PcsResponse tcb, PcsResponse qe, PcsResponse pckCrl, PcsResponse root)
      throws CollateralException {
    PcsResponse[] all = {tcb, qe, pckCrl, root};
    Resource[] kinds = Resource.values();
    for (int i = 0; i < all.length; i++) {
      CollateralException e = statusError(kinds[i], key, all[i]);
      if (e != null) {
        throw e;
      }
    }
    String tcbChain = tcb.header(Resource.TCB_INFO.chainHeader())
        .or(() -> tcb.header(LEGACY_TCB_CHAIN_HEADER))
        .orElseThrow(() -> missingHeader(Resource.TCB_INFO, key, tcb));
    String qeChain = qe.header(Resource.QE_IDENTITY.chainHeader())
        .orElseThrow(() -> missingHeader(Resource.QE_IDENTITY, key, qe));
    String crlChain = pckCrl.header(Resource.PCK_CRL.chainHeader())
        .orElseThrow(() -> missingHeader(Resource.PCK_CRL, key, pckCrl));
    String tcbBody = utf8(Resource.TCB_INFO, key, tcb);
    String qeBody = utf8(Resource.QE_IDENTITY, key, qe);
    Collateral c;
    try {
      c = CollateralLoader.fromPcsResponses(
          tcbBody, tcbChain, qeBody, qeChain, pckCrl.body().toByteArray(), crlChain, root.body().toByteArray(), null);
    } catch (MalformedInputException e) {
      PcsResponse culprit = culprit(e.getMessage(), tcb, qe, pckCrl, root);
      throw new CollateralException(Reason.MALFORMED_RESPONSE,
          "PCS " + culprit.uri() + " returned an unusable response" + details(culprit) + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new CollateralException(Reason.MALFORMED_RESPONSE,
          "PCS " + tcb.uri() + " returned an unusable collateral set: " + e, e);
    }
    try {
      validate(key, c);
    } catch (MalformedInputException e) {
      throw new CollateralException(Reason.MALFORMED_RESPONSE,
          "PCS at " + tcb.uri().getAuthority() + " returned collateral that does not match " + key + ": " + e.getMessage(), e);
    }
    return c;
  }

  private static PcsResponse culprit(String message, PcsResponse tcb, PcsResponse qe, PcsResponse pckCrl, PcsResponse root) {
    String m = message == null ? "" : message;
    if (m.startsWith("qeIdentity")) {
      return qe;
    }
    if (m.startsWith("pckCrl")) {
      return pckCrl;
    }
    if (m.startsWith("rootCaCrl")) {
      return root;
    }
    return tcb;
  }

  private static CollateralException missingHeader(Resource r, CollateralKey key, PcsResponse resp) {
    return new CollateralException(Reason.MALFORMED_RESPONSE,
        "PCS " + resp.uri() + " answered 200 for " + describe(r, key) + " without the " + r.chainHeader()
            + " header" + details(resp) + "; is baseUrl a PCS v4 API or PCCS (a proxy may strip headers)?");
  }

  private static String utf8(Resource r, CollateralKey key, PcsResponse resp) throws CollateralException {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(resp.body().toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new CollateralException(Reason.MALFORMED_RESPONSE,
          "PCS " + resp.uri() + " returned a " + describe(r, key) + " body that is not UTF-8" + details(resp), e);
    }
  }

  /**
   * Checks that a parsed collateral set belongs to {@code key}: complete (both CRLs and the PCK CRL
   * issuer chain), TCB info of the key's FMSPC and TEE, QE identity {@code QE} for SGX or {@code
   * TD_QE} for TDX, and a PCK CRL issued by the key's CA.
   */
  static void validate(CollateralKey key, Collateral c) throws MalformedInputException {
    TcbInfo t = c.tcbInfo().tcbInfo();
    if (!t.fmspc().equals(key.fmspc())) {
      throw new MalformedInputException("the TCB info is for FMSPC " + t.fmspc().hex().toUpperCase(Locale.ROOT)
          + ", not " + key.fmspcHex());
    }
    if (t.isTdx() != (key.tee() == TeeType.TDX)) {
      throw new MalformedInputException("the TCB info is " + (t.isTdx() ? "TDX" : "SGX") + ", not " + key.tee());
    }
    String expectedQe = key.tee() == TeeType.TDX ? "TD_QE" : "QE";
    String qeId = c.qeIdentity().identity().id();
    if (!expectedQe.equals(qeId)) {
      throw new MalformedInputException("the enclave identity is " + qeId + ", expected " + expectedQe);
    }
    if (c.pckCrl().isEmpty()) {
      throw new MalformedInputException("the PCK CRL is missing");
    }
    if (c.rootCaCrl().isEmpty()) {
      throw new MalformedInputException("the root CA CRL is missing");
    }
    if (c.pckCrlIssuerChain().isEmpty()) {
      throw new MalformedInputException("the PCK CRL issuer chain is missing");
    }
    X509CRL pck = crl(c.pckCrl().get(), "PCK CRL");
    Optional<PckCa> ca = PckCa.fromIssuer(pck.getIssuerX500Principal());
    if (ca.isEmpty() || ca.get() != key.ca()) {
      throw new MalformedInputException("the PCK CRL is issued by " + pck.getIssuerX500Principal().getName()
          + ", not the " + key.ca().crlParameter() + " CA");
    }
    crl(c.rootCaCrl().get(), "root CA CRL");
  }

  /** Returns the earliest {@code nextUpdate} of TCB info, QE identity and both CRLs. */
  static Instant nextUpdate(Collateral c) throws MalformedInputException {
    Instant min = c.tcbInfo().tcbInfo().nextUpdate();
    Instant qe = c.qeIdentity().identity().nextUpdate();
    if (qe.isBefore(min)) {
      min = qe;
    }
    for (Optional<Bytes> der : List.of(c.pckCrl(), c.rootCaCrl())) {
      if (der.isPresent()) {
        X509CRL x = crl(der.get(), "CRL");
        if (x.getNextUpdate() != null && x.getNextUpdate().toInstant().isBefore(min)) {
          min = x.getNextUpdate().toInstant();
        }
      }
    }
    return min;
  }

  private static X509CRL crl(Bytes der, String what) throws MalformedInputException {
    try {
      return Crls.parse(der.toByteArray());
    } catch (MalformedInputException e) {
      throw new MalformedInputException(what + ": " + e.getMessage(), e);
    }
  }
}
