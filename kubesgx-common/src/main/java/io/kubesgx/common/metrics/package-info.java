/** Prometheus text-format building blocks shared by the services' {@code /metrics} endpoints. */
package io.kubesgx.common.metrics;
