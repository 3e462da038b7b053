/**
 * Kubelet device plugins (API v1beta1) for EPC and the SGX device-node share slots.
 *
 * <p>State is an immutable {@link io.kubesgx.nodeagent.deviceplugin.DeviceSet}; allocation and
 * preferred allocation are pure functions returning decision values; the gRPC service only
 * translates, and {@link io.kubesgx.nodeagent.deviceplugin.PluginSupervisor} owns sockets,
 * registration and health.
 */
package io.kubesgx.nodeagent.deviceplugin;
