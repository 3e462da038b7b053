package io.kubesgx.nodeagent.deviceplugin;

/** What a plugin's devices stand for, which decides what {@code Allocate} hands out. */
public enum DeviceRole {
  /** Per-MiB EPC devices: the enclave device node plus quote-helper wiring. */
  EPC,
  /** Share slots of the enclave device node. */
  ENCLAVE,
  /** Share slots of the provisioning device node. */
  PROVISION
}
