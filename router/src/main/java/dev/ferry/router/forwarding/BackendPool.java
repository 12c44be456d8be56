package dev.ferry.router.forwarding;

import dev.ferry.router.config.PoolConfig;
import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.routing.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Plain-HTTP keep-alive connections to one backend, pooled per event loop: a request is served by a connection of the
 * loop its client connection lives on, so a request never changes threads and the pool needs no locks. The configured
 * limits ({@code pool.max-connections}, {@code pool.pending-acquire-max-count}) are shared evenly among the loops.
 *
 * <p>A connection is handed out to one {@link Listener} at a time, which gets every message the backend sends until it
 * releases the connection.
 */
public final class BackendPool implements AutoCloseable {
    /** Gets a connection, or the reason there is none. Called on the requesting event loop. */
    public interface Acquirer {
        void acquired(Connection connection);

        void acquireFailed(Throwable error);
    }

    /** The user of a connection: everything the backend does while the connection is lent out. */
    public interface Listener {
        /** A decoded {@code HttpResponse} or {@code HttpContent}; the listener owns it. */
        void backendMessage(Object message);

        /** The end of one read from the socket: a moment to flush what was relayed. */
        void backendReadComplete();

        void backendWritabilityChanged(boolean writable);

        /** The connection closed (by the backend, or after an error) or went silent for the response timeout. */
        void backendFailed(Throwable error);
    }

    private final Backend backend;
    private final String host;
    private final int port;
    private final int maxPerLoop;
    private final int pendingPerLoop;
    private final long pendingTimeoutNanos;
    private final long maxIdleNanos;
    private final long maxLifeNanos;
    private final int connectTimeoutMillis;
    private final long responseTimeoutNanos;
    private final Queue<LoopPool> loops = new ConcurrentLinkedQueue<>();
    private final FastThreadLocal<LoopPool> current = new FastThreadLocal<>();
    private final boolean literal;
    private final InetSocketAddress address;
    private AddressResolverGroup<?> epollResolver;
    private AddressResolverGroup<?> nioResolver;
    private volatile boolean closed;

    /**
     * @param eventLoops how many event loops share the limits
     */
    public BackendPool(
            Backend backend,
            String host,
            int port,
            PoolConfig pool,
            Duration connectTimeout,
            Duration responseTimeout,
            int eventLoops) {
        this.backend = backend;
        this.host = host;
        this.port = port;
        this.maxPerLoop = Math.max(1, ceilDiv(pool.maxConnections(), eventLoops));
        this.pendingPerLoop = Math.max(1, ceilDiv(pool.pendingAcquireMaxCount(), eventLoops));
        this.pendingTimeoutNanos = pool.pendingAcquireTimeout().toNanos();
        this.maxIdleNanos = pool.maxIdleTime().toNanos();
        this.maxLifeNanos = pool.maxLifeTime().toNanos();
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.responseTimeoutNanos = responseTimeout.toNanos();
        this.literal = NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
        this.address = literal ? new InetSocketAddress(host, port) : InetSocketAddress.createUnresolved(host, port);
    }

