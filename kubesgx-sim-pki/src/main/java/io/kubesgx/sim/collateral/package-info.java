/**
 * Writers of signed DCAP collateral in Intel's exact byte forms: TCB info (v2, v3 SGX and TDX), QE
 * and TD QE identity v2, CRLs with their issuer chains, as PCS bodies, dcap-qvl JSON or an Intel QVL
 * sample-style directory, all signed by a {@link io.kubesgx.sim.pki.DcapPki}.
 */
package io.kubesgx.sim.collateral;
