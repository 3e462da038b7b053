package io.kubesgx.collateral;

import io.kubesgx.collateral.internal.Der;
import io.kubesgx.collateral.internal.Encodings;
import io.kubesgx.collateral.internal.JsonFields;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.crypto.Ecdsa;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonNull;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Loads collateral bundles from the container formats we meet (dcap-verification.md §4.5): dcap-qvl
 * {@code QuoteCollateralV3} JSON, raw Intel PCS responses, Intel QVL sample-style directories and
 * fortanix/rust-sgx cache files.
 *
 * <p>Every item is size-capped before parsing (1 MiB per item, 8 MiB per container document), and
 * every error is a {@link MalformedInputException} whose message starts with the field or file
 * name, for example {@code "tcb_info_signature: expected 64 bytes, got 71"}. Nothing is verified
 * here.
 *
 * <pre>{@code
 * Collateral c = CollateralLoader.load(Path.of("bundle"));      // directory or dcap-qvl JSON file
 * byte[] signed = c.tcbInfo().signedBytes().toByteArray();      // verify the signature over these
 * }</pre>
 */
public final class CollateralLoader {
  /** Largest file read from a bundle directory. */
  private static final int MAX_FILE = Encodings.MAX_HEX_ITEM;

  private CollateralLoader() {}

  // ---------------------------------------------------------------------------------------------
  // dcap-qvl JSON

  /**
   * Parses dcap-qvl {@code QuoteCollateralV3} JSON.
   *
   * <p>Keys: {@code tcb_info} / {@code qe_identity} (exact signed JSON text), {@code
   * tcb_info_signature} / {@code qe_identity_signature} (hex, 64 bytes), {@code
   * tcb_info_issuer_chain} / {@code qe_identity_issuer_chain} (PEM, at least one certificate),
   * {@code pck_crl_issuer_chain} (PEM; absent, null or empty gives an empty list), {@code
   * root_ca_crl} / {@code pck_crl} (hex of DER or PEM; absent, null or empty gives empty), optional
   * {@code pck_certificate_chain} (PEM). Unknown keys are ignored.
   */
  public static Collateral fromDcapQvlJson(String json) throws MalformedInputException {
    Encodings.checkSize(json.length(), Encodings.MAX_DOCUMENT, "collateral JSON");
    JsonObject o;
    try {
      o = Json.parseObject(json);
    } catch (MalformedInputException e) {
      throw new MalformedInputException("collateral JSON: " + e.getMessage(), e);
    }
    List<Bytes> pckCrlIssuerChain = optionalChain(o, "pck_crl_issuer_chain");
    Optional<Bytes> rootCaCrl = optionalCrl(o, "root_ca_crl");
    Optional<Bytes> pckCrl = optionalCrl(o, "pck_crl");
    List<Bytes> tcbChain =
        Encodings.nonEmptyCertificatesFromPem(
            JsonFields.string(o, "tcb_info_issuer_chain", ""), "tcb_info_issuer_chain");
    SignedTcbInfo tcbInfo =
        signedTcbInfo(
            JsonFields.string(o, "tcb_info", ""),
            Encodings.signatureHex(JsonFields.string(o, "tcb_info_signature", ""), "tcb_info_signature"),
            "tcb_info");
    List<Bytes> qeChain =
        Encodings.nonEmptyCertificatesFromPem(
            JsonFields.string(o, "qe_identity_issuer_chain", ""), "qe_identity_issuer_chain");
    SignedEnclaveIdentity qeIdentity =
        signedIdentity(
            JsonFields.string(o, "qe_identity", ""),
            Encodings.signatureHex(JsonFields.string(o, "qe_identity_signature", ""), "qe_identity_signature"),
            "qe_identity");
    List<Bytes> pckChain = optionalChain(o, "pck_certificate_chain");
    return new Collateral(
        rootCaCrl, pckCrl, pckCrlIssuerChain, tcbInfo, tcbChain, qeIdentity, qeChain, pckChain);
  }

