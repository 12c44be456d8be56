package dev.ferry.router.forwarding;

import dev.ferry.router.config.PoolConfig;
import dev.ferry.router.exchange.Backend;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.concurrent.FastThreadLocal;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

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
        void acquired(BackendConnection connection);

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

    /** What every loop's pool of one backend shares: limits, timeouts and how to connect. */
    record Limits(
            Backend backend,
            int maxPerLoop,
            int pendingPerLoop,
            long pendingTimeoutNanos,
            long maxIdleNanos,
            long maxLifeNanos,
            long responseTimeoutNanos) {}

    private final Limits limits;
    private final BackendConnector connector;
    private final Queue<LoopPool> loops = new ConcurrentLinkedQueue<>();
    private final FastThreadLocal<LoopPool> current = new FastThreadLocal<>();
    private volatile boolean closed;

    /**
     * @param eventLoops how many event loops share the limits
     */
    public BackendPool(
            Backend backend, BackendConnector connector, PoolConfig pool, Duration responseTimeout, int eventLoops) {
        this.connector = connector;
        this.limits = new Limits(
                backend,
                Math.max(1, ceilDiv(pool.maxConnections(), eventLoops)),
                Math.max(1, ceilDiv(pool.pendingAcquireMaxCount(), eventLoops)),
                pool.pendingAcquireTimeout().toNanos(),
                pool.maxIdleTime().toNanos(),
                pool.maxLifeTime().toNanos(),
                responseTimeout.toNanos());
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Lends a connection of the client's own event loop: at once if one is idle, else after connecting. */
    public void acquire(Channel client, Acquirer acquirer) {
        LoopPool pool = current.get();
        if (pool == null) {
            pool = new LoopPool(this, client.eventLoop(), client instanceof EpollSocketChannel);
            current.set(pool);
            loops.add(pool);
        }
        pool.acquire(acquirer);
    }

    /** Withdraws a request still waiting for a connection (its client went away); a no-op otherwise. */
    public void cancel(Channel client, Acquirer acquirer) {
        LoopPool pool = current.get();
        if (pool != null) {
            pool.cancel(acquirer);
        }
    }

    Limits limits() {
        return limits;
    }

    BackendConnector connector() {
        return connector;
    }

    boolean isClosed() {
        return closed;
    }

    public int active() {
        int n = 0;
        for (LoopPool pool : loops) {
            n += pool.active();
        }
        return n;
    }

    public int idle() {
        int n = 0;
        for (LoopPool pool : loops) {
            n += pool.idle();
        }
        return n;
    }

    public int pending() {
        int n = 0;
        for (LoopPool pool : loops) {
            n += pool.pending();
        }
        return n;
    }

    @Override
    public void close() {
        closed = true;
        for (LoopPool pool : loops) {
            pool.loop().execute(pool::closeIdle);
        }
        connector.close();
    }
}
