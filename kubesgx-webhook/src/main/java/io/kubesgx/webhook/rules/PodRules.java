package io.kubesgx.webhook.rules;

import io.kubesgx.common.sgx.EpcResource;
import io.kubesgx.common.sgx.SgxNodeConventions;
import io.kubesgx.webhook.pod.AdmissionRequest;
import io.kubesgx.webhook.pod.Quantities;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The mutation and validation rules for SGX pods (docs/webhook.md lists each rule).
 *
 * <p>Both entry points are total: for any request they return a decision and never throw. A pod
 * that requests no SGX resource is always allowed unchanged, without a patch.
 *
 * <pre>{@code
 * PodRules rules = new PodRules(new RulesConfig(EpcResource.INTEL, capacity));
 * AdmissionDecision d = rules.mutate(AdmissionReviews.parse(body));
 * }</pre>
 */
public final class PodRules {
  /** Intel's quote-provider annotation: {@code aesmd} or the name of an in-process container. */
  public static final String INTEL_QUOTE_PROVIDER = "sgx.intel.com/quote-provider";
  /** Our quote-provider annotation, with the values of {@link QuoteMode}. */
  public static final String QUOTE_PROVIDER = "kubesgx.io/quote-provider";
  /** Pod annotation with the pod's total EPC (Kata reads it). */
  public static final String EPC_ANNOTATION = "sgx.intel.com/epc";
  /** Pod annotation recording a rewrite of the non-canonical EPC name. */
  public static final String EPC_REWRITE_ANNOTATION = "kubesgx.io/epc-rewrite";
  /** Enclave device share slots. */
  public static final String ENCLAVE = "sgx.intel.com/enclave";
  /** Provisioning device share slots. */
  public static final String PROVISION = "sgx.intel.com/provision";
  /** Where the AESM socket directory is mounted in containers (kubernetes-sgx.md §4.3, §8.1). */
  public static final String AESMD_DIR = "/var/run/aesmd";
  /** Volume name of the AESM socket directory (Intel's). */
  public static final String AESMD_VOLUME = "aesmd-socket";
  /** Environment variable selecting out-of-process quoting. */
  public static final String AESM_ENV = "SGX_AESM_ADDR";
  /** Intel's value of the quote-provider annotation for the AESM service. */
  public static final String INTEL_AESMD = "aesmd";
  /** Largest EPC accepted in one container at all (1 PiB), before any node comparison. */
  static final BigDecimal MAX_EPC_BYTES = BigDecimal.valueOf(1L << 50);

  /** Our quote-provider modes. */
  public enum QuoteMode {
    /** Each EPC container quotes itself and gets {@code sgx.intel.com/provision}. */
    IN_PROCESS("in-process"),
    /** The node's quote helper socket through a hostPath volume. */
    AESMD_DAEMONSET("aesmd-daemonset"),
    /** An {@code aesmd} container in the pod; the socket directory is an in-memory emptyDir. */
    AESMD_SIDECAR("aesmd-sidecar");

    private final String value;

    QuoteMode(String value) {
      this.value = value;
    }

    /** Returns the annotation value. */
    public String value() {
      return value;
    }

    static Optional<QuoteMode> parse(String v) {
      for (QuoteMode m : values()) {
        if (m.value.equals(v)) {
          return Optional.of(m);
        }
      }
      return Optional.empty();
    }

    static String valid() {
      List<String> l = new ArrayList<>();
      for (QuoteMode m : values()) {
        l.add(m.value);
      }
      return String.join(", ", l);
    }
  }

  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final String AZURE_EPC = EpcResource.AZURE.resourceName();
  private static final String INTEL_EPC = EpcResource.INTEL.resourceName();

  private final RulesConfig config;

  /** Creates the rules. */
  public PodRules(RulesConfig config) {
    this.config = Objects.requireNonNull(config);
  }

  /** Returns the configuration. */
  public RulesConfig config() {
    return config;
  }

  /** Returns whether a resource name is one the webhook looks at. */
  public static boolean isSgxResource(String name) {
    return name.startsWith("sgx.intel.com/") || name.equals(AZURE_EPC);
  }

  /** Decides the mutation of a pod CREATE request (allow unchanged, deny or patch). */
  public AdmissionDecision mutate(AdmissionRequest request) {
    return decide(request, true);
  }

