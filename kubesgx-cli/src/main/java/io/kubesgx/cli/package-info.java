/**
 * The {@code kubesgx} command line (picocli): offline quote inspection and verification, batch
 * verification, benchmarks, and the node-agent entry points. Commands only translate arguments
 * and render JSON; all logic lives in the library modules.
 */
package io.kubesgx.cli;
