/**
 * picocli commands: {@code node discover}, {@code node bench} and {@code node-agent}; the main
 * CLI registers {@link io.kubesgx.nodeagent.cli.NodeCommand} and {@link
 * io.kubesgx.nodeagent.cli.NodeAgentCommand}. Exit codes: 0 ok, 1 failure, 2 usage or I/O error.
 */
package io.kubesgx.nodeagent.cli;