  /**
   * Writes the dcap-qvl shape: PEM chains, hex CRLs (null when absent), the exact signed JSON texts
   * and hex signatures; {@code pck_certificate_chain} only when non-empty. For every collateral
   * whose issuer chains are non-empty, {@code fromDcapQvlJson(toDcapQvlJson(c))} equals {@code c}.
   */
  public static String toDcapQvlJson(Collateral c) {
    JsonBuilder b =
        JsonBuilder.object()
            .put("pck_crl_issuer_chain", Encodings.certificatesToPem(c.pckCrlIssuerChain()))
            .put("root_ca_crl", c.rootCaCrl().map(Bytes::hex).orElse(null))
            .put("pck_crl", c.pckCrl().map(Bytes::hex).orElse(null))
            .put("tcb_info_issuer_chain", Encodings.certificatesToPem(c.tcbInfoIssuerChain()))
            .put("tcb_info", c.tcbInfo().signedJson())
            .put("tcb_info_signature", c.tcbInfo().signature().hex())
            .put("qe_identity_issuer_chain", Encodings.certificatesToPem(c.qeIdentityIssuerChain()))
            .put("qe_identity", c.qeIdentity().signedJson())
            .put("qe_identity_signature", c.qeIdentity().signature().hex());
    if (!c.pckCertificateChain().isEmpty()) {
      b.put("pck_certificate_chain", Encodings.certificatesToPem(c.pckCertificateChain()));
    }
    return b.toString();
  }

  private static List<Bytes> optionalChain(JsonObject o, String key) throws MalformedInputException {
    String s = JsonFields.optString(o, key, "");
    return s == null ? List.of() : Encodings.certificatesFromPem(s, key);
  }

