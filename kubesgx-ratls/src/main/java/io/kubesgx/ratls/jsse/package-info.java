/**
 * RA-TLS in JSSE: a key manager that presents a fresh RA-TLS certificate, a trust manager that
 * accepts only peers whose RA-TLS certificate verifies, and one-line {@code SSLContext} factories,
 * so any Java TLS stack (the JDK {@code HttpClient}, {@code SSLSocket}, Vert.x, Netty) gets attested
 * TLS.
 */
package io.kubesgx.ratls.jsse;
