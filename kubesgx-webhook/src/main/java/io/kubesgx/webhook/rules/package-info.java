/**
 * The webhook's decisions: total functions from an admission request to an {@link
 * io.kubesgx.webhook.rules.AdmissionDecision} (allow, deny with a reason, or a JSON Patch). No I/O
 * happens here; the node EPC size comes in through {@link io.kubesgx.webhook.rules.NodeEpcCapacity}.
 */
package io.kubesgx.webhook.rules;
