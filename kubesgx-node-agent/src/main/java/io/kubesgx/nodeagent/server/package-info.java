/** Health, readiness and Prometheus metrics endpoints on the JDK's small HTTP server. */
package io.kubesgx.nodeagent.server;
