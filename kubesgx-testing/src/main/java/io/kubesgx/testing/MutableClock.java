package io.kubesgx.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A UTC clock that tests set and move by hand (thread-safe). */
public final class MutableClock extends Clock {
  private volatile Instant now;

  /** Starts at {@code start}. */
  public MutableClock(Instant start) {
    this.now = start;
  }

  /** Sets the time. */
  public void set(Instant t) {
    now = t;
  }

  /** Moves the clock forward by {@code d}. */
  public void advance(Duration d) {
    now = now.plus(d);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return now;
  }
}
