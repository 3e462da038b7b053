/** The simulated platform's Intel PCS API v4 over HTTP (TCB info, QE identity, CRLs, PCK certificate). */
package io.kubesgx.sim.pcs;