    /**
     * An IP address is used as it is; a host name is looked up without blocking the event loop (Netty's DNS resolver,
     * honouring /etc/hosts and /etc/resolv.conf) each time a connection opens, so DNS changes reach new connections.
     */
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

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Lends a connection of {@code loop} (the caller's own loop): at once if one is idle, else after connecting. */
    public void acquire(Channel client, Acquirer acquirer) {
        LoopPool pool = current.get();
        if (pool == null) {
            pool = new LoopPool(client.eventLoop(), client instanceof EpollSocketChannel);
            current.set(pool);
            loops.add(pool);
        }
        pool.acquire(acquirer);
    }

    /** Withdraws a request still waiting for a connection (its client went away); a no-op otherwise. */
    public void cancel(Channel client, Acquirer acquirer) {
        LoopPool pool = current.get();
        if (pool != null) {
            pool.waiters.removeIf(waiter -> {
                if (waiter.acquirer == acquirer) {
                    waiter.timeout.cancel(false);
                    return true;
                }
                return false;
            });
        }
    }

    public int active() {
        int n = 0;
        for (LoopPool pool : loops) {
            n += pool.open - pool.idle.size();
        }
        return n;
    }

    public int idle() {
        int n = 0;
        for (LoopPool pool : loops) {
            n += pool.idle.size();
        }
        return n;
    }

    public int pending() {
        int n = 0;
        for (LoopPool pool : loops) {
            n += pool.waiters.size();
        }
        return n;
    }

    @Override
    public void close() {
        closed = true;
        for (LoopPool pool : loops) {
            pool.loop.execute(pool::closeIdle);
        }
        synchronized (this) {
            if (epollResolver != null) {
                epollResolver.close();
            }
            if (nioResolver != null) {
                nioResolver.close();
            }
        }
    }

    /** The connections of one event loop. Only touched by that loop. */
    private final class LoopPool implements Runnable {
        final EventLoop loop;
        final Bootstrap bootstrap;
        final ArrayDeque<Connection> idle = new ArrayDeque<>();
        final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
        int open;
        ScheduledFuture<?> sweep;

        LoopPool(EventLoop loop, boolean epoll) {
            this.loop = loop;
            Class<? extends SocketChannel> type = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
            this.bootstrap = new Bootstrap()
                    .resolver(resolver(epoll))
                    .group(loop)
                    .channel(type)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.SO_KEEPALIVE, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            // Responses are relayed as they are: parsed for framing only, headers validated.
                            channel.pipeline()
                                    .addLast(
                                            "codec",
                                            new HttpClientCodec(
                                                    new HttpDecoderConfig().setMaxHeaderSize(16 * 1024), false, false));
                        }
                    });
        }

        void acquire(Acquirer acquirer) {
            if (closed) {
                acquirer.acquireFailed(new ProxyException(
                        ProxyFailure.BACKEND_CONNECT_FAILED, "the router is shutting down its backend connections"));
                return;
            }
            long now = System.nanoTime();
            Connection connection;
            while ((connection = idle.pollLast()) != null) {
                if (connection.channel.isActive() && now - connection.idleSince < maxIdleNanos) {
                    connection.reused = true;
                    acquirer.acquired(connection);
                    return;
                }
                connection.channel.close();
            }
            if (open < maxPerLoop) {
                connect(acquirer);
                return;
            }
            if (waiters.size() >= pendingPerLoop) {
                acquirer.acquireFailed(new ProxyException(
                        ProxyFailure.POOL_EXHAUSTED,
                        "all " + maxPerLoop + " connections of this event loop to backend '" + backend.tag()
                                + "' are busy and " + waiters.size() + " requests wait already"
                                + " (pool.max-connections, pool.pending-acquire-max-count)"));
                return;
            }
            Waiter waiter = new Waiter(this, acquirer);
            waiter.timeout = loop.schedule(waiter, pendingTimeoutNanos, TimeUnit.NANOSECONDS);
            waiters.add(waiter);
        }

        private void connect(Acquirer acquirer) {
            open++;
            ChannelFuture future = bootstrap.connect(address);
            future.addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    open--;
                    acquirer.acquireFailed(f.cause());
                    serveWaiter();
                    return;
                }
                Connection connection = new Connection(this, f.channel());
                f.channel().pipeline().addLast("ferry", connection);
                f.channel().closeFuture().addListener(c -> closed(connection));
                if (sweep == null) {
                    sweep = loop.scheduleWithFixedDelay(this, maxIdleNanos, maxIdleNanos, TimeUnit.NANOSECONDS);
                }
                acquirer.acquired(connection);
            });
        }

        void release(Connection connection, boolean reusable) {
            connection.listener = null;
            connection.disarm();
            long now = System.nanoTime();
            if (!reusable || closed || !connection.channel.isActive() || now - connection.created >= maxLifeNanos) {
                connection.channel.close();
                return;
            }
            if (!connection.channel.config().isAutoRead()) {
                connection.channel.config().setAutoRead(true);
            }
            Waiter waiter = waiters.poll();
            if (waiter != null) {
                waiter.timeout.cancel(false);
                connection.reused = true;
                waiter.acquirer.acquired(connection);
                return;
            }
            connection.idleSince = now;
            idle.addLast(connection);
        }

        void closed(Connection connection) {
            open--;
            idle.remove(connection);
            serveWaiter();
        }

        /** A connection slot came free: the longest waiter gets a new connection. */
        private void serveWaiter() {
            Waiter waiter = waiters.poll();
            if (waiter != null && open < maxPerLoop) {
                waiter.timeout.cancel(false);
                connect(waiter.acquirer);
            } else if (waiter != null) {
                waiters.addFirst(waiter);
            }
        }

        /** Every max-idle-time: closes connections idle that long (the backend may close them any moment). */
        @Override
        public void run() {
            long now = System.nanoTime();
            for (Connection connection : idle.toArray(new Connection[0])) {
                if (now - connection.idleSince >= maxIdleNanos) {
                    connection.channel.close();
                }
            }
        }

        void closeIdle() {
            for (Connection connection : idle.toArray(new Connection[0])) {
                connection.channel.close();
            }
            Waiter waiter;
            while ((waiter = waiters.poll()) != null) {
                waiter.timeout.cancel(false);
                waiter.acquirer.acquireFailed(new ProxyException(
                        ProxyFailure.BACKEND_CONNECT_FAILED, "the router is shutting down its backend connections"));
            }
            if (sweep != null) {
                sweep.cancel(false);
            }
        }
    }

    /** A request waiting for a connection of its loop; fails with {@code pool_exhausted} after the timeout. */
    private final class Waiter implements Runnable {
        final LoopPool pool;
        final Acquirer acquirer;
        ScheduledFuture<?> timeout;

        Waiter(LoopPool pool, Acquirer acquirer) {
            this.pool = pool;
            this.acquirer = acquirer;
        }

        @Override
        public void run() {
            if (pool.waiters.remove(this)) {
                acquirer.acquireFailed(new ProxyException(
                        ProxyFailure.POOL_EXHAUSTED,
                        "no connection to backend '" + backend.tag() + "' came free within "
                                + Duration.ofNanos(pendingTimeoutNanos).toMillis()
                                + " ms (pool.pending-acquire-timeout)"));
            }
        }
    }

    /**
     * One keep-alive connection to the backend. Lent to one listener at a time; silence longer than the response
     * timeout while armed fails the listener.
     */
    public final class Connection extends ChannelInboundHandlerAdapter implements Runnable {
        private final LoopPool pool;
        private final Channel channel;
        private final long created = System.nanoTime();
        private long idleSince;
        private boolean reused;
        private Listener listener;
        private boolean armed;
        private long lastRead;
        private ScheduledFuture<?> check;
        private Throwable cause;
        private boolean reading;
        private boolean releaseAfterRead;

        Connection(LoopPool pool, Channel channel) {
            this.pool = pool;
            this.channel = channel;
        }

        /** Whether the connection served a request before this one (and may have been closed by the backend since). */
        public boolean reused() {
            return reused;
        }

        public void listen(Listener listener) {
            this.listener = listener;
        }

        public Channel channel() {
            return channel;
        }

        public void write(Object message) {
            channel.write(message, channel.voidPromise());
        }

        public void writeAndFlush(Object message) {
            channel.writeAndFlush(message, channel.voidPromise());
        }

        public void flush() {
            channel.flush();
        }

        /**
         * Gives the connection back: kept for the next request when {@code reusable}, else closed. Released while the
         * response's last bytes are being decoded, it rejoins the pool only after that read: bytes a backend sends
         * beyond its response then close it instead of reaching the next request.
         */
        public void release(boolean reusable) {
            if (reusable && reading) {
                listener = null;
                disarm();
                releaseAfterRead = true;
                return;
            }
            pool.release(this, reusable);
        }

        /** The error that broke the connection, if any: an end of response seen after it is a cut body. */
        public Throwable failure() {
            return cause;
        }

        /** From now on, the backend may not stay silent longer than the response timeout. */
        public void arm() {
            lastRead = System.nanoTime();
            armed = true;
            if (check == null) {
                check = channel.eventLoop().schedule(this, responseTimeoutNanos, TimeUnit.NANOSECONDS);
            }
        }

        /** The response is complete: silence is fine again. */
        public void disarm() {
            armed = false;
        }

        /** The response timeout's check: reschedules itself while reads keep coming. */
        @Override
        public void run() {
            check = null;
            if (!armed || listener == null) {
                return;
            }
            long silent = System.nanoTime() - lastRead;
            if (silent < responseTimeoutNanos) {
                check = channel.eventLoop().schedule(this, responseTimeoutNanos - silent, TimeUnit.NANOSECONDS);
                return;
            }
            Listener failed = listener;
            listener = null;
            channel.close();
            failed.backendFailed(new io.netty.handler.timeout.ReadTimeoutException(
                    "backend '" + backend.tag() + "' sent nothing for "
                            + Duration.ofNanos(responseTimeoutNanos).toMillis() + " ms (timeouts.response)"));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            lastRead = System.nanoTime();
            reading = true;
            Listener l = listener;
            if (l == null) {
                // Nothing was asked: a backend talking out of turn cannot be trusted with the next request.
                ReferenceCountUtil.release(message);
                ctx.close();
                return;
            }
            l.backendMessage(message);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            reading = false;
            if (releaseAfterRead) {
                releaseAfterRead = false;
                pool.release(this, true);
                return;
            }
            Listener l = listener;
            if (l != null) {
                l.backendReadComplete();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            Listener l = listener;
            if (l != null) {
                l.backendWritabilityChanged(ctx.channel().isWritable());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            reading = false;
            releaseAfterRead = false;
            Listener l = listener;
            listener = null;
            if (l != null) {
                l.backendFailed(
                        cause != null
                                ? cause
                                : new java.io.IOException("backend '" + backend.tag()
                                        + "' closed the connection before the response was complete"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable error) {
            if (cause == null) {
                // Only I/O errors are the backend's; anything else is Ferry's own (and classified as internal).
                cause = error;
            }
            ctx.close();
        }
    }
}
