package io.kubesgx.nodeagent.cli;

import io.kubesgx.nodeagent.discovery.Sizes;
import picocli.CommandLine;

/** Converts {@code 128Mi}-style sizes for picocli options. */
public final class SizeConverter implements CommandLine.ITypeConverter<Long> {
  @Override
  public Long convert(String value) {
    try {
      return Sizes.parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
