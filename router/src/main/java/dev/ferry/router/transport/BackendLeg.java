package dev.ferry.router.transport;

import dev.ferry.router.forwarding.BackendConnection;
import dev.ferry.router.forwarding.BackendPool;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;

/**
 * A fast exchange's way to the backend: the pooled connection it holds, and the request's parts on their way.
 *
 * <pre>
 *   DETACHED --hold--> HELD --unhold--> DETACHED          (the cutover step holds the request)
 *   DETACHED --acquire--> ACQUIRING --attach--> SENDING --last part--> SENT
 *   any --detach / broken--> DETACHED
 * </pre>
 *
 * Parts the client sends before a connection is there wait here, in order.
 */
final class BackendLeg {
    enum State {
        /** Held by the cutover step: not sent anywhere yet; parts wait. */
        HELD,
        /** Waiting for a pooled connection. */
        ACQUIRING,
        /** The head went out; body parts follow as the client sends them. */
        SENDING,
        /** The whole request went out; the response is awaited or streaming. */
        SENT,
        /** No backend connection: not asked for, given back, or broken. */
        DETACHED
    }

    private State state = State.DETACHED;
    private BackendConnection connection;
    /** Body parts read while no connection is there yet; most requests never need it. */
    private ArrayDeque<HttpContent> pending;

    private boolean needsFlush;

    State state() {
        return state;
    }

    /** The connection held, or null. */
    BackendConnection connection() {
        return connection;
    }

    /** The request is held: parts the client sends wait here until it is admitted (or refused). */
    void hold() {
        state = State.HELD;
    }

    /** The hold ended in a refusal: nothing is sent. */
    void unhold() {
        if (state == State.HELD) {
            state = State.DETACHED;
        }
    }

    void acquire(BackendPool pool, Channel client, BackendPool.Acquirer acquirer) {
        state = State.ACQUIRING;
        pool.acquire(client, acquirer);
    }

    /** The pool could not lend a connection. */
    void acquireFailed() {
        state = State.DETACHED;
    }

    /** A connection came for an exchange that ended meanwhile: back to the pool, unused. */
    void discard(BackendConnection acquired) {
        state = State.DETACHED;
        acquired.release(true);
    }

    /** Withdraws a request still waiting for a connection (its client went away). */
    void cancel(BackendPool pool, Channel client, BackendPool.Acquirer acquirer) {
        if (state == State.ACQUIRING) {
            pool.cancel(client, acquirer);
            state = State.DETACHED;
        }
    }

    /** A connection came: the head goes out, then what waited. */
    void attach(BackendConnection acquired, BackendPool.Listener listener, HttpRequest head) {
        state = State.SENDING;
        connection = acquired;
        acquired.listen(listener);
        acquired.write(head);
        needsFlush = true;
        HttpContent content;
        while (pending != null && (content = pending.poll()) != null) {
            send(content);
        }
    }

    /** A part of the request body: sent, or kept until a connection comes. Its last part arms the response timeout. */
    void send(HttpContent content) {
        if (state == State.ACQUIRING || state == State.HELD) {
            pending().add(content);
        } else if (content instanceof LastHttpContent) {
            state = State.SENT;
            needsFlush = false;
            connection.writeAndFlush(content);
            connection.arm();
        } else {
            connection.write(content);
            needsFlush = true;
        }
    }

    /**
     * Sends a body-less request again, on another connection: its kept-alive connection had just been closed by the
     * backend, so the request never reached it.
     */
    void retry(BackendPool pool, Channel client, BackendPool.Acquirer acquirer, boolean requestComplete) {
        if (requestComplete) {
            pending().add(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        acquire(pool, client, acquirer);
    }

    void flush() {
        if (needsFlush && connection != null) {
            needsFlush = false;
            connection.flush();
        }
    }

    /** Whether the connection is there and takes more now (its socket buffer has room). */
    boolean writable() {
        return connection != null && connection.channel().isWritable();
    }

    /** Backpressure from the client: the backend's response is read only while the client can take it. */
    void readResponse(boolean read) {
        if (connection != null) {
            connection.channel().config().setAutoRead(read);
        }
    }

    /** Gives the connection back (kept for the next request when {@code reusable}); parts that waited are dropped. */
    void detach(boolean reusable) {
        if (connection != null) {
            connection.release(reusable);
            connection = null;
        }
        if (state != State.ACQUIRING && state != State.HELD) {
            state = State.DETACHED;
        }
    }

    /** The connection broke: it is the pool's to close; returns it, for the decision whether to retry. */
    BackendConnection broken() {
        BackendConnection broken = connection;
        connection = null;
        state = State.DETACHED;
        return broken;
    }

    void releasePending() {
        HttpContent content;
        while (pending != null && (content = pending.poll()) != null) {
            content.release();
        }
    }

    private ArrayDeque<HttpContent> pending() {
        if (pending == null) {
            pending = new ArrayDeque<>(2);
        }
        return pending;
    }
}
