package dev.ferry.router.transport;

import dev.ferry.router.forwarding.ProxyHeaders;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import reactor.netty.NettyPipeline;

/**
 * One client connection's fast path (see {@link FastPath}). It sits between Netty's HTTP codec and Reactor Netty's
 * handler and takes each request in turn: the ones it can serve it relays itself as a {@link FastExchange}, the others
 * it hands to Reactor Netty. Requests a client pipelines while one is in flight wait here, in order, so that responses
 * keep the order of the requests.
 *
 * <pre>
 *   IDLE --fast request--> RELAYING --exchange ended--> IDLE | CLOSING
 *   IDLE --other request-> HANDED_OFF[_LAST] --Reactor Netty's response ended--> IDLE | CLOSING
 * </pre>
 *
 * <p>Reading is on demand (Reactor Netty turns auto-read off): the next read is asked for only when the current
 * exchange can take more, which is the backpressure from backend to client.
 */
final class FastConnection extends ChannelDuplexHandler {
    /** Messages a client may pipeline behind the exchange in flight; more is abuse, and the connection is closed. */
    static final int MAX_QUEUED = 16 * 1024;

    enum State {
        /** Between requests: the next one is dispatched when it arrives. */
        IDLE,
        /** A {@link FastExchange} is in flight. */
        RELAYING,
        /** Reactor Netty serves a request; the end of its response brings the connection back to IDLE. */
        HANDED_OFF,
        /** Reactor Netty serves a request after which the connection ends (HTTP/1.0, Connection: close). */
        HANDED_OFF_LAST,
        /** The connection ends after the current response: nothing read from now on is served. */
        CLOSING
    }

    /** Who closes the connection when it idles: Reactor Netty's handler (a listener per write) or this one's timer. */
    private enum Idleness {
        /** Reactor Netty's handler is there, as on every new connection. */
        REACTOR_NETTY,
        /** This connection's timer; Reactor Netty's handler was removed. */
        OWN,
        /** Reactor Netty served a request here and may have added its handler back: checked per fast request. */
        CHECKED_PER_REQUEST
    }

    private final FastPath shared;
    private final Runnable idleTask = this::checkIdle;
    private final Runnable readTask = this::checkRead;
    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private Idleness idleness = Idleness.REACTOR_NETTY;
    private FastExchange exchange;
    private ArrayDeque<Object> queued;
    /** Re-entrancy guard of {@link #drain()}: an exchange that ends while draining does not drain again. */
    private boolean draining;
    /**
     * Inside a batch of messages (one read's, or the queue's when drained): its end flushes toward the backend and asks
     * for the next read once, so that a request's head and body go out in one write.
     */
    private boolean batching;

    private String clientAddress;
    private long lastRead;
    private long idleSince;
    private ScheduledFuture<?> readCheck;
    private ScheduledFuture<?> idleCheck;

    FastConnection(FastPath shared) {
        this.shared = shared;
    }

    State state() {
        return state;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.idleSince = now();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastRead = now();
        batching = true;
        if (state == State.CLOSING) {
            ReferenceCountUtil.release(msg); // after a response that closes the connection: never served
            return;
        }
        if (hasQueued() || (msg instanceof HttpRequest && state != State.IDLE)) {
            enqueue(msg);
            return;
        }
        dispatch(msg);
    }

