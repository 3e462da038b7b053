package io.kubesgx.pck;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds SGX extension values for tests, starting from a valid shape that can then be mutated
 * entry by entry. Values are arbitrary test data, not copied from any real certificate.
 */
final class SgxExtensionBuilder {
  static final String BASE = "1.2.840.113741.1.13.1";
  static final String PPID = BASE + ".1";
  static final String TCB = BASE + ".2";
  static final String PCE_ID = BASE + ".3";
  static final String FMSPC = BASE + ".4";
  static final String SGX_TYPE = BASE + ".5";
  static final String PLATFORM_INSTANCE_ID = BASE + ".6";
  static final String CONFIGURATION = BASE + ".7";

  /** Top-level entries: OID to encoded value; several values per OID allow duplicates. */
  final List<Map.Entry<String, byte[]>> top = new ArrayList<>();
  /** TCB entries: OID to encoded value. */
  final List<Map.Entry<String, byte[]>> tcb = new ArrayList<>();
  /** Configuration entries. */
  final List<Map.Entry<String, byte[]>> config = new ArrayList<>();

  static final int[] COMPONENTS = {4, 4, 2, 2, 255, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};

  static SgxExtensionBuilder processor() {
    SgxExtensionBuilder b = new SgxExtensionBuilder();
    for (int i = 1; i <= 16; i++) {
      b.tcb.add(Map.entry(TCB + "." + i, TestDer.integer(COMPONENTS[i - 1])));
    }
    b.tcb.add(Map.entry(TCB + ".17", TestDer.integer(13)));
    byte[] cpuSvn = new byte[16];
    for (int i = 0; i < 16; i++) {
      cpuSvn[i] = (byte) COMPONENTS[i];
    }
    b.tcb.add(Map.entry(TCB + ".18", TestDer.octets(cpuSvn)));
    b.top.add(Map.entry(PPID, TestDer.octets(16, 0x11)));
    b.top.add(Map.entry(TCB, new byte[0])); // placeholder, encoded from b.tcb at build time
    b.top.add(Map.entry(PCE_ID, TestDer.octets(2, 0)));
    b.top.add(Map.entry(FMSPC, TestDer.octets(new byte[] {0x00, 0x11, 0x22, 0x33, 0x44, 0x55})));
    b.top.add(Map.entry(SGX_TYPE, TestDer.enumerated(0)));
    return b;
  }

  static SgxExtensionBuilder platform() {
    SgxExtensionBuilder b = processor();
    b.set(SGX_TYPE, TestDer.enumerated(1));
    b.config.add(Map.entry(CONFIGURATION + ".1", TestDer.bool(false)));
    b.config.add(Map.entry(CONFIGURATION + ".2", TestDer.bool(true)));
    b.config.add(Map.entry(CONFIGURATION + ".3", TestDer.bool(true)));
    b.top.add(Map.entry(PLATFORM_INSTANCE_ID, TestDer.octets(16, 0x66)));
    b.top.add(Map.entry(CONFIGURATION, new byte[0])); // placeholder
    return b;
  }

  /** Replaces the value of the first top-level, TCB or configuration entry with this OID. */
  SgxExtensionBuilder set(String oid, byte[] value) {
    for (List<Map.Entry<String, byte[]>> list : List.of(top, tcb, config)) {
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i).getKey().equals(oid)) {
          list.set(i, Map.entry(oid, value));
          return this;
        }
      }
    }
    throw new IllegalArgumentException("no entry " + oid);
  }

  /** Removes every entry with this OID. */
  SgxExtensionBuilder remove(String oid) {
    top.removeIf(e -> e.getKey().equals(oid));
    tcb.removeIf(e -> e.getKey().equals(oid));
    config.removeIf(e -> e.getKey().equals(oid));
    return this;
  }

  byte[] build() {
    Map<String, byte[]> nested = new LinkedHashMap<>();
    nested.put(TCB, TestDer.seq(encode(tcb)));
    nested.put(CONFIGURATION, TestDer.seq(encode(config)));
    List<byte[]> parts = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : top) {
      byte[] v = e.getValue().length == 0 && nested.containsKey(e.getKey()) ? nested.get(e.getKey()) : e.getValue();
      parts.add(TestDer.entry(e.getKey(), v));
    }
    return TestDer.seq(parts.toArray(new byte[0][]));
  }

  private static byte[] encode(List<Map.Entry<String, byte[]>> entries) {
    List<byte[]> parts = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : entries) {
      parts.add(TestDer.entry(e.getKey(), e.getValue()));
    }
    return TestDer.concat(parts.toArray(new byte[0][]));
  }
}
