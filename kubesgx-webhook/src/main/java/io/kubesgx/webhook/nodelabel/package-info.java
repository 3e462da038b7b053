/**
 * The quote helper's readiness label: a small reconciler that sets {@code
 * kubesgx.io/quote-helper-ready=true} on its node while the AESM socket answers and removes it
 * otherwise; the webhook's node affinity for aesmd-mode pods requires it.
 */
package io.kubesgx.webhook.nodelabel;
