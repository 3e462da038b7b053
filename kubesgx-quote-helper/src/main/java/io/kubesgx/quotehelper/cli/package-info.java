/** picocli commands of the quote helper: {@code quote-helper}, {@code quote get} and {@code quote-helper-bench}. */
package io.kubesgx.quotehelper.cli;
