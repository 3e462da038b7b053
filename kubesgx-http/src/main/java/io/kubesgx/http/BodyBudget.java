package io.kubesgx.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of request bodies held in memory, across all requests. Charges are taken before the
 * memory is allocated and returned when it is no longer needed; a charge that does not fit is
 * refused, never waited for. Bodies larger than {@link HttpLimits#SMALL_BODY_BYTES} may use only
 * three quarters of the total.
 */
final class BodyBudget {
  private final long total;
  private final long largeLimit;
  private final AtomicLong used = new AtomicLong();

  BodyBudget(long total) {
    this.total = total;
    this.largeLimit = total - total / 4;
  }

  /**
   * Charges {@code bytes} more for a body that will then hold {@code bodyCapacity} bytes.
   *
   * @return false (and nothing charged) when the budget cannot afford it
   */
  boolean tryCharge(long bytes, long bodyCapacity) {
    long limit = bodyCapacity <= HttpLimits.SMALL_BODY_BYTES ? total : largeLimit;
    while (true) {
      long u = used.get();
      if (u + bytes > limit) {
        return false;
      }
      if (used.compareAndSet(u, u + bytes)) {
        return true;
      }
    }
  }

  /** Returns true when a body of {@code bytes} would fit now (nothing is charged). */
  boolean wouldFit(long bytes) {
    long limit = bytes <= HttpLimits.SMALL_BODY_BYTES ? total : largeLimit;
    return used.get() + bytes <= limit;
  }

  void release(long bytes) {
    used.addAndGet(-bytes);
  }

  long used() {
    return used.get();
  }
}
