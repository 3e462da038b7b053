/** kubesgx node agent: SGX discovery, device plugins, node registration and EPC enforcement. */
package io.kubesgx.nodeagent;
