package io.kubesgx.aesm.internal;

import java.io.IOException;
import java.nio.channels.Channel;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Closes a blocking channel when its deadline passes, which makes a blocked read or write fail with
 * {@link java.nio.channels.AsynchronousCloseException}. UNIX-domain {@code SocketChannel}s have no
 * read timeout of their own, so this is how both the AESM client and the quote helper bound every
 * connection (slow peers cannot hold a thread forever).
 *
 * <p>Internal: not part of the public API.
 */
public final class ChannelWatchdog {
  private static final ScheduledThreadPoolExecutor TIMER = newTimer();

  private ChannelWatchdog() {}

  private static ScheduledThreadPoolExecutor newTimer() {
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread th = new Thread(r, "kubesgx-aesm-watchdog");
      th.setDaemon(true);
      return th;
    });
    t.setRemoveOnCancelPolicy(true);
    return t;
  }

  /** A running deadline; {@link #close()} disarms it. */
  public static final class Deadline implements AutoCloseable {
    private final AtomicBoolean fired = new AtomicBoolean();
    private volatile ScheduledFuture<?> future;

    /** Returns true when the deadline passed and the channel was closed. */
    public boolean fired() {
      return fired.get();
    }

    @Override
    public void close() {
      ScheduledFuture<?> f = future;
      if (f != null) {
        f.cancel(false);
      }
    }
  }

  /** Arms a deadline that closes {@code channel} after {@code timeout}. */
  public static Deadline arm(Channel channel, Duration timeout) {
    Deadline d = new Deadline();
    d.future = TIMER.schedule(() -> {
      d.fired.set(true);
      try {
        channel.close();
      } catch (IOException e) {
        // nothing more to do: the channel is unusable either way
      }
    }, Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    return d;
  }
}
