package io.kubesgx.attestation;

import io.kubesgx.attestation.cli.AttestationServiceCommand;
import picocli.CommandLine;

/** Test helper: {@code attestation-service} as the main class of a child JVM (for tests that need a real heap limit). */
public final class ChildService {
  private ChildService() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new AttestationServiceCommand()).execute(args));
  }
}
