/**
 * Limits for the JDK's built-in {@code com.sun.net.httpserver} server used by the small health and
 * metrics endpoints: absolute request and response deadlines, a connection limit and a bounded
 * pool of exchange threads, so that slow or silent clients cannot stall {@code /healthz}.
 */
package io.kubesgx.common.httpserver;
