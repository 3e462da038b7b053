package io.kubesgx.nodeagent.deviceplugin;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * gRPC over UNIX domain sockets with the shaded Netty transport: native epoll where available,
 * JDK NIO domain sockets otherwise (java-stack.md §5).
 */
public final class UdsTransport {
  private final boolean epoll;

  private UdsTransport(boolean epoll) {
    this.epoll = epoll;
  }

  /** Uses epoll when the native transport loads, NIO otherwise. */
  public static UdsTransport auto() {
    return new UdsTransport(Epoll.isAvailable());
  }

  /** Always uses JDK NIO domain sockets (no native code). */
  public static UdsTransport nio() {
    return new UdsTransport(false);
  }

  /** Returns "epoll" or "nio". */
  public String kind() {
    return epoll ? "epoll" : "nio";
  }

  /** Creates an event-loop group with daemon threads named {@code name-N}. */
  public EventLoopGroup newGroup(int threads, String name) {
    ThreadFactory tf = daemonFactory(name);
    return new MultiThreadIoEventLoopGroup(
        threads, tf, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  /** Returns a thread factory for daemon threads named {@code name-N}. */
  public static ThreadFactory daemonFactory(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Deletes any stale file at {@code socket}, then starts a server on it. */
  public Server startServer(Path socket, EventLoopGroup group, Executor executor,
      BindableService... services) throws IOException {
    Files.deleteIfExists(socket);
    NettyServerBuilder b;
    if (epoll) {
      b = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
          .channelType(EpollServerDomainSocketChannel.class);
    } else {
      b = NettyServerBuilder.forAddress(UnixDomainSocketAddress.of(socket))
          .channelType(NioServerDomainSocketChannel.class);
    }
    b.bossEventLoopGroup(group).workerEventLoopGroup(group).executor(executor);
    if (epoll) {
      // A UNIX socket has no keep-alive; avoids Netty's "Unknown channel option" warning.
      b.withChildOption(ChannelOption.SO_KEEPALIVE, null);
    }
    for (BindableService s : services) {
      b.addService(s);
    }
    return b.build().start();
  }

  /** Opens a plaintext channel to {@code socket}, sending {@code :authority localhost}. */
  public ManagedChannel channel(Path socket, EventLoopGroup group) {
    NettyChannelBuilder b;
    if (epoll) {
      b = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
          .channelType(EpollDomainSocketChannel.class);
    } else {
      b = NettyChannelBuilder.forAddress(UnixDomainSocketAddress.of(socket))
          .channelType(NioDomainSocketChannel.class);
    }
    if (epoll) {
      b.withOption(ChannelOption.SO_KEEPALIVE, null);
    }
    return b.eventLoopGroup(group).usePlaintext().overrideAuthority("localhost").build();
  }
}