  /** Decides whether a (mutated) pod CREATE request is admitted; never patches. */
  public AdmissionDecision validate(AdmissionRequest request) {
    return decide(request, false);
  }

  private AdmissionDecision decide(AdmissionRequest request, boolean mutate) {
    if (!request.isPodCreate()) {
      return AdmissionDecision.allow();
    }
    JsonNode pod = request.object();
    List<Ctr> ctrs = containers(pod);
    boolean mentionsSgx = false;
    for (Ctr c : ctrs) {
      mentionsSgx |= !c.sgx.isEmpty();
    }
    if (!mentionsSgx) {
      return AdmissionDecision.allow();
    }
    try {
      return mutate ? doMutate(pod, ctrs) : doValidate(pod, ctrs);
    } catch (Denied d) {
      return d.decision;
    } catch (PatchBuilder.ShapeException e) {
      return new AdmissionDecision.Deny(DenyReason.MALFORMED_POD,
          "cannot patch the pod: " + e.getMessage(), List.of());
    }
  }

  // ---- analysis ----------------------------------------------------------------------------

  /** One SGX resource of a container, validated: limits == requests, whole, non-negative. */
  private record Res(String reqText, String limText, BigDecimal value) {}

  private static final class Ctr {
    final String list;
    final int index;
    final String name;
    final Map<String, String> requests = new LinkedHashMap<>();
    final Map<String, String> limits = new LinkedHashMap<>();
    final Set<String> sgx = new LinkedHashSet<>();
    final Map<String, Res> res = new LinkedHashMap<>();
    long epcBytes;
    String epcName;

    Ctr(String list, int index, String name) {
      this.list = list;
      this.index = index;
      this.name = name;
    }

    String base() {
      return "/spec/" + list + "/" + index;
    }

    String label() {
      return (list.equals("initContainers") ? "init container " : "container ")
          + (name.isEmpty() ? "#" + index : "'" + name + "'");
    }

    boolean init() {
      return list.equals("initContainers");
    }
  }

  private static final class Denied extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient AdmissionDecision decision;

