package dev.ferry.router.forwarding;

import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/** The connections of one backend on one event loop. Only touched by that loop. */
final class LoopPool implements Runnable {
    /** Response headers larger than this are refused as malformed. */
    private static final int MAX_HEADER_SIZE = 16 * 1024;

    private final BackendPool owner;
    private final BackendPool.Limits limits;
    private final EventLoop loop;
    private final boolean epoll;
    private final ArrayDeque<BackendConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int open;
    private ScheduledFuture<?> sweep;

    LoopPool(BackendPool owner, EventLoop loop, boolean epoll) {
        this.owner = owner;
        this.limits = owner.limits();
        this.loop = loop;
        this.epoll = epoll;
    }

    EventLoop loop() {
        return loop;
    }

    int active() {
        return open - idle.size();
    }

    int idle() {
        return idle.size();
    }

    int pending() {
        return waiters.size();
    }

    void acquire(BackendPool.Acquirer acquirer) {
        if (owner.isClosed()) {
            acquirer.acquireFailed(shuttingDown());
            return;
        }
        long now = loop.ticker().nanoTime();
        BackendConnection connection;
        while ((connection = idle.pollLast()) != null) {
            if (connection.channel().isActive() && now - connection.idleSince < limits.maxIdleNanos()) {
                connection.reused = true;
                acquirer.acquired(connection);
                return;
            }
            connection.channel().close();
        }
        if (open < limits.maxPerLoop()) {
            connect(acquirer);
            return;
        }
        if (waiters.size() >= limits.pendingPerLoop()) {
            acquirer.acquireFailed(new ProxyException(
                    ProxyFailure.POOL_EXHAUSTED,
                    "all " + limits.maxPerLoop() + " connections of this event loop to backend '"
                            + limits.backend().tag() + "' are busy and " + waiters.size() + " requests wait already"
                            + " (pool.max-connections, pool.pending-acquire-max-count)"));
            return;
        }
        Waiter waiter = new Waiter(acquirer);
        waiter.timeout = loop.schedule(waiter, limits.pendingTimeoutNanos(), TimeUnit.NANOSECONDS);
        waiters.add(waiter);
    }

    void cancel(BackendPool.Acquirer acquirer) {
        waiters.removeIf(waiter -> {
            if (waiter.acquirer == acquirer) {
                waiter.timeout.cancel(false);
                return true;
            }
            return false;
        });
    }

    private void connect(BackendPool.Acquirer acquirer) {
        open++;
        ChannelFuture future = owner.connector().connect(loop, epoll);
        future.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                open--;
                acquirer.acquireFailed(f.cause());
                serveWaiter();
                return;
            }
            BackendConnection connection = new BackendConnection(
                    this,
                    f.channel(),
                    limits.responseTimeoutNanos(),
                    loop.ticker().nanoTime());
            // Responses are relayed as they are: parsed for framing only, headers validated.
            f.channel()
                    .pipeline()
                    .addLast(
                            "codec",
                            new HttpClientCodec(
                                    new HttpDecoderConfig().setMaxHeaderSize(MAX_HEADER_SIZE), false, false))
                    .addLast("ferry", connection);
            f.channel().closeFuture().addListener(c -> closed(connection));
            if (sweep == null) {
                sweep = loop.scheduleWithFixedDelay(
                        this, limits.maxIdleNanos(), limits.maxIdleNanos(), TimeUnit.NANOSECONDS);
            }
            acquirer.acquired(connection);
        });
    }

    void release(BackendConnection connection, boolean reusable) {
        connection.listener = null;
        connection.disarm();
        long now = loop.ticker().nanoTime();
        if (!reusable
                || owner.isClosed()
                || !connection.channel().isActive()
                || now - connection.created >= limits.maxLifeNanos()) {
            connection.channel().close();
            return;
        }
        if (!connection.channel().config().isAutoRead()) {
            connection.channel().config().setAutoRead(true);
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

    private void closed(BackendConnection connection) {
        open--;
        idle.remove(connection);
        serveWaiter();
    }

    /** A connection slot came free: the longest waiter gets a new connection. */
    private void serveWaiter() {
        Waiter waiter = waiters.poll();
        if (waiter != null && open < limits.maxPerLoop()) {
            waiter.timeout.cancel(false);
            connect(waiter.acquirer);
        } else if (waiter != null) {
            waiters.addFirst(waiter);
        }
    }

    /** Every max-idle-time: closes connections idle that long (the backend may close them any moment). */
    @Override
    public void run() {
        long now = loop.ticker().nanoTime();
        for (BackendConnection connection : idle.toArray(new BackendConnection[0])) {
            if (now - connection.idleSince >= limits.maxIdleNanos()) {
                connection.channel().close();
            }
        }
    }

    void closeIdle() {
        for (BackendConnection connection : idle.toArray(new BackendConnection[0])) {
            connection.channel().close();
        }
        Waiter waiter;
        while ((waiter = waiters.poll()) != null) {
            waiter.timeout.cancel(false);
            waiter.acquirer.acquireFailed(shuttingDown());
        }
        if (sweep != null) {
            sweep.cancel(false);
        }
    }

    private static ProxyException shuttingDown() {
        return new ProxyException(
                ProxyFailure.BACKEND_CONNECT_FAILED, "the router is shutting down its backend connections");
    }

    /** A request waiting for a connection of this loop; fails with {@code pool_exhausted} after the timeout. */
    private final class Waiter implements Runnable {
        final BackendPool.Acquirer acquirer;
        ScheduledFuture<?> timeout;

        Waiter(BackendPool.Acquirer acquirer) {
            this.acquirer = acquirer;
        }

        @Override
        public void run() {
            if (waiters.remove(this)) {
                acquirer.acquireFailed(new ProxyException(
                        ProxyFailure.POOL_EXHAUSTED,
                        "no connection to backend '" + limits.backend().tag() + "' came free within "
                                + Duration.ofNanos(limits.pendingTimeoutNanos()).toMillis()
                                + " ms (pool.pending-acquire-timeout)"));
            }
        }
    }
}
