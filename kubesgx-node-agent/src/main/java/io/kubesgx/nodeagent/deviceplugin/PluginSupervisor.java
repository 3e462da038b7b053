package io.kubesgx.nodeagent.deviceplugin;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.kubesgx.nodeagent.discovery.Discovery;
import io.kubesgx.nodeagent.discovery.HostRoot;
import io.kubesgx.nodeagent.discovery.SgxDeviceNode;
import io.kubesgx.proto.deviceplugin.v1beta1.RegisterRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.RegistrationGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the device plugins: serves each on its socket, registers with the kubelet, re-registers
 * after a kubelet restart and pushes health changes.
 *
 * <p>One supervisor thread polls every {@code pollInterval}: a plugin whose socket file vanished
 * or was replaced (the kubelet deletes plugin sockets when it starts) gets a fresh server; a plugin
 * not yet registered with the current {@code kubelet.sock} (identified by its inode) registers,
 * with exponential backoff on failure. The server always runs before {@code Register} is sent,
 * because the kubelet dials back inside {@code Register} (kubelet-device-plugin.md §5.1).
 */
public final class PluginSupervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PluginSupervisor.class);
  /** The kubelet's registration socket name. */
  public static final String KUBELET_SOCKET = "kubelet.sock";
  /** The API version sent in Register. */
  public static final String API_VERSION = "v1beta1";

  /**
   * Timing and placement.
   *
   * @param kubeletDir the kubelet's device-plugin directory
   * @param pollInterval how often sockets are checked
   * @param healthInterval how often device nodes are probed
   * @param registerTimeout deadline of one Register call (longer than the kubelet's 10 s dial-back)
   */
  public record Config(
      Path kubeletDir, Duration pollInterval, Duration healthInterval, Duration registerTimeout) {
    /** Validates the configuration. */
    public Config {
      Objects.requireNonNull(kubeletDir, "kubeletDir");
      if (pollInterval.isNegative() || pollInterval.isZero()
          || healthInterval.isNegative() || healthInterval.isZero()) {
        throw new IllegalArgumentException("intervals must be positive");
      }
    }

    /** Production defaults for {@code kubeletDir}. */
    public static Config defaults(Path kubeletDir) {
      return new Config(kubeletDir, Duration.ofMillis(100), Duration.ofSeconds(1),
          Duration.ofSeconds(15));
    }
  }

  private final Config config;
  private final HostRoot hostRoot;
  private final boolean simulated;
  private final UdsTransport transport;
  private final List<Endpoint> endpoints = new ArrayList<>();
  private final EventLoopGroup group;
  private final ScheduledExecutorService ticker;
  private final AtomicLong registrations = new AtomicLong();
  private final Consumer<String> onRegistered;
  private long lastHealthNanos;
  private volatile boolean closed;

  /**
   * Creates a supervisor; nothing runs until {@link #start()}.
   *
   * @param onRegistered called with the resource name after each successful registration
   */
  public PluginSupervisor(Config config, List<DevicePlugin> plugins, HostRoot hostRoot,
      boolean simulated, UdsTransport transport, Consumer<String> onRegistered) {
    this.config = config;
    this.hostRoot = hostRoot;
    this.simulated = simulated;
    this.transport = transport;
    this.onRegistered = onRegistered;
    for (DevicePlugin p : plugins) {
      endpoints.add(new Endpoint(p, ResourceNames.socketName(p.resourceName())));
    }
    this.group = transport.newGroup(1, "kubesgx-uds");
    this.ticker = Executors.newSingleThreadScheduledExecutor(
        UdsTransport.daemonFactory("kubesgx-supervisor"));
  }

  /** Returns whether a device node for the role is present, or the node is simulated. */
  public static boolean healthy(DeviceRole role, Set<SgxDeviceNode> present, boolean simulated) {
    if (simulated) {
      return true;
    }
    return switch (role) {
      case EPC, ENCLAVE -> present.contains(SgxDeviceNode.SGX_ENCLAVE)
          || present.contains(SgxDeviceNode.DCAP_ENCLAVE) || present.contains(SgxDeviceNode.ISGX);
      case PROVISION -> present.contains(SgxDeviceNode.SGX_PROVISION)
          || present.contains(SgxDeviceNode.DCAP_PROVISION) || present.contains(SgxDeviceNode.ISGX);
    };
  }

  /** Starts every plugin server, then the supervisor loop that registers them. */
  public void start() throws IOException {
    Files.createDirectories(config.kubeletDir());
    synchronized (this) {
      for (Endpoint e : endpoints) {
        e.startServer();
      }
    }
    ticker.scheduleWithFixedDelay(this::tick, 0, config.pollInterval().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Returns the plugins. */
  public List<DevicePlugin> plugins() {
    List<DevicePlugin> out = new ArrayList<>();
    for (Endpoint e : endpoints) {
      out.add(e.plugin);
    }
    return out;
  }

  /** Returns the socket path of the plugin serving {@code resourceName}. */
  public Path socketOf(String resourceName) {
    for (Endpoint e : endpoints) {
      if (e.plugin.resourceName().equals(resourceName)) {
        return config.kubeletDir().resolve(e.socketName);
      }
    }
    throw new IllegalArgumentException("no plugin for " + resourceName);
  }

  /** Returns whether the plugin for {@code resourceName} is registered with the current kubelet. */
  public boolean registered(String resourceName) {
    for (Endpoint e : endpoints) {
      if (e.plugin.resourceName().equals(resourceName)) {
        return e.registeredWith != null;
      }
    }
    return false;
  }

  /** Returns whether every plugin is registered. */
  public boolean allRegistered() {
    for (Endpoint e : endpoints) {
      if (e.registeredWith == null) {
        return false;
      }
    }
    return true;
  }

  /** Returns the number of successful Register calls so far. */
  public long registrations() {
    return registrations.get();
  }

  /** Returns the transport kind ("epoll" or "nio"). */
  public String transportKind() {
    return transport.kind();
  }

  private void tick() {
    if (closed) {
      return;
    }
    try {
      synchronized (this) {
        Object kubeletKey = fileKey(config.kubeletDir().resolve(KUBELET_SOCKET));
        long now = System.nanoTime();
        for (Endpoint e : endpoints) {
          if (!e.socketIntact()) {
            LOG.info("{}: socket {} is gone (kubelet restart?); serving it again",
                e.plugin.resourceName(), e.socketName);
            e.stopServer();
            e.startServer();
          }
          if (kubeletKey != null && !kubeletKey.equals(e.registeredWith)
              && now - e.nextAttemptNanos >= 0) {
            e.register(kubeletKey);
          }
          if (kubeletKey == null) {
            e.registeredWith = null;
          }
        }
        if (now - lastHealthNanos >= config.healthInterval().toNanos()) {
          lastHealthNanos = now;
          checkHealth();
        }
      }
    } catch (RuntimeException | IOException ex) {
      LOG.warn("device plugin supervisor: {}", ex.toString(), ex);
    }
  }

  /** Probes the device nodes now and pushes health changes. */
  public synchronized void checkHealth() {
    Set<SgxDeviceNode> present = Discovery.probeDevices(hostRoot);
    for (Endpoint e : endpoints) {
      DevicePlugin p = e.plugin;
      boolean h = healthy(p.role(), present, simulated);
      if (h != p.devices().healthy()) {
        LOG.warn("{}: devices are now {}", p.resourceName(),
            h ? DeviceSet.HEALTHY : DeviceSet.UNHEALTHY);
      }
      p.update(p.devices().withHealth(h), present);
    }
  }

  private static Object fileKey(Path p) {
    try {
      BasicFileAttributes a =
          Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      Object k = a.fileKey();
      return k != null ? k : a.creationTime();
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() {
    closed = true;
    ticker.shutdownNow();
    try {
      ticker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      for (Endpoint e : endpoints) {
        e.stopServer();
        try {
          Files.deleteIfExists(config.kubeletDir().resolve(e.socketName));
        } catch (IOException ex) {
          LOG.warn("could not delete {}: {}", e.socketName, ex.toString());
        }
      }
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** One plugin's socket, server and registration state. */
  private final class Endpoint {
    final DevicePlugin plugin;
    final String socketName;
    Server server;
    Object socketKey;
    volatile Object registeredWith;
    long nextAttemptNanos = System.nanoTime();
    int failures;

    Endpoint(DevicePlugin plugin, String socketName) {
      this.plugin = plugin;
      this.socketName = socketName;
    }

    Path socket() {
      return config.kubeletDir().resolve(socketName);
    }

    void startServer() throws IOException {
      // Every RPC is a short, non-blocking pure function: run it on the event loop (no hand-off).
      server = transport.startServer(socket(), group, Runnable::run,
          new DevicePluginService(plugin));
      socketKey = fileKey(socket());
      registeredWith = null;
      LOG.info("{}: serving on {} ({})", plugin.resourceName(), socket(), transport.kind());
    }

    boolean socketIntact() {
      return server != null && socketKey != null && socketKey.equals(fileKey(socket()));
    }

    void stopServer() {
      plugin.closeStreams();
      if (server != null) {
        server.shutdownNow();
        try {
          server.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        server = null;
      }
      registeredWith = null;
    }

    void register(Object kubeletKey) {
      ManagedChannel ch = transport.channel(config.kubeletDir().resolve(KUBELET_SOCKET), group);
      try {
        RegisterRequest req = RegisterRequest.newBuilder()
            .setVersion(API_VERSION)
            .setEndpoint(socketName)
            .setResourceName(plugin.resourceName())
            .setOptions(plugin.options())
            .build();
        RegistrationGrpc.newBlockingStub(ch)
            .withDeadlineAfter(config.registerTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .register(req);
        registeredWith = kubeletKey;
        failures = 0;
        registrations.incrementAndGet();
        LOG.info("{}: registered with the kubelet ({})", plugin.resourceName(), plugin.devices());
        onRegistered.accept(plugin.resourceName());
      } catch (StatusRuntimeException ex) {
        if (closed) {
          return;
        }
        failures++;
        long backoffMs = Math.min(5000, 100L << Math.min(failures, 6));
        nextAttemptNanos = System.nanoTime() + backoffMs * 1_000_000L;
        LOG.warn("{}: registration failed ({}); retrying in {} ms", plugin.resourceName(),
            ex.getStatus(), backoffMs);
      } finally {
        ch.shutdownNow();
      }
    }
  }
}
