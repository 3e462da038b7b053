/** The {@code kubesgx key-broker} command: run the broker, and check or export its audit log. */
package io.kubesgx.keybroker.cli;
