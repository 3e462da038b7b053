package io.kubesgx.nodeagent.discovery;

/** Where the EPC size of a node came from, in the order discovery tries them. */
public enum EpcSource {
  /** Sum of {@code /sys/devices/system/node/node*}{@code /x86/sgx_total_bytes}. */
  SYSFS,
  /** Sum of CPUID leaf 0x12 EPC sections read through {@code /dev/cpu/N/cpuid}. */
  CPUID,
  /** A configured synthetic size ({@code --simulate-epc}). */
  SIMULATED,
  /** Unknown: no EPC is advertised. */
  NONE
}
