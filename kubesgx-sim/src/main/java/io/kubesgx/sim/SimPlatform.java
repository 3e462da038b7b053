package io.kubesgx.sim;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.enclave.Attributes;
import io.kubesgx.enclave.KeyRequest;
import io.kubesgx.enclave.Measurement;
import io.kubesgx.enclave.Report;
import io.kubesgx.enclave.Sigstruct;
import io.kubesgx.enclave.SigstructSigner;
import io.kubesgx.enclave.sim.BaseKeys;
import io.kubesgx.enclave.sim.SgxException;
import io.kubesgx.enclave.sim.SimCpu;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.pck.PckCa;
import io.kubesgx.common.io.AtomicFiles;
import io.kubesgx.sim.internal.Sealing;
import io.kubesgx.sim.pki.DcapPki;
import io.kubesgx.sim.pki.DerivedKey;
import io.kubesgx.sim.pki.PckCertSpec;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One simulated SGX platform, kept in a directory so that a restarted platform keeps its identity:
 * {@code platform.json} (public: FMSPC, CPUSVN, PCESVN, scenario), {@code fuses.json} (mode 0600:
 * the CPU's base keys and owner epoch and the simulation PKI seed) and {@code
 * qe3-attestation-key.sealed} (the QE's ECDSA attestation key sealed with the QE's EGETKEY(SEAL,
 * MRSIGNER) key, as QE3 keeps its key blob).
 *
 * <p>Opening a platform runs what a real node does at start: the launch of the simulated QE3 and
 * PCE, the QE's report targeted at the PCE with REPORTDATA = SHA-256(attestation key ‖
 * authentication data) ‖ zeros, and the PCE's signature of that report with the PCK key, which
 * derives from EGETKEY(PROVISION) of the PCE.
 *
 * <p>The QE3 and PCE carry the identities of Intel's ({@link #INTEL_AE_MRSIGNER}, ISVPRODID 1 and
 * 0), so the attestation key ID, the QE report and the QE identity collateral look like Intel's and
 * applications built against Intel's libraries ask for them unmodified. Nobody but Intel can sign a
 * SIGSTRUCT with that MRSIGNER, so the platform launches them as <em>architectural enclaves</em>:
 * their SECS is created directly, without a SIGSTRUCT or its RSA check ({@link
 * #launchArchitecturalEnclave}). Only the simulation root keeps such quotes from being accepted as
 * real: a verifier pinned to Intel's root rejects them with {@code UNTRUSTED_ROOT}.
 *
 * <p>Platforms created before this (whose {@code fuses.json} is {@code kubesgx-sim-fuses/1} and
 * carries a vendor RSA key that signed the QE and PCE) keep working: on first open the attestation
 * key is unsealed with the old QE identity, sealed again under the new one, and {@code fuses.json}
 * is rewritten without the vendor key.
 *
 * <pre>{@code
 * SimPlatform p = SimPlatform.openOrCreate(dir, Clock.systemUTC());
 * Report r = p.cpu().ereport(app, p.quotingEnclave().targetInfo(), reportData);
 * byte[] quote = p.quotingEnclave().quote(r, 3);
 * }</pre>
 */
public final class SimPlatform {
  /** Subject name prefix of every simulation certificate (the root's CN says SIMULATED). */
  public static final String NAME_PREFIX = "kubesgx SIMULATED";
  /** Subject name suffix of every simulation certificate. */
  public static final String NAME_SUFFIX = ", O=kubesgx simulated SGX platform (not Intel hardware), C=US";
  /** Base URL written into the simulation certificates' CRL distribution points. */
  public static final String CRL_BASE_URL = "https://pcs.sim.kubesgx.invalid/sgx/certification/v4/";
  /** The QE authentication data, 32 bytes 00 01 … 1f as Intel's QE3 uses. */
  public static final Bytes QE_AUTH_DATA = authData();
  /**
   * MRSIGNER of Intel's architectural enclaves (QE3, PCE): the value in Intel's QE identity and in
   * Intel's QE3 attestation key ID ({@code kubernetes-sgx.md} §8.2).
   */
  public static final Bytes INTEL_AE_MRSIGNER = hex("8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff");
  /** ISVPRODID of the quoting enclave (Intel's QE3: 1). */
  public static final int QE_PROD_ID = 1;
  /** ISVPRODID of the PCE. */
  public static final int PCE_PROD_ID = 0;
  /** ATTRIBUTES.flags of QE and PCE before EINIT: MODE64BIT | PROVISIONKEY. */
  static final long QE_SECS_FLAGS = Attributes.MODE64BIT | Attributes.PROVISIONKEY;
  /** ATTRIBUTES.xfrm of QE and PCE. */
  static final long QE_XFRM = 0xe7;
  /** Seal key attribute mask of Intel's SDK ({@code TSEAL_DEFAULT_FLAGSMASK}). */
  static final long SEAL_FLAGS_MASK = 0xff0000000000000bL;
  /** Seal key MISCMASK of Intel's SDK. */
  static final long SEAL_MISC_MASK = 0xf0000000L;

  private static final String FUSES_FORMAT = "kubesgx-sim-fuses/2";
  /** Fuses of platforms whose QE and PCE were signed with a per-platform vendor key; migrated on open. */
  private static final String FUSES_FORMAT_V1 = "kubesgx-sim-fuses/1";
  private static final String AK_LABEL = "kubesgx-qe3-attestation-key";

  private final Path dir;
  private final PlatformConfig config;
  private final SimCpu cpu;
  private final DcapPki pki;
  private final SimEnclave qe;
  private final SimEnclave pce;
  private final DcapPki.Issued pck;
  private final QuotingEnclave quotingEnclave;
  private final Clock clock;

  private SimPlatform(Path dir, PlatformConfig config, Fuses fuses, Clock clock, boolean createKey)
      throws IOException, MalformedInputException {
    // Callers hold the platform lock: opening a version-1 platform rewrites its key blob and fuses.
    this.dir = dir;
    this.config = config;
    this.clock = clock;
    this.cpu = SimCpu.of(fuses.baseKeys, fuses.ownerEpoch, config.cpuSvn());
    Instant day = config.created().truncatedTo(ChronoUnit.DAYS);
    this.pki =
        DcapPki.newBuilder(fuses.pkiSeed.hex())
            .names(NAME_PREFIX, NAME_SUFFIX)
            .crlBaseUrl(CRL_BASE_URL)
            .caValidity(day.minus(1, ChronoUnit.DAYS), day.plus(30 * 365, ChronoUnit.DAYS))
            .tcbSigningValidity(day.minus(1, ChronoUnit.DAYS), day.plus(30 * 365, ChronoUnit.DAYS))
            .build();
    this.qe = launchArchitecturalEnclave(cpu, "qe3", QE_PROD_ID, config.qeSvn());
    this.pce = launchArchitecturalEnclave(cpu, "pce", PCE_PROD_ID, config.pceSvn());
    Bytes provisionKey = key(pce, KeyRequest.KEYNAME_PROVISION, config.pceSvn());
    this.pck =
        pki.issuePck(
            PckCertSpec.newBuilder()
                .ca(config.pckCa())
                .keyLabel("pck/" + provisionKey.hex())
                .serial(pckSerial(config))
                .validity(day.minus(1, ChronoUnit.DAYS), day.plus(7 * 365, ChronoUnit.DAYS))
                .ppid(config.ppid().hex())
                .components(config.components())
                .pceSvn(config.pceSvn())
                .cpuSvn(config.cpuSvn().hex())
                .pceId(config.pceId().hex())
                .fmspc(config.fmspc().hex())
                .platformInstanceId(platformInstanceId(config).hex())
                .build());
    KeyPair ak = attestationKey(createKey, fuses);
    if (fuses.legacyVendorKey != null) {
      AtomicFiles.write(dir.resolve("fuses.json"), fuses.withoutVendorKey().toJson().getBytes(StandardCharsets.UTF_8),
          true);
    }
    Bytes qeId = provisionKey.concat(Bytes.of("kubesgx-qe-id".getBytes(StandardCharsets.US_ASCII))).sha256().slice(0, 16);
    this.quotingEnclave = certify(ak, qeId);
  }

  /** Opens the platform in {@code dir}, creating it with default values when absent. */
  public static SimPlatform openOrCreate(Path dir, Clock clock) throws IOException, MalformedInputException {
    return openOrCreate(dir, clock, null);
  }

  /**
   * Opens the platform in {@code dir}; when absent, creates it from {@code template} (a config
   * whose {@code created} is replaced by now) or from the defaults when {@code template} is null.
   */
  public static SimPlatform openOrCreate(Path dir, Clock clock, PlatformConfig template)
      throws IOException, MalformedInputException {
    AtomicFiles.createPrivateDirectory(dir);
    return locked(dir, () -> {
      if (Files.exists(dir.resolve("platform.json"))) {
        return load(dir, clock);
      }
      PlatformConfig cfg = template != null ? template : defaults(clock.instant());
      cfg = new PlatformConfig(clock.instant().truncatedTo(ChronoUnit.SECONDS), cfg.fmspc(), cfg.pceId(),
          cfg.cpuSvn(), cfg.pceSvn(), cfg.qeSvn(), cfg.ppid(), cfg.pckCa(), cfg.scenario());
      Fuses fuses = Fuses.random();
      AtomicFiles.write(dir.resolve("fuses.json"), fuses.toJson().getBytes(StandardCharsets.UTF_8), true);
      AtomicFiles.write(dir.resolve("platform.json"), cfg.toJson().getBytes(StandardCharsets.UTF_8), false);
      SimPlatform p = new SimPlatform(dir, cfg, fuses, clock, true);
      AtomicFiles.write(dir.resolve("root-ca.der"), p.rootCertificateDer().toByteArray(), false);
      return p;
    });
  }

  /** Work on a platform directory that may be shared: one thread of this JVM and one process at a time. */
  private interface LockedWork<T> {
    T run() throws IOException, MalformedInputException;
  }

  private static final ConcurrentHashMap<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

  private static <T> T locked(Path dir, LockedWork<T> work) throws IOException, MalformedInputException {
    Object jvmLock = JVM_LOCKS.computeIfAbsent(dir.toAbsolutePath().normalize(), k -> new Object());
    synchronized (jvmLock) {
      try (FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = ch.lock()) {
        return work.run();
      }
    }
  }

  /** Opens an existing platform; a missing or damaged directory is an error that says which file. */
  public static SimPlatform open(Path dir, Clock clock) throws IOException, MalformedInputException {
    if (!Files.exists(dir.resolve("platform.json"))) {
      throw new NoSuchFileException(dir.resolve("platform.json").toString(), null,
          "no simulated platform here; create one with 'kubesgx sim quote --platform " + dir + " …'");
    }
    return locked(dir, () -> load(dir, clock));
  }

  private static SimPlatform load(Path dir, Clock clock) throws IOException, MalformedInputException {
    PlatformConfig cfg = PlatformConfig.parse(Files.readString(dir.resolve("platform.json")));
    Fuses fuses = Fuses.parse(Files.readString(dir.resolve("fuses.json")));
    return new SimPlatform(dir, cfg, fuses, clock, false);
  }

  /** Returns the default configuration: FMSPC {@value PlatformConfig#DEFAULT_FMSPC}, scenario UpToDate, a random PPID. */
  public static PlatformConfig defaults(Instant now) {
    byte[] ppid = new byte[16];
    new SecureRandom().nextBytes(ppid);
    try {
      return new PlatformConfig(now, Bytes.fromHex(PlatformConfig.DEFAULT_FMSPC), Bytes.fromHex("0000"),
          Bytes.fromHex(PlatformConfig.DEFAULT_CPUSVN), PlatformConfig.DEFAULT_PCE_SVN, PlatformConfig.DEFAULT_QE_SVN,
          Bytes.of(ppid), PckCa.PROCESSOR, Scenario.UP_TO_DATE);
    } catch (MalformedInputException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Switches the scenario the platform's collateral follows and stores it; returns the reopened platform. */
  public SimPlatform withScenario(Scenario scenario) throws IOException, MalformedInputException {
    if (scenario == config.scenario()) {
      return this;
    }
    return locked(dir, () -> {
      PlatformConfig cfg = PlatformConfig.parse(Files.readString(dir.resolve("platform.json"))).withScenario(scenario);
      AtomicFiles.write(dir.resolve("platform.json"), cfg.toJson().getBytes(StandardCharsets.UTF_8), false);
      return load(dir, clock);
    });
  }

  /** Returns the platform directory. */
  public Path directory() {
    return dir;
  }

  /** Returns the platform description. */
  public PlatformConfig config() {
    return config;
  }

  /** Returns the scenario the platform's collateral follows. */
  public Scenario scenario() {
    return config.scenario();
  }

  /** Returns the simulated CPU (EREPORT, EGETKEY). */
  public SimCpu cpu() {
    return cpu;
  }

  /** Returns the quoting enclave. */
  public QuotingEnclave quotingEnclave() {
    return quotingEnclave;
  }

  /** Returns the clock the platform was opened with. */
  public Clock clock() {
    return clock;
  }

  /** Returns the simulation PKI (root, PCK CAs, TCB signer). */
  public DcapPki pki() {
    return pki;
  }

  /** Returns the simulation root CA certificate; its subject says SIMULATED. */
  public X509Certificate rootCertificate() {
    return pki.rootCertificate();
  }

  /** Returns the DER encoding of the simulation root CA certificate. */
  public Bytes rootCertificateDer() {
    return DcapPki.der(pki.rootCertificate());
  }

  /** Returns the platform's PCK certificate and key. */
  public DcapPki.Issued pck() {
    return pck;
  }

  /** Returns the PCK chain: leaf, Processor or Platform CA, root. */
  public List<X509Certificate> pckChain() {
    return pki.pckChain(pck);
  }

  /** Returns the quoting enclave's SECS identity. */
  public SimEnclave qeEnclave() {
    return qe;
  }

  /** Returns the collateral of {@code scenario} at {@code now}. */
  public SimCollateral collateral(Scenario scenario, Instant now) {
    return SimCollateral.of(this, scenario, now, null);
  }

  /** Returns the collateral of the platform's own scenario at the clock's time. */
  public SimCollateral collateral() {
    return collateral(config.scenario(), clock.instant());
  }

  /**
   * Launches a simulated architectural enclave: the SECS of the synthetic image {@code name} with
   * Intel's MRSIGNER {@link #INTEL_AE_MRSIGNER}, ATTRIBUTES MODE64BIT | PROVISIONKEY (then INIT),
   * XFRM {@value #QE_XFRM}, {@code prodId} and {@code svn}. There is no SIGSTRUCT: only Intel can sign
   * one for this MRSIGNER, so the simulated platform vouches for its own QE and PCE instead of EINIT
   * checking an RSA signature. Application enclaves never take this path.
   */
  static SimEnclave launchArchitecturalEnclave(SimCpu cpu, String name, int prodId, int svn) {
    Attributes secs = new Attributes(QE_SECS_FLAGS, QE_XFRM);
    return new SimEnclave(syntheticImage(name, prodId), INTEL_AE_MRSIGNER, secs.withFlags(Attributes.INIT), 0, prodId,
        svn, Bytes.zeros(64), 0, Bytes.zeros(16), Bytes.zeros(16));
  }

  /** The QE or PCE of a version-1 platform: signed with the platform's vendor key and dated at creation. */
  private SimEnclave legacyEinit(RSAPrivateCrtKey vendorKey, String name, int prodId, int svn) {
    Attributes secs = new Attributes(QE_SECS_FLAGS, QE_XFRM);
    Bytes mr = syntheticImage(name, prodId);
    Sigstruct sig =
        SigstructSigner.newBuilder()
            .enclaveHash(mr)
            .date(LocalDate.ofInstant(config.created(), ZoneOffset.UTC))
            .vendor(0x8086)
            .attributes(secs, new Attributes(~Attributes.DEBUG, 0))
            .isvProdId(prodId)
            .isvSvn(svn)
            .sign(vendorKey);
    try {
      return cpu.einit(sig, secs, 0, mr, Bytes.zeros(64), 0);
    } catch (SgxException e) {
      throw new IllegalStateException("EINIT of the version-1 " + name + " failed: " + e.getMessage(), e);
    }
  }

  /** Measures a small synthetic enclave image (one TCS page, two code pages, one data page) named {@code name}. */
  static Bytes syntheticImage(String name, int prodId) {
    Measurement m = Measurement.ecreate(1, 0x10000);
    long rx = Measurement.PT_REG | Measurement.SECINFO_R | Measurement.SECINFO_X;
    long rw = Measurement.PT_REG | Measurement.SECINFO_R | Measurement.SECINFO_W;
    m.addPage(0x0, Measurement.PT_TCS, page(name, prodId, 0), true);
    m.addPage(0x1000, rx, page(name, prodId, 1), true);
    m.addPage(0x2000, rx, page(name, prodId, 2), true);
    m.addPage(0x3000, rw, page(name, prodId, 3), true);
    return m.mrEnclave();
  }

  private static Bytes page(String name, int prodId, int index) {
    byte[] p = new byte[4096];
    Bytes block = Bytes.of(("kubesgx simulated " + name + " prodid " + prodId + " page " + index)
        .getBytes(StandardCharsets.US_ASCII)).sha256();
    for (int off = 0; off < p.length; off += 32) {
      System.arraycopy(block.toByteArray(), 0, p, off, 32);
      block = block.sha256();
    }
    return Bytes.of(p);
  }

  private Bytes key(SimEnclave enclave, int keyName, int isvSvn) {
    KeyRequest req =
        new KeyRequest(keyName, KeyRequest.POLICY_MRSIGNER, isvSvn, cpu.cpuSvn(),
            new Attributes(SEAL_FLAGS_MASK, 0), Bytes.zeros(32), SEAL_MISC_MASK, 0);
    try {
      return cpu.egetkey(enclave, req);
    } catch (SgxException e) {
      throw new IllegalStateException("EGETKEY failed inside the simulated platform: " + e.getMessage(), e);
    }
  }

  private KeyPair attestationKey(boolean create, Fuses fuses) throws IOException, MalformedInputException {
    Path blob = dir.resolve("qe3-attestation-key.sealed");
    Bytes sealKey = key(qe, KeyRequest.KEYNAME_SEAL, config.qeSvn());
    if (!create && fuses.legacyVendorKey != null && Files.exists(blob)) {
      migrateAttestationKey(blob, sealKey, fuses.legacyVendorKey);
    }
    try {
      KeyFactory kf = KeyFactory.getInstance("EC");
      if (create || !Files.exists(blob)) {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        String json =
            JsonBuilder.object()
                .put("private", Base64.getEncoder().encodeToString(kp.getPrivate().getEncoded()))
                .put("public", Base64.getEncoder().encodeToString(kp.getPublic().getEncoded()))
                .toString();
        AtomicFiles.write(blob, Sealing.seal(sealKey, AK_LABEL, json.getBytes(StandardCharsets.UTF_8)), true);
        return kp;
      }
      byte[] plain = Sealing.unseal(sealKey, AK_LABEL, Files.readAllBytes(blob));
      JsonObject o = Json.parseObject(new String(plain, StandardCharsets.UTF_8));
      PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(o.string("private"))));
      ECPublicKey pub =
          (ECPublicKey) kf.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(o.string("public"))));
      return new KeyPair(pub, priv);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new MalformedInputException(blob + ": the sealed attestation key is unusable: " + e.getMessage(), e);
    }
  }

  /**
   * Re-seals a version-1 platform's attestation key: unsealed with the seal key of the old,
   * vendor-signed QE, sealed again with {@code sealKey}. A blob the new key already opens (a migration
   * interrupted after this step) is left alone.
   */
  private void migrateAttestationKey(Path blob, Bytes sealKey, RSAPrivateCrtKey vendorKey)
      throws IOException, MalformedInputException {
    byte[] sealed = Files.readAllBytes(blob);
    try {
      Sealing.unseal(sealKey, AK_LABEL, sealed);
      return;
    } catch (MalformedInputException alreadyMigrated) {
      // expected for a version-1 blob
    }
    SimEnclave oldQe = legacyEinit(vendorKey, "qe3", QE_PROD_ID, config.qeSvn());
    byte[] plain = Sealing.unseal(key(oldQe, KeyRequest.KEYNAME_SEAL, config.qeSvn()), AK_LABEL, sealed);
    AtomicFiles.write(blob, Sealing.seal(sealKey, AK_LABEL, plain), true);
  }

  private QuotingEnclave certify(KeyPair ak, Bytes qeId) {
    Bytes akXy = io.kubesgx.common.crypto.Ecdsa.xy((ECPublicKey) ak.getPublic());
    Bytes reportData = akXy.concat(QE_AUTH_DATA).sha256().concat(Bytes.zeros(32));
    Report qeReport = cpu.ereport(qe, pce.targetInfo(), reportData);
    // The PCE accepts only a report it can verify, from an enclave with PROVISIONKEY.
    if (!cpu.verifyReport(pce, qeReport) || (qeReport.body().attributeFlags() & Attributes.PROVISIONKEY) == 0) {
      throw new IllegalStateException("the simulated PCE rejected the QE report");
    }
    DerivedKey pckKey = pck.key();
    Bytes qeReportSig = pckKey.signP1363(qeReport.body().raw().toByteArray());
    return new QuotingEnclave(this, qe, ak, akXy, qeReport.body().raw(), qeReportSig, qeId);
  }

  /** The platform instance ID of a Platform-CA PCK certificate: derived from the PPID, stable across restarts. */
  private static Bytes platformInstanceId(PlatformConfig c) {
    return Bytes.of("kubesgx-sim-platform-instance".getBytes(StandardCharsets.US_ASCII)).concat(c.ppid()).sha256()
        .slice(0, 16);
  }

  private static Bytes authData() {
    byte[] b = new byte[32];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) i;
    }
    return Bytes.of(b);
  }

  private static BigInteger pckSerial(PlatformConfig c) {
    Bytes h = Bytes.of("kubesgx-sim-pck-serial".getBytes(StandardCharsets.US_ASCII))
        .concat(c.ppid()).concat(c.cpuSvn()).concat(c.fmspc()).sha256();
    return new BigInteger(1, h.slice(0, 16).toByteArray());
  }

  private static Bytes hex(String h) {
    try {
      return Bytes.fromHex(h);
    } catch (MalformedInputException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The platform's secrets; {@code legacyVendorKey} only while a version-1 platform is migrated. */
  private static final class Fuses {
    final BaseKeys baseKeys;
    final Bytes ownerEpoch;
    final Bytes pkiSeed;
    final RSAPrivateCrtKey legacyVendorKey;

    Fuses(BaseKeys baseKeys, Bytes ownerEpoch, Bytes pkiSeed, RSAPrivateCrtKey legacyVendorKey) {
      this.baseKeys = Objects.requireNonNull(baseKeys);
      this.ownerEpoch = ownerEpoch;
      this.pkiSeed = pkiSeed;
      this.legacyVendorKey = legacyVendorKey;
    }

    static Fuses random() {
      SecureRandom r = new SecureRandom();
      byte[] epoch = new byte[16];
      byte[] seed = new byte[32];
      r.nextBytes(epoch);
      r.nextBytes(seed);
      return new Fuses(BaseKeys.random(r), Bytes.of(epoch), Bytes.of(seed), null);
    }

    Fuses withoutVendorKey() {
      return new Fuses(baseKeys, ownerEpoch, pkiSeed, null);
    }

    String toJson() {
      return JsonBuilder.object()
          .put("format", FUSES_FORMAT)
          .put("baseKeys", baseKeys.toBytes().hex())
          .put("ownerEpoch", ownerEpoch.hex())
          .put("pkiSeed", pkiSeed.hex())
          .toString();
    }

    static Fuses parse(String json) throws MalformedInputException {
      JsonObject o = Json.parseObject(json);
      String format = o.string("format");
      boolean v1 = FUSES_FORMAT_V1.equals(format);
      if (!v1 && !FUSES_FORMAT.equals(format)) {
        throw new MalformedInputException("fuses.json: format must be '" + FUSES_FORMAT + "' (or '" + FUSES_FORMAT_V1
            + "' of earlier versions), got '" + format + "'");
      }
      try {
        RSAPrivateCrtKey k = null;
        if (v1) {
          byte[] pkcs8 = Base64.getDecoder().decode(o.string("vendorKey"));
          k = (RSAPrivateCrtKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        }
        Bytes epoch = Bytes.fromHex(o.string("ownerEpoch"));
        Bytes seed = Bytes.fromHex(o.string("pkiSeed"));
        if (epoch.length() != 16 || seed.length() != 32) {
          throw new MalformedInputException("fuses.json: ownerEpoch must be 16 bytes and pkiSeed 32 bytes");
        }
        return new Fuses(BaseKeys.parse(Bytes.fromHex(o.string("baseKeys"))), epoch, seed, k);
      } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
        throw new MalformedInputException("fuses.json: " + e.getMessage(), e);
      }
    }
  }
}