    Denied(DenyReason reason, String message) {
      super(message, null, false, false);
      this.decision = new AdmissionDecision.Deny(reason, message, List.of());
    }
  }

  private static List<Ctr> containers(JsonNode pod) {
    List<Ctr> out = new ArrayList<>();
    JsonNode spec = pod.get("spec");
    if (spec == null || !spec.isObject()) {
      return out;
    }
    for (String list : List.of("initContainers", "containers")) {
      JsonNode arr = spec.get(list);
      if (arr == null || !arr.isArray()) {
        continue;
      }
      for (int i = 0; i < arr.size(); i++) {
        JsonNode c = arr.get(i);
        if (!c.isObject()) {
          continue;
        }
        JsonNode n = c.get("name");
        Ctr ctr = new Ctr(list, i, n != null && n.isString() ? n.stringValue() : "");
        JsonNode resources = c.get("resources");
        if (resources != null && resources.isObject()) {
          collect(resources.get("requests"), ctr.requests, ctr.sgx);
          collect(resources.get("limits"), ctr.limits, ctr.sgx);
        }
        out.add(ctr);
      }
    }
    return out;
  }

  private static void collect(JsonNode map, Map<String, String> into, Set<String> sgx) {
    if (map == null || !map.isObject()) {
      return;
    }
    for (Map.Entry<String, JsonNode> e : map.properties()) {
      if (!isSgxResource(e.getKey())) {
        continue;
      }
      JsonNode v = e.getValue();
      into.put(e.getKey(), v.isString() ? v.stringValue() : v.isNumber() ? v.asString() : "");
      sgx.add(e.getKey());
    }
  }

  /** Validates every SGX resource and fills {@code res} and the container's EPC. */
  private void analyse(List<Ctr> ctrs) {
    for (Ctr c : ctrs) {
      for (String r : c.sgx) {
        String req = c.requests.get(r);
        String lim = c.limits.get(r);
        BigDecimal rv = req == null ? null : quantity(c, r, "requests", req);
        BigDecimal lv = lim == null ? null : quantity(c, r, "limits", lim);
        if (rv != null && lv != null && rv.compareTo(lv) != 0) {
          throw new Denied(DenyReason.LIMITS_NOT_EQUAL_REQUESTS, c.label() + ": " + r
              + " has requests " + req + " but limits " + lim
              + "; SGX resources cannot be overcommitted, set limits equal to requests");
        }
        c.res.put(r, new Res(req, lim, rv != null ? rv : lv));
      }
      BigDecimal intel = value(c, INTEL_EPC);
      BigDecimal azure = value(c, AZURE_EPC);
      if (intel.signum() > 0 && azure.signum() > 0) {
        throw new Denied(DenyReason.BOTH_EPC_NAMES, c.label() + " requests EPC as both "
            + INTEL_EPC + " and " + AZURE_EPC + "; request it once, as "
            + config.canonical().resourceName() + " (this cluster's EPC resource)");
      }
      BigDecimal bytes = intel.signum() > 0 ? intel
          : azure.multiply(BigDecimal.valueOf(EpcResource.MIB));
      if (bytes.compareTo(MAX_EPC_BYTES) > 0) {
        throw new Denied(DenyReason.EPC_TOO_LARGE, c.label() + " requests more EPC than any "
            + "machine has (" + bytes.toPlainString() + " bytes); request at most the EPC of the "
            + "largest SGX node");
      }
      c.epcBytes = bytes.longValueExact();
      c.epcName = intel.signum() > 0 ? INTEL_EPC : azure.signum() > 0 ? AZURE_EPC : null;
    }
  }

  private static BigDecimal quantity(Ctr c, String r, String where, String text) {
    Optional<BigDecimal> v = Quantities.parse(text);
    if (v.isEmpty() || v.get().signum() < 0 || !Quantities.isIntegral(v.get())) {
      throw new Denied(DenyReason.NON_INTEGRAL, c.label() + ": resources." + where + "[" + r
          + "] = '" + text + "' is not a whole, non-negative quantity; use e.g. "
          + (r.equals(INTEL_EPC) ? "10Mi" : "1"));
    }
    if (v.get().compareTo(MAX_EPC_BYTES) > 0) {
      throw new Denied(DenyReason.EPC_TOO_LARGE, c.label() + ": resources." + where + "[" + r
          + "] = '" + text + "' is larger than any SGX machine provides");
    }
    return v.get();
  }

  private static BigDecimal value(Ctr c, String r) {
    Res res = c.res.get(r);
    return res == null ? BigDecimal.ZERO : res.value;
  }

  /** The quote-provider choice for the pod. */
  private record Quote(boolean aesmd, boolean sidecar, Set<String> provisionContainers,
      boolean provisionAll, boolean usesHelper) {
    Quote(boolean aesmd, boolean sidecar, Set<String> provisionContainers, boolean provisionAll) {
      this(aesmd, sidecar, provisionContainers, provisionAll, aesmd && !sidecar);
    }
  }

  private static String annotation(JsonNode pod, String key) {
    JsonNode md = pod.get("metadata");
    if (md == null || !md.isObject()) {
      return null;
    }
    JsonNode a = md.get("annotations");
    if (a == null || !a.isObject()) {
      return null;
    }
    JsonNode v = a.get(key);
    return v != null && v.isString() ? v.stringValue() : null;
  }

  private static Quote quote(JsonNode pod, List<Ctr> ctrs) {
    String intel = annotation(pod, INTEL_QUOTE_PROVIDER);
    String ours = annotation(pod, QUOTE_PROVIDER);
    if (intel != null && ours != null) {
      throw new Denied(DenyReason.UNKNOWN_QUOTE_PROVIDER, "the pod has both " + QUOTE_PROVIDER
          + " and " + INTEL_QUOTE_PROVIDER + "; keep one of them");
    }
    List<Ctr> epcMain = new ArrayList<>();
    boolean aesmdWithEpc = false;
    Set<String> names = new LinkedHashSet<>();
    for (Ctr c : ctrs) {
      names.add(c.name);
      if (!c.init() && c.epcBytes > 0) {
        epcMain.add(c);
        aesmdWithEpc |= c.name.equals(INTEL_AESMD);
      }
    }
    if (ours != null) {
      Optional<QuoteMode> m = QuoteMode.parse(ours);
      if (m.isEmpty()) {
        throw new Denied(DenyReason.UNKNOWN_QUOTE_PROVIDER, "unknown " + QUOTE_PROVIDER + " '"
            + shorten(ours) + "'; valid values: " + QuoteMode.valid());
      }
      switch (m.get()) {
        case IN_PROCESS:
          return new Quote(false, false, Set.of(), true);
        case AESMD_DAEMONSET:
          return new Quote(true, false, Set.of(), false);
        default:
          if (!aesmdWithEpc) {
            throw new Denied(DenyReason.UNKNOWN_QUOTE_PROVIDER, QUOTE_PROVIDER + " "
                + QuoteMode.AESMD_SIDECAR.value() + " needs a container named '" + INTEL_AESMD
                + "' that requests EPC; add it or use " + QuoteMode.AESMD_DAEMONSET.value());
          }
          return new Quote(true, true, Set.of(INTEL_AESMD), false);
      }
    }
    if (intel != null) {
      if (intel.equals(INTEL_AESMD)) {
        boolean sidecar = aesmdWithEpc && epcMain.size() >= 2;
        return new Quote(true, sidecar, Set.of(INTEL_AESMD), false);
      }
      if (!intel.isEmpty() && names.contains(intel)) {
        return new Quote(false, false, Set.of(intel), false);
      }
      List<String> valid = new ArrayList<>();
      valid.add(INTEL_AESMD);
      names.stream().filter(s -> !s.isEmpty()).forEach(valid::add);
      throw new Denied(DenyReason.UNKNOWN_QUOTE_PROVIDER, "unknown " + INTEL_QUOTE_PROVIDER
          + " '" + shorten(intel) + "'; valid values: " + String.join(", ", valid)
          + " (aesmd, or the name of the container that quotes in-process)");
    }
    // No annotation: a pod that sets SGX_AESM_ADDR itself (Azure's out-of-proc samples) still
    // needs a node whose quote helper answers.
    return new Quote(false, false, Set.of(), false, setsAesmEnv(pod));
  }

  private static boolean setsAesmEnv(JsonNode pod) {
    for (String list : List.of("initContainers", "containers")) {
      for (JsonNode c : pod.at("/spec/" + list)) {
        for (JsonNode e : c.path("env")) {
          JsonNode n = e.get("name");
          if (n != null && n.isString() && n.stringValue().equals(AESM_ENV)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static String shorten(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }

  /** EPC the pod needs on one node: max(sum of containers, largest init container). */
  private static long podEpc(List<Ctr> ctrs, boolean roundToMiB) {
    long sum = 0;
    long init = 0;
    for (Ctr c : ctrs) {
      long b = roundToMiB ? ceilMiB(c.epcBytes) * EpcResource.MIB : c.epcBytes;
      if (c.init()) {
        init = Math.max(init, b);
      } else {
        sum += b;
      }
    }
    return Math.max(sum, init);
  }

  private static long ceilMiB(long bytes) {
    return (bytes + EpcResource.MIB - 1) / EpcResource.MIB;
  }

  private List<String> sizeCheck(long podBytes) {
    if (podBytes == 0) {
      return List.of();
    }
    NodeEpcCapacity.Largest l;
    try {
      l = config.capacity().largest();
    } catch (RuntimeException e) {
      l = new NodeEpcCapacity.Largest(java.util.OptionalLong.empty(),
          Optional.of("node EPC sizes unavailable"));
    }
    if (l.skipped().isPresent()) {
      return List.of("EPC size check skipped: " + l.skipped().get());
    }
    if (l.largestBytes().isPresent() && podBytes > l.largestBytes().getAsLong()) {
      throw new Denied(DenyReason.EPC_TOO_LARGE, "the pod needs "
          + Quantities.formatBinary(podBytes) + " of EPC but the largest SGX node has "
          + Quantities.formatBinary(l.largestBytes().getAsLong())
          + "; lower the EPC request or add a larger SGX node");
    }
    return List.of();
  }

  // ---- validation ---------------------------------------------------------------------------

  private AdmissionDecision doValidate(JsonNode pod, List<Ctr> ctrs) {
    analyse(ctrs);
    quote(pod, ctrs);
    EpcResource other = config.canonical().other();
    for (Ctr c : ctrs) {
      if (value(c, other.resourceName()).signum() > 0) {
        throw new Denied(DenyReason.NOT_MUTATED, c.label() + " requests "
            + other.resourceName() + ", but this cluster accounts EPC as "
            + config.canonical().resourceName() + " and the mutating webhook did not run; "
            + "request " + config.canonical().resourceName() + " instead");
      }
      if (config.canonical() == EpcResource.INTEL && c.epcBytes > 0
          && value(c, ENCLAVE).signum() <= 0) {
        throw new Denied(DenyReason.NO_DEVICE_PATH, c.label() + " requests " + INTEL_EPC
            + " without " + ENCLAVE + ", so it would get no /dev/sgx_enclave; add "
            + ENCLAVE + ": 1 to its limits and requests");
      }
    }
    return new AdmissionDecision.Allow(sizeCheck(podEpc(ctrs, false)));
  }

  // ---- mutation -----------------------------------------------------------------------------

  private AdmissionDecision doMutate(JsonNode pod, List<Ctr> ctrs) {
    analyse(ctrs);
    Quote quote = quote(pod, ctrs);
    EpcResource canonical = config.canonical();
    for (Ctr c : ctrs) {
      Res e = c.res.get(ENCLAVE);
      if (canonical == EpcResource.INTEL && c.epcBytes > 0 && e != null && e.value.signum() == 0) {
        throw new Denied(DenyReason.NO_DEVICE_PATH, c.label() + " requests EPC but sets "
            + ENCLAVE + " to 0, so it would get no /dev/sgx_enclave; remove that line");
      }
    }
    long podBytes = podEpc(ctrs, canonical == EpcResource.AZURE);
    List<String> warnings = new ArrayList<>(sizeCheck(podBytes));

    PatchBuilder p = new PatchBuilder(pod.deepCopy());
    List<String> changes = new ArrayList<>();
    List<String> rewrites = new ArrayList<>();
    boolean anyEpc = false;
    boolean anySgx = false;
    for (Ctr c : ctrs) {
      for (Res r : c.res.values()) {
        anySgx |= r.value.signum() > 0;
      }
      if (c.epcBytes <= 0) {
        continue;
      }
      anyEpc = true;
      String base = c.base();
      p.ensureObject(base, "resources");
      String res = base + "/resources";
      p.ensureObject(res, "requests");
      p.ensureObject(res, "limits");
      // Canonical EPC with limits == requests.
      String text;
      if (c.epcName.equals(canonical.resourceName())) {
        Res r = c.res.get(c.epcName);
        text = r.reqText != null ? r.reqText : r.limText;
        if (r.reqText == null || r.limText == null) {
          changes.add(c.label() + ": " + c.epcName + " limits = requests = " + text);
        }
      } else {
        if (canonical == EpcResource.INTEL) {
          text = Quantities.formatBinary(c.epcBytes);
        } else {
          text = Long.toString(ceilMiB(c.epcBytes));
        }
        boolean rounded = canonical == EpcResource.AZURE && c.epcBytes % EpcResource.MIB != 0;
        String orig = c.res.get(c.epcName).reqText != null ? c.res.get(c.epcName).reqText
            : c.res.get(c.epcName).limText;
        String what = c.label() + ": " + c.epcName + "=" + orig + " -> "
            + canonical.resourceName() + "=" + text
            + (rounded ? " (rounded up to whole MiB)" : "");
        rewrites.add(what);
        changes.add(what);
        p.remove(res + "/requests", c.epcName);
        p.remove(res + "/limits", c.epcName);
      }
      keepOrPut(p, res, "requests", canonical.resourceName(), c.requests, text);
      keepOrPut(p, res, "limits", canonical.resourceName(), c.limits, text);
      if (canonical == EpcResource.INTEL) {
        slot(p, c, res, ENCLAVE, changes);
      }
      if (quote.provisionAll() || quote.provisionContainers().contains(c.name) && !c.init()) {
        slot(p, c, res, PROVISION, changes);
      }
      if (quote.aesmd()) {
        aesmdContainer(p, c, changes);
      }
    }
    if (anyEpc && quote.aesmd()) {
      aesmdVolume(p, quote.sidecar(), changes);
    }
    if (anyEpc) {
      p.ensureObject("", "metadata");
      p.ensureObject("/metadata", "annotations");
      String total = Quantities.formatBinary(podBytes);
      if (!F.stringNode(total).equals(p.doc().at("/metadata/annotations").get(EPC_ANNOTATION))) {
        changes.add("annotation " + EPC_ANNOTATION + "=" + total);
      }
      p.put("/metadata/annotations", EPC_ANNOTATION, F.stringNode(total));
      if (!rewrites.isEmpty()) {
        p.put("/metadata/annotations", EPC_REWRITE_ANNOTATION,
            F.stringNode(String.join("; ", rewrites)));
      }
    }
    if (anySgx) {
      steer(p, quote.usesHelper(), changes);
    }
    List<JsonPatchOp> ops = p.ops();
    if (ops.isEmpty()) {
      return new AdmissionDecision.Allow(warnings);
    }
    return new AdmissionDecision.Patch(ops, changes, warnings);
  }

  private static void keepOrPut(PatchBuilder p, String res, String where, String name,
      Map<String, String> current, String text) {
    String cur = current.get(name);
    if (cur != null && equalQuantity(cur, text)) {
      return; // already there with the same value
    }
    p.put(res + "/" + where, name, F.stringNode(text));
  }

  private static boolean equalQuantity(String a, String b) {
    Optional<BigDecimal> x = Quantities.parse(a);
    Optional<BigDecimal> y = Quantities.parse(b);
    return x.isPresent() && y.isPresent() && x.get().compareTo(y.get()) == 0;
  }

  /** Adds a one-slot device resource (limits == requests) unless the container has it. */
  private static void slot(PatchBuilder p, Ctr c, String res, String name, List<String> changes) {
    Res r = c.res.get(name);
    if (r == null) {
      p.put(res + "/requests", name, F.stringNode("1"));
      p.put(res + "/limits", name, F.stringNode("1"));
      changes.add(c.label() + ": " + name + "=1");
    } else if (r.reqText == null || r.limText == null) {
      String t = r.reqText != null ? r.reqText : r.limText;
      p.put(res + "/requests", name, F.stringNode(t));
      p.put(res + "/limits", name, F.stringNode(t));
    }
  }

  private static void aesmdContainer(PatchBuilder p, Ctr c, List<String> changes) {
    String base = c.base();
    JsonNode ctr = p.doc().at(base);
    JsonNode mounts = ctr.get("volumeMounts");
    boolean mounted = false;
    if (mounts != null && mounts.isArray()) {
      for (JsonNode m : mounts) {
        JsonNode mp = m.get("mountPath");
        mounted |= mp != null && mp.isString()
            && (mp.stringValue().equals(AESMD_DIR) || mp.stringValue().equals(AESMD_DIR + "/"));
      }
    }
    if (!mounted) {
      p.ensureArray(base, "volumeMounts");
      ObjectNode m = F.objectNode();
      m.put("name", AESMD_VOLUME);
      m.put("mountPath", AESMD_DIR);
      p.append(base + "/volumeMounts", m);
      changes.add(c.label() + ": mount " + AESMD_VOLUME + " at " + AESMD_DIR);
    }
    JsonNode env = ctr.get("env");
    boolean has = false;
    if (env != null && env.isArray()) {
      for (JsonNode e : env) {
        JsonNode n = e.get("name");
        has |= n != null && n.isString() && n.stringValue().equals(AESM_ENV);
      }
    }
    if (!has) {
      p.ensureArray(base, "env");
      ObjectNode e = F.objectNode();
      e.put("name", AESM_ENV);
      e.put("value", "1");
      p.append(base + "/env", e);
      changes.add(c.label() + ": env " + AESM_ENV + "=1");
    }
  }

  private static void aesmdVolume(PatchBuilder p, boolean sidecar, List<String> changes) {
    JsonNode vols = p.doc().at("/spec/volumes");
    if (vols.isArray()) {
      for (JsonNode v : vols) {
        JsonNode n = v.get("name");
        if (n != null && n.isString() && n.stringValue().equals(AESMD_VOLUME)) {
          return;
        }
      }
    }
    p.ensureArray("/spec", "volumes");
    ObjectNode v = F.objectNode();
    v.put("name", AESMD_VOLUME);
    if (sidecar) {
      v.putObject("emptyDir").put("medium", "Memory");
    } else {
      ObjectNode hp = v.putObject("hostPath");
      hp.put("path", AESMD_DIR);
      hp.put("type", "DirectoryOrCreate");
    }
    p.append("/spec/volumes", v);
    changes.add("volume " + AESMD_VOLUME + (sidecar ? " (emptyDir, sidecar aesmd)"
        : " (hostPath " + AESMD_DIR + ")"));
  }

  /** Adds the SGX-pool tolerations and the required node affinity. */
  private static void steer(PatchBuilder p, boolean quoteHelper, List<String> changes) {
    for (String key : List.of(SgxNodeConventions.SGX_POOL_TAINT,
        SgxNodeConventions.AZURE_POOL_TAINT)) {
      JsonNode tols = p.doc().at("/spec/tolerations");
      if (tolerated(tols, key)) {
        continue;
      }
      p.ensureArray("/spec", "tolerations");
      ObjectNode t = F.objectNode();
      t.put("key", key);
      t.put("operator", "Exists");
      t.put("effect", "NoSchedule");
      p.append("/spec/tolerations", t);
      changes.add("toleration " + key + ":NoSchedule");
    }
    List<ObjectNode> wanted = new ArrayList<>();
    wanted.add(inTrue(SgxNodeConventions.SGX_LABEL));
    if (quoteHelper) {
      wanted.add(inTrue(SgxNodeConventions.QUOTE_HELPER_READY_LABEL));
    }
    p.ensureObject("/spec", "affinity");
    p.ensureObject("/spec/affinity", "nodeAffinity");
    String na = "/spec/affinity/nodeAffinity";
    String req = "requiredDuringSchedulingIgnoredDuringExecution";
    p.ensureObject(na, req);
    JsonNode terms = p.doc().at(na + "/" + req + "/nodeSelectorTerms");
    if (!terms.isArray() || terms.isEmpty()) {
      ArrayNode a = F.arrayNode();
      ObjectNode term = a.addObject();
      ArrayNode exprs = term.putArray("matchExpressions");
      wanted.forEach(exprs::add);
      p.put(na + "/" + req, "nodeSelectorTerms", a);
      changes.add("required node affinity " + describe(wanted));
      return;
    }
    // Terms are ORed: our requirements are ANDed into every term.
    boolean added = false;
    for (int j = 0; j < terms.size(); j++) {
      String tp = na + "/" + req + "/nodeSelectorTerms/" + j;
      p.ensureArray(tp, "matchExpressions");
      for (ObjectNode w : wanted) {
        JsonNode exprs = p.doc().at(tp + "/matchExpressions");
        boolean present = false;
        for (JsonNode x : exprs) {
          present |= x.equals(w);
        }
        if (!present) {
          p.append(tp + "/matchExpressions", w);
          added = true;
        }
      }
    }
    if (added) {
      changes.add("required node affinity " + describe(wanted) + " added to every term");
    }
  }

  private static ObjectNode inTrue(String key) {
    ObjectNode e = F.objectNode();
    e.put("key", key);
    e.put("operator", "In");
    e.putArray("values").add("true");
    return e;
  }

  private static String describe(List<ObjectNode> exprs) {
    List<String> s = new ArrayList<>();
    for (ObjectNode e : exprs) {
      s.add(e.get("key").stringValue() + "=true");
    }
    return String.join(",", s);
  }

  private static boolean tolerated(JsonNode tols, String key) {
    if (!tols.isArray()) {
      return false;
    }
    for (JsonNode t : tols) {
      if (!t.isObject()) {
        continue;
      }
      String k = str(t.get("key"));
      String op = str(t.get("operator"));
      String eff = str(t.get("effect"));
      boolean effectOk = eff == null || eff.isEmpty() || eff.equals("NoSchedule");
      boolean keyOk = "Exists".equals(op) && (k == null || k.isEmpty() || k.equals(key));
      if (effectOk && keyOk) {
        return true;
      }
    }
    return false;
  }

  private static String str(JsonNode n) {
    return n != null && n.isString() ? n.stringValue() : null;
  }
}
