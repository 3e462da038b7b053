/** Implementation details of the simulated platform: private files, sealing and signing. */
package io.kubesgx.sim.internal;