  private static Optional<Bytes> optionalCrl(JsonObject o, String key) throws MalformedInputException {
    JsonValue v = o.get(key);
    if (v == null || v instanceof JsonNull) {
      return Optional.empty();
    }
    String s = JsonFields.asString(v, key);
    if (s.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(Encodings.crlFromText(s, key));
  }

  private static SignedTcbInfo signedTcbInfo(String text, Bytes signature, String what)
      throws MalformedInputException {
    try {
      return SignedTcbInfo.parse(text, signature);
    } catch (MalformedInputException e) {
      throw new MalformedInputException(what + ": " + e.getMessage(), e);
    }
  }

  private static SignedEnclaveIdentity signedIdentity(String text, Bytes signature, String what)
      throws MalformedInputException {
    try {
      return SignedEnclaveIdentity.parse(text, signature);
    } catch (MalformedInputException e) {
      throw new MalformedInputException(what + ": " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // PCS responses

  /**
   * Builds collateral from raw Intel PCS (or PCCS) responses.
   *
   * @param tcbInfoBody body of {@code tcb?fmspc=…}
   * @param tcbInfoIssuerChain {@code TCB-Info-Issuer-Chain} header, URL-encoded or plain PEM
   * @param qeIdentityBody body of {@code qe/identity}
   * @param qeIdentityIssuerChain {@code SGX-Enclave-Identity-Issuer-Chain} header
   * @param pckCrl PCK CRL as DER, PEM or hex text; null when not fetched
   * @param pckCrlIssuerChain {@code SGX-PCK-CRL-Issuer-Chain} header; null when not fetched
   * @param rootCaCrl root CA CRL as DER, PEM or hex text; null when not fetched
   * @param pckCertChain PCK certificate chain as PEM or concatenated DER; null when absent
   */
  public static Collateral fromPcsResponses(
      String tcbInfoBody,
      String tcbInfoIssuerChain,
      String qeIdentityBody,
      String qeIdentityIssuerChain,
      byte[] pckCrl,
      String pckCrlIssuerChain,
      byte[] rootCaCrl,
      byte[] pckCertChain)
      throws MalformedInputException {
    SignedTcbInfo tcbInfo = wrap("tcbInfoBody", () -> SignedBodies.parsePcsTcbInfoBody(require(tcbInfoBody, "tcbInfoBody")));
    List<Bytes> tcbChain =
        Encodings.nonEmptyCertificatesFromPem(
            Encodings.issuerChainText(require(tcbInfoIssuerChain, "tcbInfoIssuerChain"), "tcbInfoIssuerChain"),
            "tcbInfoIssuerChain");
    SignedEnclaveIdentity qeIdentity =
        wrap("qeIdentityBody", () -> SignedBodies.parsePcsEnclaveIdentityBody(require(qeIdentityBody, "qeIdentityBody")));
    List<Bytes> qeChain =
        Encodings.nonEmptyCertificatesFromPem(
            Encodings.issuerChainText(require(qeIdentityIssuerChain, "qeIdentityIssuerChain"), "qeIdentityIssuerChain"),
            "qeIdentityIssuerChain");
    Optional<Bytes> pckCrlDer = optionalCrlBytes(pckCrl, "pckCrl");
    List<Bytes> pckCrlChain =
        pckCrlIssuerChain == null
            ? List.of()
            : Encodings.certificatesFromPem(
                Encodings.issuerChainText(pckCrlIssuerChain, "pckCrlIssuerChain"), "pckCrlIssuerChain");
    Optional<Bytes> rootCrlDer = optionalCrlBytes(rootCaCrl, "rootCaCrl");
    List<Bytes> pckChain =
        pckCertChain == null || pckCertChain.length == 0
            ? List.of()
            : Encodings.certificatesFromBytes(pckCertChain, "pckCertChain");
    return new Collateral(
        rootCrlDer, pckCrlDer, pckCrlChain, tcbInfo, tcbChain, qeIdentity, qeChain, pckChain);
  }

  private static Optional<Bytes> optionalCrlBytes(byte[] data, String what)
      throws MalformedInputException {
    if (data == null || data.length == 0) {
      return Optional.empty();
    }
    return Optional.of(Encodings.crlFromBytes(data, what));
  }

  private static String require(String s, String what) throws MalformedInputException {
    if (s == null) {
      throw new MalformedInputException(what + ": missing");
    }
    return s;
  }

  private interface Parse<T> {
    T run() throws MalformedInputException;
  }

  private static <T> T wrap(String what, Parse<T> p) throws MalformedInputException {
    try {
      return p.run();
    } catch (MalformedInputException e) {
      throw new MalformedInputException(what + ": " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Directories and files

  /**
   * Loads a bundle directory.
   *
   * <p>Intel QVL sample names: {@code tcbInfo.json} (PCS body, required), {@code tcbSignChain.pem}
   * (required), {@code qeIdentity.json} (PCS body, required), {@code qeIdentitySignChain.pem}
   * (optional, default {@code tcbSignChain.pem}), {@code rootCaCrl.der} or {@code .pem} (optional),
   * {@code intermediateCaCrl.der} or {@code .pem} (PCK CRL, optional), {@code pckSignChain.pem}
   * (PCK CRL issuer chain and PCK intermediates, optional), {@code pckCert.pem} (optional; when
   * present the PCK chain is {@code pckCert} followed by the {@code pckSignChain} certificates).
   * When both {@code .der} and {@code .pem} of a CRL exist they must hold the same CRL.
   *
   * <p>Alternatively the directory holds only {@code collateral.json} in dcap-qvl shape. A
   * directory with both {@code tcbInfo.json} and {@code collateral.json} is rejected as ambiguous.
   *
   * @throws MalformedInputException naming the missing or malformed file
   * @throws IOException when a file exists but cannot be read
   */
  public static Collateral fromDirectory(Path dir) throws MalformedInputException, IOException {
    if (!Files.isDirectory(dir)) {
      throw new MalformedInputException(dir + ": not a directory");
    }
    Path tcbInfoFile = dir.resolve("tcbInfo.json");
    Path dcapQvlFile = dir.resolve("collateral.json");
    boolean intelLayout = Files.exists(tcbInfoFile);
    if (Files.exists(dcapQvlFile)) {
      if (intelLayout) {
        throw new MalformedInputException(
            dir + ": contains both tcbInfo.json and collateral.json; remove one");
      }
      return fileWrap(dcapQvlFile, () -> fromDcapQvlJson(readText(dcapQvlFile, Encodings.MAX_DOCUMENT)));
    }
    if (!intelLayout) {
      throw new MalformedInputException(dir + ": missing tcbInfo.json (or collateral.json)");
    }
    SignedTcbInfo tcbInfo =
        fileWrap(tcbInfoFile, () -> SignedBodies.parsePcsTcbInfoBody(readText(tcbInfoFile, MAX_FILE)));
    Path tcbChainFile = requireFile(dir, "tcbSignChain.pem");
    List<Bytes> tcbChain = chainFile(tcbChainFile);
    Path qeFile = requireFile(dir, "qeIdentity.json");
    SignedEnclaveIdentity qeIdentity =
        fileWrap(qeFile, () -> SignedBodies.parsePcsEnclaveIdentityBody(readText(qeFile, MAX_FILE)));
    Path qeChainFile = dir.resolve("qeIdentitySignChain.pem");
    List<Bytes> qeChain = Files.exists(qeChainFile) ? chainFile(qeChainFile) : tcbChain;
    Optional<Bytes> rootCaCrl = crlFiles(dir, "rootCaCrl");
    Optional<Bytes> pckCrl = crlFiles(dir, "intermediateCaCrl");
    Path pckSignChainFile = dir.resolve("pckSignChain.pem");
    List<Bytes> pckSignChain = List.of();
    if (Files.exists(pckSignChainFile)) {
      pckSignChain = chainFile(pckSignChainFile);
    }
    Path pckCertFile = dir.resolve("pckCert.pem");
    List<Bytes> pckChain = List.of();
    if (Files.exists(pckCertFile)) {
      List<Bytes> leaf = fileWrap(pckCertFile, () -> Encodings.certificatesFromPem(readText(pckCertFile, MAX_FILE), "certificates"));
      if (leaf.size() != 1) {
        throw new MalformedInputException(pckCertFile + ": expected exactly one certificate, got " + leaf.size());
      }
      List<Bytes> all = new ArrayList<>(leaf);
      all.addAll(pckSignChain);
      pckChain = all;
    }
    return new Collateral(
        rootCaCrl, pckCrl, pckSignChain, tcbInfo, tcbChain, qeIdentity, qeChain, pckChain);
  }

  /**
   * Loads collateral from a path: a directory goes to {@link #fromDirectory}, a regular file is read
   * as dcap-qvl JSON.
   *
   * @throws MalformedInputException naming the file and field at fault
   * @throws IOException when the path cannot be read
   */
  public static Collateral load(Path path) throws MalformedInputException, IOException {
    if (Files.isDirectory(path)) {
      return fromDirectory(path);
    }
    if (!Files.exists(path)) {
      throw new MalformedInputException(path + ": no such file or directory");
    }
    return fileWrap(path, () -> fromDcapQvlJson(readText(path, Encodings.MAX_DOCUMENT)));
  }

  private static Path requireFile(Path dir, String name) throws MalformedInputException {
    Path p = dir.resolve(name);
    if (!Files.exists(p)) {
      throw new MalformedInputException(dir + ": missing " + name);
    }
    return p;
  }

  private static List<Bytes> chainFile(Path p) throws MalformedInputException, IOException {
    return fileWrap(p, () -> Encodings.nonEmptyCertificatesFromPem(readText(p, MAX_FILE), "certificates"));
  }

  private static Optional<Bytes> crlFiles(Path dir, String base)
      throws MalformedInputException, IOException {
    Path der = dir.resolve(base + ".der");
    Path pem = dir.resolve(base + ".pem");
    Optional<Bytes> fromDer = Optional.empty();
    Optional<Bytes> fromPem = Optional.empty();
    if (Files.exists(der)) {
      fromDer = Optional.of(fileWrap(der, () -> Encodings.crlFromBytes(readBytes(der, MAX_FILE), "CRL")));
    }
    if (Files.exists(pem)) {
      fromPem = Optional.of(fileWrap(pem, () -> Encodings.crlFromBytes(readBytes(pem, MAX_FILE), "CRL")));
    }
    if (fromDer.isPresent() && fromPem.isPresent() && !fromDer.get().equals(fromPem.get())) {
      throw new MalformedInputException(
          dir + ": " + base + ".der and " + base + ".pem hold different CRLs");
    }
    return fromDer.isPresent() ? fromDer : fromPem;
  }

  private interface FileParse<T> {
    T run() throws MalformedInputException, IOException;
  }

  private static <T> T fileWrap(Path file, FileParse<T> p) throws MalformedInputException, IOException {
    try {
      return p.run();
    } catch (MalformedInputException e) {
      throw new MalformedInputException(file.getFileName() + ": " + e.getMessage(), e);
    }
  }

  private static byte[] readBytes(Path p, int max) throws MalformedInputException, IOException {
    if (!Files.isRegularFile(p)) {
      throw new MalformedInputException("not a regular file");
    }
    try (InputStream in = Files.newInputStream(p)) {
      byte[] data = in.readNBytes(max + 1);
      Encodings.checkSize(data.length, max, "file");
      return data;
    }
  }

  private static String readText(Path p, int max) throws MalformedInputException, IOException {
    return Encodings.utf8(readBytes(p, max), "file");
  }

  // ---------------------------------------------------------------------------------------------
  // fortanix/rust-sgx cache files

  /**
   * Parses a fortanix/rust-sgx {@code *.tcb} file: {@code raw_tcb_info} (exact signed text), {@code
   * signature} (DER ECDSA signature as an array of byte values, converted strictly to {@code r ||
   * s}) and {@code ca_chain} (array of PEM strings).
   */
  public static FortanixTcbFile fromFortanixTcbFile(String json) throws MalformedInputException {
    JsonObject o = fortanixDocument(json);
    Bytes sig = fortanixSignature(o);
    SignedTcbInfo info = signedTcbInfo(JsonFields.string(o, "raw_tcb_info", ""), sig, "raw_tcb_info");
    return new FortanixTcbFile(info, fortanixChain(o));
  }

  /**
   * Parses a fortanix/rust-sgx enclave identity file such as {@code qe3_identity.id}: {@code
   * raw_enclave_identity}, {@code signature} (DER as byte array) and {@code ca_chain}.
   */
  public static FortanixIdentityFile fromFortanixIdentityFile(String json)
      throws MalformedInputException {
    JsonObject o = fortanixDocument(json);
    Bytes sig = fortanixSignature(o);
    SignedEnclaveIdentity id =
        signedIdentity(JsonFields.string(o, "raw_enclave_identity", ""), sig, "raw_enclave_identity");
    return new FortanixIdentityFile(id, fortanixChain(o));
  }

  private static JsonObject fortanixDocument(String json) throws MalformedInputException {
    Encodings.checkSize(json.length(), Encodings.MAX_DOCUMENT, "fortanix file");
    try {
      return Json.parseObject(json);
    } catch (MalformedInputException e) {
      throw new MalformedInputException("fortanix file: " + e.getMessage(), e);
    }
  }

  private static Bytes fortanixSignature(JsonObject o) throws MalformedInputException {
    List<JsonValue> arr = JsonFields.array(o, "signature", "");
    if (arr.size() > 72) {
      throw new MalformedInputException("signature: DER ECDSA signature longer than 72 bytes");
    }
    byte[] der = new byte[arr.size()];
    for (int i = 0; i < der.length; i++) {
      der[i] = (byte) JsonFields.asInteger(arr.get(i), JsonFields.index("signature", i), 0, 255);
    }
    return Ecdsa.derToP1363(der, "signature");
  }

  private static List<Bytes> fortanixChain(JsonObject o) throws MalformedInputException {
    List<JsonValue> arr = JsonFields.array(o, "ca_chain", "");
    if (arr.isEmpty() || arr.size() > Encodings.MAX_CHAIN) {
      throw new MalformedInputException("ca_chain: expected 1.." + Encodings.MAX_CHAIN + " entries, got " + arr.size());
    }
    List<Bytes> out = new ArrayList<>();
    for (int i = 0; i < arr.size(); i++) {
      String what = JsonFields.index("ca_chain", i);
      out.addAll(Encodings.nonEmptyCertificatesFromPem(JsonFields.asString(arr.get(i), what), what));
    }
    if (out.size() > Encodings.MAX_CHAIN) {
      throw new MalformedInputException("ca_chain: more than " + Encodings.MAX_CHAIN + " certificates");
    }
    return List.copyOf(out);
  }
}