    /** Pipelined behind an exchange in flight: waits, and nothing more is read meanwhile. */
    private void enqueue(Object msg) {
        if (queued == null) {
            queued = new ArrayDeque<>(4);
        }
        if (queued.size() >= MAX_QUEUED) {
            ReferenceCountUtil.release(msg);
            state = State.CLOSING;
            releaseQueued();
            ctx.close();
            return;
        }
        queued.add(msg);
        if (state == State.HANDED_OFF || state == State.HANDED_OFF_LAST) {
            // Reactor Netty turns auto-read on at the end of its request; nothing more until this one's turn.
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest request) {
            if (FastPath.eligible(request)) {
                relay(request);
            } else {
                handOff(request);
            }
            return;
        }
        if (state == State.RELAYING && msg instanceof HttpContent content) {
            exchange.requestContent(content);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void relay(HttpRequest request) {
        if (idleness != Idleness.OWN) {
            ownIdleness();
        }
        state = State.RELAYING;
        exchange = new FastExchange(shared, this, ctx, request);
        exchange.start();
    }

    private void handOff(HttpRequest request) {
        state = ProxyHeaders.keepAlive(request) ? State.HANDED_OFF : State.HANDED_OFF_LAST;
        idleness = Idleness.CHECKED_PER_REQUEST;
        ctx.fireChannelRead(request);
        if (request.headers().contains(HttpHeaderNames.UPGRADE)
                && ctx.pipeline().context(this) != null) {
            // The connection may stop being HTTP/1.1 (WebSocket, h2c): Reactor Netty's from here on.
            ctx.pipeline().remove(this);
        }
    }

    /**
     * Takes over closing the connection when it idles. Reactor Netty's handler for that watches every write through
     * a listener on its promise, which costs about a tenth of a fast exchange; a timer per connection is enough.
     */
    private void ownIdleness() {
        if (idleness == Idleness.CHECKED_PER_REQUEST && ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false); // Reactor Netty's end of request turned it on
        }
        if (ctx.pipeline().get(NettyPipeline.IdleTimeoutHandler) != null) {
            ctx.pipeline().remove(NettyPipeline.IdleTimeoutHandler);
        }
        if (idleness == Idleness.REACTOR_NETTY) {
            idleness = Idleness.OWN;
        }
        if (idleCheck == null) {
            idleCheck = ctx.executor().schedule(idleTask, shared.idleNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Closes a connection that has had no exchange for the idle timeout. */
    private void checkIdle() {
        idleCheck = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        long wait = shared.idleNanos;
        if (exchange == null && (state == State.IDLE || state == State.CLOSING)) {
            // CLOSING too: a client that stops reading the response that ends its connection must not keep it.
            long idle = now() - idleSince;
            if (idle >= shared.idleNanos) {
                ctx.close();
                return;
            }
            wait = shared.idleNanos - idle;
        }
        idleCheck = ctx.executor().schedule(idleTask, wait, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        batching = false;
        FastExchange x = exchange;
        if (x != null) {
            x.flushBackend();
            if (!x.requestRead()) {
                watchRead();
                if (x.canTakeMore()) {
                    ctx.read();
                }
            }
        }
        ctx.fireChannelReadComplete();
    }

    private void watchRead() {
        if (readCheck == null) {
            readCheck = ctx.executor().schedule(readTask, shared.clientReadNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The client read timeout: a client silent mid-request for that long loses its connection. */
    private void checkRead() {
        readCheck = null;
        FastExchange x = exchange;
        if (x == null || x.requestRead() || !ctx.channel().isActive()) {
            return;
        }
        long silent = now() - lastRead;
        if (silent >= shared.clientReadNanos) {
            ctx.close();
        } else {
            readCheck = ctx.executor().schedule(readTask, shared.clientReadNanos - silent, TimeUnit.NANOSECONDS);
        }
    }

    /** Watches what Reactor Netty writes for a request handed to it: its response's end frees the connection. */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ctx.write(msg, promise);
        if (state != State.HANDED_OFF && state != State.HANDED_OFF_LAST) {
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (response.status().code() < 200) {
                return; // interim: the final response follows
            }
            if (!ProxyHeaders.keepAlive(response)) {
                state = State.HANDED_OFF_LAST;
            }
        }
        if (msg instanceof LastHttpContent) {
            // Reactor Netty's response is complete: the next request is the fast path's to take, unless this
            // response ends the connection (Reactor Netty closes it), in which case nothing after it is served.
            idleSince = now();
            if (state == State.HANDED_OFF_LAST) {
                state = State.CLOSING;
                releaseQueued();
            } else {
                state = State.IDLE;
                if (hasQueued()) {
                    ctx.executor().execute(this::drain);
                }
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        FastExchange x = exchange;
        if (x != null) {
            x.clientWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent
                || evt instanceof CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent) {
            if (ctx.pipeline().context(this) != null) {
                ctx.pipeline().remove(this);
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        FastExchange x = exchange;
        exchange = null;
        if (x != null) {
            x.clientClosed();
        }
        state = State.CLOSING;
        releaseQueued();
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Only on an upgrade: the connection is Reactor Netty's from here on, timers included.
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        if (readCheck != null) {
            readCheck.cancel(false);
        }
        if (queued != null) {
            // Only on an upgrade, which Reactor Netty serves alone: what waited goes on to it, in order.
            Object msg;
            while ((msg = queued.poll()) != null) {
                ctx.fireChannelRead(msg);
            }
        }
    }

    /** The exchange in flight ended: the next pipelined request, or a read for one. */
    void ended(FastExchange ended, ChannelFuture lastWrite) {
        exchange = null;
        idleSince = now();
        if (ended.closeAfter() || shared.isClosing()) {
            state = State.CLOSING;
            releaseQueued();
            lastWrite.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        state = State.IDLE;
        if (idleness == Idleness.CHECKED_PER_REQUEST && ctx.pipeline().get(NettyPipeline.IdleTimeoutHandler) != null) {
            ctx.pipeline().remove(NettyPipeline.IdleTimeoutHandler); // re-added by Reactor Netty meanwhile
        }
        if (!draining) {
            drain(); // else the loop below goes on: no recursion however many requests are pipelined
        }
    }

    private void drain() {
        draining = true;
        boolean outer = batching;
        batching = true;
        try {
            while (hasQueued() && ctx.channel().isActive() && state != State.CLOSING) {
                Object next = queued.peek();
                if (next instanceof HttpRequest && state != State.IDLE) {
                    break;
                }
                queued.poll();
                dispatch(next);
            }
        } finally {
            draining = false;
            batching = outer;
        }
        FastExchange x = exchange;
        if (x != null) {
            x.flushBackend();
            if (!x.requestRead()) {
                watchRead();
            }
        }
        if ((state == State.IDLE || state == State.RELAYING)
                && !hasQueued()
                && ctx.channel().isActive()
                && (x == null || x.canTakeMore())) {
            ctx.read();
        }
    }

    /** Whether the end of the current batch of messages will flush and read (see {@link #batching}). */
    boolean batching() {
        return batching;
    }

    boolean hasQueued() {
        return queued != null && !queued.isEmpty();
    }

    private void releaseQueued() {
        if (queued != null) {
            Object msg;
            while ((msg = queued.poll()) != null) {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    /** The event loop's clock: the timers' own, so a test can move it ({@code EmbeddedChannel.advanceTimeBy}). */
    private long now() {
        return ctx.executor().ticker().nanoTime();
    }

    String clientAddress() {
        if (clientAddress == null) {
            clientAddress = ProxyHeaders.clientAddress(ctx.channel().remoteAddress());
        }
        return clientAddress;
    }
}
