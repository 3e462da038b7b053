/** Implementation details of the simulated platform: sealing and signing. */
package io.kubesgx.sim.internal;
