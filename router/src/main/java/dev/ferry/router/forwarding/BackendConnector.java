package dev.ferry.router.forwarding;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Opens a raw channel to one backend on a given event loop; {@link BackendPool} adds the HTTP codec. Production opens
 * TCP connections ({@link #tcp}); a test may hand out in-memory channels to drive the fast path byte by byte.
 */
@FunctionalInterface
public interface BackendConnector extends AutoCloseable {
    /**
     * @param loop the event loop the channel must live on (the requesting client connection's)
     * @param epoll whether that loop is an epoll loop (else NIO)
     */
    ChannelFuture connect(EventLoop loop, boolean epoll);

    /** Frees what the connector holds (DNS resolvers); open channels are the pool's to close. */
    @Override
    default void close() {}

    /**
     * TCP to {@code host:port}. An IP address is used as it is; a host name is looked up without blocking the event
     * loop (Netty's DNS resolver, honouring /etc/hosts and /etc/resolv.conf) each time a connection opens, so DNS
     * changes reach new connections.
     */
    static BackendConnector tcp(String host, int port, Duration connectTimeout) {
        return new Tcp(host, port, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
    }

    /** TCP connections with one bootstrap per event loop type and a lazily built resolver. */
    final class Tcp implements BackendConnector {
        private final int connectTimeoutMillis;
        private final boolean literal;
        private final InetSocketAddress address;
        private AddressResolverGroup<?> epollResolver;
        private AddressResolverGroup<?> nioResolver;

        private Tcp(String host, int port, int connectTimeoutMillis) {
            this.connectTimeoutMillis = connectTimeoutMillis;
            this.literal = NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
            this.address = literal ? new InetSocketAddress(host, port) : InetSocketAddress.createUnresolved(host, port);
        }

        @Override
        public ChannelFuture connect(EventLoop loop, boolean epoll) {
            return new Bootstrap()
                    .resolver(resolver(epoll))
                    .group(loop)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.SO_KEEPALIVE, true)
                    .option(ChannelOption.ALLOCATOR, RelayBuffers.allocator())
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel channel) {
                            // BackendPool adds the codec once connected: the backend never speaks first.
                        }
                    })
                    .connect(address);
        }

        private synchronized AddressResolverGroup<?> resolver(boolean epoll) {
            if (literal) {
                return NoopAddressResolverGroup.INSTANCE;
            }
            if (epoll) {
                if (epollResolver == null) {
                    epollResolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                            .datagramChannelType(EpollDatagramChannel.class)
                            .socketChannelType(EpollSocketChannel.class));
                }
                return epollResolver;
            }
            if (nioResolver == null) {
                nioResolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                        .datagramChannelType(NioDatagramChannel.class)
                        .socketChannelType(NioSocketChannel.class));
            }
            return nioResolver;
        }

        @Override
        public synchronized void close() {
            if (epollResolver != null) {
                epollResolver.close();
            }
            if (nioResolver != null) {
                nioResolver.close();
            }
        }
    }
}
