/**
 * Helpers shared by the SDK's packages; not part of the SDK's API and may change without notice.
 */
package io.kubesgx.sdk.internal;
