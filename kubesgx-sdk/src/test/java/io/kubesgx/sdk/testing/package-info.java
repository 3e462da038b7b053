/** Test fixtures shared by the SDK tests: a simulated platform, a fake Gramine device, a fake clock. */
package io.kubesgx.sdk.testing;
