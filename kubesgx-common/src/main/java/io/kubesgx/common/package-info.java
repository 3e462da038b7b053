/**
 * JDK-only building blocks shared by every kubesgx module: immutable {@link io.kubesgx.common.Bytes},
 * the one bounds-checked {@link io.kubesgx.common.ByteReader} for untrusted input, hex and PEM codecs.
 * Nothing here knows about SGX structures, networks or Kubernetes.
 */
package io.kubesgx.common;
