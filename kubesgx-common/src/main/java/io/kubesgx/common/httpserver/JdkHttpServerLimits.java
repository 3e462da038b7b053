package io.kubesgx.common.httpserver;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Creates JDK {@link HttpServer}s bounded against slow or silent clients.
 *
 * <p>The JDK server reads each request on its executor, so one connection that sends a byte and
 * then nothing holds an executor thread for as long as it stays open; with the JDK's defaults that
 * is forever. The JDK reads its limits from system properties once, when its classes load, so
 * {@link #create} sets these before the first server is created, each only when the user has not
 * set it (a {@code -D} on the command line wins):
 *
 * <ul>
 *   <li>{@value #MAX_REQ_TIME_PROPERTY} = {@value #MAX_REQUEST_SECONDS}: a request whose headers and body
 *       have not arrived that many seconds after the server started reading it is closed;
 *   <li>{@value #MAX_RSP_TIME_PROPERTY} = {@value #MAX_RESPONSE_SECONDS}: the same for a response the
 *       client does not read;
 *   <li>{@value #MAX_CONNECTIONS_PROPERTY} = {@value #MAX_CONNECTIONS}: further connections are closed
 *       at once.
 * </ul>
 *
 * <p>The properties are JVM-wide: they also apply to any other JDK {@code HttpServer} created later
 * in the same process. Each server gets its own executor of up to {@value #MAX_CONNECTIONS} daemon
 * threads (idle ones end after 30 s), so every open connection can have a thread and a silent one
 * delays nobody else.
 */
public final class JdkHttpServerLimits {
  /** Seconds a request may take from its first byte to its last. */
  public static final int MAX_REQUEST_SECONDS = 10;
  /** Seconds a response may take to be written. */
  public static final int MAX_RESPONSE_SECONDS = 10;
  /** Open connections per server. */
  public static final int MAX_CONNECTIONS = 32;

  static final String MAX_REQ_TIME_PROPERTY = "sun.net.httpserver.maxReqTime";
  static final String MAX_RSP_TIME_PROPERTY = "sun.net.httpserver.maxRspTime";
  static final String MAX_CONNECTIONS_PROPERTY = "jdk.httpserver.maxConnections";

  private JdkHttpServerLimits() {}

  /** A created, not yet started server and the executor it runs exchanges on (shut it down on close). */
  public record Bounded(HttpServer server, ExecutorService executor) {}

  /**
   * Applies the limits above (unless set by the user), then creates an unstarted server bound to
   * {@code bind} whose executor has threads named {@code threadName}.
   *
   * @throws IOException when the address cannot be bound
   */
  public static Bounded create(InetSocketAddress bind, int backlog, String threadName) throws IOException {
    applyDefaults();
    HttpServer server = HttpServer.create(bind, backlog);
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor executor = new ThreadPoolExecutor(MAX_CONNECTIONS, MAX_CONNECTIONS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, threadName + "-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    executor.allowCoreThreadTimeOut(true);
    server.setExecutor(executor);
    return new Bounded(server, executor);
  }

  /** Sets the JDK server's limit properties that the user has not set; effective only before its classes load. */
  static synchronized void applyDefaults() {
    setIfAbsent(MAX_REQ_TIME_PROPERTY, MAX_REQUEST_SECONDS);
    setIfAbsent(MAX_RSP_TIME_PROPERTY, MAX_RESPONSE_SECONDS);
    setIfAbsent(MAX_CONNECTIONS_PROPERTY, MAX_CONNECTIONS);
  }

  private static void setIfAbsent(String key, int value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, Integer.toString(value));
    }
  }
}
