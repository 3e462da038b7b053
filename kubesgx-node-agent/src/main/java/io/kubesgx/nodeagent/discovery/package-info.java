/**
 * SGX discovery from a configurable host root: device nodes of every driver generation, CPU flags,
 * CPUID leaf 0x12 through {@code /dev/cpu/N/cpuid}, sysfs EPC per NUMA node and the misc cgroup.
 *
 * <p>Every file read here is untrusted input: parsers are total and fail only with {@link
 * io.kubesgx.common.MalformedInputException}; {@link io.kubesgx.nodeagent.discovery.Discovery}
 * turns such failures into problems on the result instead of stopping.
 */
package io.kubesgx.nodeagent.discovery;
