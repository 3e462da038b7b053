/** Implementation helpers of the AESM client and quote helper; not a public API. */
package io.kubesgx.aesm.internal;
