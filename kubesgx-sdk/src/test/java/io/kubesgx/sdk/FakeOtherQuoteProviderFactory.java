package io.kubesgx.sdk;

import java.util.Map;

/** A registered factory of another kind, which auto-selection must skip. */
public final class FakeOtherQuoteProviderFactory implements QuoteProviderFactory {
  @Override
  public String kind() {
    return "other";
  }

  @Override
  public QuoteProvider open(Map<String, String> environment, ReportSource reportSource) {
    throw new AssertionError("the 'other' factory must never be chosen");
  }
}
