/** Tests of the Helm chart {@code charts/kubesgx}: lint, rendering, rules and a mock-cluster install. */
package io.kubesgx.chart;
