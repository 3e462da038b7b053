package io.kubesgx.nodeagent.discovery;

/**
 * One EPC section from CPUID leaf 0x12, sub-leaf {@code 2 + index}.
 *
 * @param index section number, from 0
 * @param base physical base address
 * @param size size in bytes
 */
public record EpcSection(int index, long base, long size) {}
