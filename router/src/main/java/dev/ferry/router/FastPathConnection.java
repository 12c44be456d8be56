package dev.ferry.router;

import dev.ferry.router.forwarding.BackendPool;
import dev.ferry.router.forwarding.ProxyHeaders;
import dev.ferry.router.resilience.BackendBreakers;
import dev.ferry.router.resilience.BreakerCall;
import dev.ferry.router.routing.Backend;
import dev.ferry.router.routing.RoutingDecision;
import dev.ferry.router.tenant.TenantId;
import dev.ferry.router.tenant.TenantResolution;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import reactor.netty.NettyPipeline;

/**
 * One client connection's fast path (see {@link FastPath}). It sits between Netty's HTTP codec and Reactor Netty's
 * handler and takes each request in turn: the ones it can serve it relays itself, the others it passes on. Requests a
 * client pipelines while one is in flight wait here, in order, so that responses keep the order of the requests.
 *
 * <p>Reading is on demand (Reactor Netty turns auto-read off): the next read is asked for only when the current
 * exchange can take more, which is the backpressure from backend to client.
 */
final class FastPathConnection extends ChannelDuplexHandler implements Runnable {
    /** Headers Ferry builds itself from headers Netty validated already: no second validation. */
    private static final HttpHeadersFactory TRUSTED_HEADERS =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    /** Messages a client may pipeline behind the exchange in flight; more is abuse, and the connection is closed. */
    private static final int MAX_QUEUED = 16 * 1024;

    private enum State {
        /** Between requests. */
        IDLE,
        /** Serving a request itself. */
        FAST,
        /** Reactor Netty serves a request; its response's end brings the connection back to IDLE. */
        SLOW
    }

    private final FastPath shared;
    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private Call call;
    private ArrayDeque<Object> queued;
    private String clientAddress;
    private long lastRead;
    private ScheduledFuture<?> readCheck;
    /** Whether Reactor Netty's keep-alive idle handler may be in the pipeline (at first, and after its requests). */
    private boolean reactorIdleHandler = true;
    /** Whether Reactor Netty served a request on this connection, after which it may add its idle handler again. */
    private boolean slowSeen;
    /** Whether the request Reactor Netty serves, or its response, ends the connection. */
    private boolean slowCloses;
    /** The connection ends after the current response: nothing read after it is served. */
    private boolean closing;

    private boolean draining;

    private long idleSince;
    private ScheduledFuture<?> idleCheck;
    private final Runnable idleTask = this::checkIdle;

    FastPathConnection(FastPath shared) {
        this.shared = shared;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.idleSince = System.nanoTime();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastRead = System.nanoTime();
        if (closing) {
            ReferenceCountUtil.release(msg); // after a response that closes the connection: never served
            return;
        }
        if ((queued != null && !queued.isEmpty()) || (msg instanceof HttpRequest && state != State.IDLE)) {
            // Pipelined behind an exchange in flight: waits, and nothing more is read meanwhile.
            if (queued == null) {
                queued = new ArrayDeque<>(4);
            }
            if (queued.size() >= MAX_QUEUED) {
                ReferenceCountUtil.release(msg);
                closing = true;
                releaseQueued();
                ctx.close();
                return;
            }
            queued.add(msg);
            if (state == State.SLOW) {
                // Reactor Netty turns auto-read on at the end of its request; nothing more until this one's turn.
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest request) {
            if (eligible(request)) {
                if (reactorIdleHandler || slowSeen) {
                    ownIdleness();
                }
                state = State.FAST;
                call = new Call(request);
                call.start();
            } else {
                state = State.SLOW;
                reactorIdleHandler = true;
                slowSeen = true;
                slowCloses = !HttpUtil.isKeepAlive(request);
                ctx.fireChannelRead(msg);
                if (request.headers().contains(HttpHeaderNames.UPGRADE)
                        && ctx.pipeline().context(this) != null) {
                    // The connection may stop being HTTP/1.1 (WebSocket, h2c): Reactor Netty's from here on.
                    ctx.pipeline().remove(this);
                }
            }
            return;
        }
        if (state == State.FAST && msg instanceof HttpContent content) {
            call.requestContent(content);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Takes over closing the connection when it idles. Reactor Netty's handler for that watches every write through
     * a listener on its promise, which costs about a tenth of a fast exchange; a timer per connection is enough.
     */
    private void ownIdleness() {
        reactorIdleHandler = false;
        if (slowSeen && ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false); // Reactor Netty's end of request turned it on
        }
        if (ctx.pipeline().get(NettyPipeline.IdleTimeoutHandler) != null) {
            ctx.pipeline().remove(NettyPipeline.IdleTimeoutHandler);
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
        if (call == null && state == State.IDLE) {
            long idle = System.nanoTime() - idleSince;
            if (idle >= shared.idleNanos) {
                ctx.close();
                return;
            }
            wait = shared.idleNanos - idle;
        }
        idleCheck = ctx.executor().schedule(idleTask, wait, TimeUnit.NANOSECONDS);
    }

    private static boolean eligible(HttpRequest request) {
        HttpHeaders headers = request.headers();
        return request.decoderResult().isSuccess()
                && request.protocolVersion() == HttpVersion.HTTP_1_1
                && !headers.contains(HttpHeaderNames.UPGRADE)
                && !headers.contains(HttpHeaderNames.EXPECT);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Call c = call;
        if (c != null) {
            c.flushBackend();
            if (!c.requestDone) {
                if (readCheck == null) {
                    readCheck = ctx.executor().schedule(this, shared.clientReadNanos, TimeUnit.NANOSECONDS);
                }
                if (c.canTakeMore()) {
                    ctx.read();
                }
            }
        }
        ctx.fireChannelReadComplete();
    }

    /** The client read timeout: a client silent mid-request for that long loses its connection. */
    @Override
    public void run() {
        readCheck = null;
        Call c = call;
        if (c == null || c.requestDone || !ctx.channel().isActive()) {
            return;
        }
        long silent = System.nanoTime() - lastRead;
        if (silent >= shared.clientReadNanos) {
            ctx.close();
        } else {
            readCheck = ctx.executor().schedule(this, shared.clientReadNanos - silent, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ctx.write(msg, promise);
        if (state != State.SLOW) {
            return;
        }
        boolean interim =
                msg instanceof HttpResponse response && response.status().code() < 200;
        if (msg instanceof HttpResponse response && !interim && !HttpUtil.isKeepAlive(response)) {
            slowCloses = true;
        }
        if (msg instanceof LastHttpContent && !interim) {
            // Reactor Netty's response is complete: the next request is the fast path's to take, unless this
            // response ends the connection (Reactor Netty closes it), in which case nothing after it is served.
            state = State.IDLE;
            idleSince = System.nanoTime();
            if (slowCloses) {
                closing = true;
                releaseQueued();
            } else if (queued != null && !queued.isEmpty()) {
                ctx.executor().execute(this::drain);
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Call c = call;
        if (c != null) {
            c.clientWritabilityChanged(ctx.channel().isWritable());
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
        Call c = call;
        if (c != null) {
            c.clientClosed();
        }
        releaseQueued();
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (queued != null) {
            // Only on an upgrade, which Reactor Netty serves alone: what waited goes on to it, in order.
            Object msg;
            while ((msg = queued.poll()) != null) {
                ctx.fireChannelRead(msg);
            }
        }
    }

    private void releaseQueued() {
        if (queued != null) {
            Object msg;
            while ((msg = queued.poll()) != null) {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    /** The exchange in flight ended: the next pipelined request, or a read for one. */
    private void ended(Call ended, ChannelFuture lastWrite) {
        call = null;
        state = State.IDLE;
        idleSince = System.nanoTime();
        if (ended.closeAfter || shared.isClosing()) {
            closing = true;
            releaseQueued();
            lastWrite.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (slowSeen && ctx.pipeline().get(NettyPipeline.IdleTimeoutHandler) != null) {
            ctx.pipeline().remove(NettyPipeline.IdleTimeoutHandler); // re-added by Reactor Netty meanwhile
        }
        if (!draining) {
            drain(); // else the loop below goes on: no recursion however many requests are pipelined
        }
    }

    private void drain() {
        draining = true;
        try {
            while (queued != null && !queued.isEmpty() && ctx.channel().isActive() && !closing) {
                Object next = queued.peek();
                if (next instanceof HttpRequest && state != State.IDLE) {
                    break;
                }
                queued.poll();
                dispatch(next);
            }
        } finally {
            draining = false;
        }
        Call c = call;
        if (c != null) {
            c.flushBackend();
            if (!c.requestDone && readCheck == null) {
                readCheck = ctx.executor().schedule(this, shared.clientReadNanos, TimeUnit.NANOSECONDS);
            }
        }
        if (state != State.SLOW
                && !closing
                && (queued == null || queued.isEmpty())
                && ctx.channel().isActive()
                && (c == null || c.canTakeMore())) {
            ctx.read();
        }
    }

    private String clientAddress() {
        if (clientAddress == null) {
            clientAddress = ProxyHeaders.clientAddress(ctx.channel().remoteAddress());
        }
        return clientAddress;
    }

    /** One request on the fast path, from its first line to the end of its response and of its body. */
    private final class Call implements BackendPool.Acquirer, BackendPool.Listener {
        private final HttpRequest request;
        private final Exchange exchange;
        /** Body parts read while no backend connection is there yet; most requests never need it. */
        private ArrayDeque<HttpContent> pending;

        private boolean closeAfter;
        private Backend backend;
        private TenantId tenant;
        private String uri;
        private boolean hasBody;
        private BreakerCall breaker;
        private BackendPool.Connection connection;
        private boolean acquiring;
        private boolean retried;
        private boolean requestDone;
        private boolean requestSent;
        private boolean backendNeedsFlush;
        private boolean clientNeedsFlush;
        private boolean responseStarted;
        private boolean responseDone;
        private boolean interim;
        private boolean backendKeepAlive = true;
        private boolean finished;

        Call(HttpRequest request) {
            this.request = request;
            this.exchange = new Exchange(request.method());
            this.closeAfter = !HttpUtil.isKeepAlive(request) || shared.isClosing();
            shared.started();
        }

        void start() {
            try {
                String target = RequestTarget.originForm(request.method(), request.uri()); // 0. only paths
                TenantResolution resolved = shared.tenants.resolve(request.headers(), target); // 1. who
                exchange.tenant = resolved.tenant();
                RoutingDecision decision = shared.proxy.decide(resolved); // 2. where
                backend = decision.backend();
                exchange.backend(backend);
                tenant = decision.tenant();
                uri = shared.backendUri(backend, resolved.uri());
                CircuitBreaker circuitBreaker = shared.breakers.of(backend);
                if (!BackendBreakers.tryAcquire(circuitBreaker)) {
                    throw shared.breakers.openError(backend);
                }
                breaker = new BreakerCall(circuitBreaker, shared.breakers.failurePolicy());
                hasBody = ProxyHeaders.hasBody(request.headers(), request.method(), HttpVersion.HTTP_1_1);
                acquiring = true;
                shared.pool(backend).acquire(ctx.channel(), this); // 3. send
            } catch (RuntimeException e) {
                respondWithError(e);
            }
        }

        @Override
        public void acquired(BackendPool.Connection acquired) {
            acquiring = false;
            if (finished || responseDone) {
                acquired.release(true);
                return;
            }
            connection = acquired;
            acquired.listen(this);
            DefaultHttpRequest out =
                    new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), uri, TRUSTED_HEADERS);
            shared.headers.toBackend(
                    request.headers(), out.headers(), tenant, clientAddress(), shared.authority(backend), "1.1");
            if (hasBody && !out.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                // The client's own framing is hop-by-hop and was dropped: frame the stream anew.
                out.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            acquired.write(out);
            backendNeedsFlush = true;
            HttpContent content;
            while (pending != null && (content = pending.poll()) != null) {
                send(content);
            }
            if (!requestSent && !pendingRead()) {
                flushBackend();
                ctx.read(); // the rest of the body
            }
        }

        /** Whether the request's remaining messages are expected in the current read (a body-less request's end). */
        private boolean pendingRead() {
            return !hasBody && !requestDone;
        }

        @Override
        public void acquireFailed(Throwable error) {
            acquiring = false;
            if (finished) {
                return;
            }
            respondWithError(error);
        }

        void requestContent(HttpContent content) {
            if (content.decoderResult().isFailure()) {
                malformedRequest(content);
                return;
            }
            boolean last = content instanceof LastHttpContent;
            if (last) {
                requestDone = true;
                if (!((LastHttpContent) content).trailingHeaders().isEmpty()) {
                    // Trailers are not forwarded (they would slip past the header rules), as on Reactor Netty.
                    ((LastHttpContent) content).trailingHeaders().clear();
                }
                // Keep a read pending while the backend works: the client's close is seen at once, and whatever it
                // pipelines waits in the queue (one read's worth at most: none while something waits already).
                if (queued == null || queued.isEmpty()) {
                    ctx.read();
                }
            }
            if (finished || responseDone) {
                content.release(); // answered already (an error, or the backend's early response): discarded
            } else if (connection == null) {
                pending().add(content);
            } else {
                send(content);
            }
            if (last) {
                finishIfDone(null);
            }
        }

        /**
         * A body Netty could not decode (a bad chunk): the backend must never see it end as if complete, and the
         * connection's framing is lost, so it closes after the answer.
         */
        private void malformedRequest(HttpContent content) {
            Throwable cause = content.decoderResult().cause();
            content.release();
            requestDone = true;
            closeAfter = true;
            if (connection != null) {
                connection.release(false);
                connection = null;
            }
            if (finished || responseDone) {
                finishIfDone(null);
                return;
            }
            ProxyException error = new ProxyException(
                    ProxyFailure.REQUEST_INVALID,
                    "the request body could not be read: "
                            + (cause == null ? "malformed" : cause.getMessage())
                            + " (expected: a body framed by Content-Length or valid chunked encoding)");
            if (breaker != null) {
                breaker.release();
            }
            if (responseStarted) {
                shared.proxy.failed(exchange, request.method().name(), request.uri(), error);
                finished = true;
                releasePending();
                ctx.close();
                done();
                return;
            }
            respondWithError(error);
        }

        private void send(HttpContent content) {
            if (content instanceof LastHttpContent) {
                requestSent = true;
                backendNeedsFlush = false;
                connection.writeAndFlush(content);
                connection.arm();
            } else {
                connection.write(content);
                backendNeedsFlush = true;
            }
        }

        void flushBackend() {
            if (backendNeedsFlush && connection != null) {
                backendNeedsFlush = false;
                connection.flush();
            }
        }

        /** Whether to read more of the request now: its backend connection is there and can take it. */
        boolean canTakeMore() {
            return connection != null && connection.channel().isWritable() && !responseDone && !finished
                    || responseDone && !requestDone;
        }

        void clientWritabilityChanged(boolean writable) {
            if (connection != null) {
                connection.channel().config().setAutoRead(writable);
            }
        }

        @Override
        public void backendWritabilityChanged(boolean writable) {
            if (writable && !requestDone) {
                ctx.read();
            }
        }

        @Override
        public void backendMessage(Object message) {
            if (finished || responseDone) {
                ReferenceCountUtil.release(message);
                return;
            }
            if (message instanceof HttpResponse response) {
                if (response.decoderResult().isFailure()) {
                    ReferenceCountUtil.release(message);
                    backendBroken(response.decoderResult().cause());
                    return;
                }
                int status = response.status().code();
                if (status < 200) {
                    interim = true; // 1xx: Ferry sends no Expect and no Upgrade here; the final response follows
                    ReferenceCountUtil.release(message);
                    return;
                }
                startResponse(response, status);
            }
            if (message instanceof HttpContent content) {
                if (interim) {
                    interim = !(content instanceof LastHttpContent);
                    content.release();
                    return;
                }
                if (content.decoderResult().isFailure()) {
                    Throwable cause = content.decoderResult().cause();
                    content.release();
                    backendBroken(cause);
                    return;
                }
                if (content instanceof LastHttpContent last) {
                    if (connection.failure() != null) {
                        // The end Netty reports when the backend's connection broke: a cut body, not a whole one.
                        content.release();
                        backendFailed(connection.failure());
                        return;
                    }
                    if (!last.trailingHeaders().isEmpty()) {
                        last.trailingHeaders().clear();
                    }
                    responseDone = true;
                    connection.disarm();
                    ChannelFuture lastWrite = ctx.writeAndFlush(content);
                    clientNeedsFlush = false;
                    if (!requestSent) {
                        // Answered before the request's end: the connection's framing is unknown, so it goes.
                        connection.release(false);
                        connection = null;
                        ctx.read(); // the rest of the request body, to discard
                    }
                    finishIfDone(lastWrite);
                } else {
                    ctx.write(content, ctx.voidPromise());
                    clientNeedsFlush = true;
                    if (!ctx.channel().isWritable()) {
                        connection.channel().config().setAutoRead(false);
                    }
                }
                return;
            }
            if (!(message instanceof HttpResponse)) {
                // Not HTTP any more (a backend that switched protocols unasked): it cannot be relayed.
                ReferenceCountUtil.release(message);
                backendBroken(null);
            }
        }

        private void startResponse(HttpResponse response, int status) {
            breaker.answered(status);
            exchange.status(status);
            backendKeepAlive = HttpUtil.isKeepAlive(response);
            HttpHeaders headers = response.headers();
            shared.headers.toClientInPlace(headers, backend);
            response.setProtocolVersion(HttpVersion.HTTP_1_1);
            if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH) && mayHaveBody(status)) {
                // Chunked or delimited by the backend's close: framed anew for the client either way.
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            closeAfter |= shared.isClosing();
            if (closeAfter) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            responseStarted = true;
            ctx.write(response, ctx.voidPromise());
            clientNeedsFlush = true;
        }

        private boolean mayHaveBody(int status) {
            return status != 204 && status != 304 && !HttpMethod.HEAD.equals(request.method());
        }

        @Override
        public void backendReadComplete() {
            if (clientNeedsFlush) {
                clientNeedsFlush = false;
                ctx.flush();
            }
        }

        /** A malformed response: the connection is closed; the exchange fails like on an early close. */
        private void backendBroken(Throwable cause) {
            retried = true; // a malformed answer is no closed idle connection: never sent again
            BackendPool.Connection broken = connection;
            broken.listen(null);
            broken.channel().close();
            backendFailed(new IOException(
                    "backend '" + backend.tag() + "' sent a malformed response: "
                            + (cause == null ? "unparseable" : cause.getMessage()),
                    cause));
        }

        @Override
        public void backendFailed(Throwable error) {
            BackendPool.Connection failed = connection;
            connection = null;
            if (finished || responseDone) {
                return;
            }
            if (!responseStarted
                    && !retried
                    && failed != null
                    && failed.reused()
                    && !hasBody
                    && error instanceof IOException
                    && isIdempotent(request.method())) {
                // A kept-alive connection the backend had just closed: the request never reached it. Once more, on
                // a fresh or another pooled connection.
                retried = true;
                requestSent = false;
                if (requestDone) {
                    pending().add(LastHttpContent.EMPTY_LAST_CONTENT);
                }
                acquiring = true;
                shared.pool(backend).acquire(ctx.channel(), this);
                return;
            }
            breaker.failed(error);
            if (!responseStarted) {
                respondWithError(error);
                return;
            }
            // Too late for an error response: close the connection so that a cut body never looks complete.
            shared.proxy.failed(exchange, request.method().name(), request.uri(), error);
            finished = true;
            releasePending();
            ctx.close();
            done();
        }

        private boolean isIdempotent(HttpMethod method) {
            return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS;
        }

        private void respondWithError(Throwable error) {
            if (breaker != null) {
                breaker.failed(error);
            }
            String message = shared.proxy.failed(exchange, request.method().name(), request.uri(), error);
            ProxyFailure failure = exchange.failure;
            exchange.status = failure.status().code();
            releasePending();
            if (connection != null) {
                connection.release(false);
                connection = null;
            }
            var response = shared.errors.response(ctx.alloc(), failure, message);
            closeAfter |= shared.isClosing();
            if (closeAfter) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            responseStarted = true;
            responseDone = true;
            ChannelFuture lastWrite = ctx.writeAndFlush(response);
            if (!requestDone) {
                ctx.read(); // the rest of the request, to discard
            }
            finishIfDone(lastWrite);
        }

        private ChannelFuture lastWrite;

        /** Ends the exchange once both the response and the request are complete. */
        private void finishIfDone(ChannelFuture write) {
            if (write != null) {
                lastWrite = write;
            }
            if (finished || !requestDone || !responseDone) {
                return;
            }
            finished = true;
            if (connection != null) {
                connection.release(backendKeepAlive && requestSent);
                connection = null;
            }
            if (breaker != null) {
                breaker.release();
            }
            done();
            ended(this, lastWrite);
        }

        /** The client went away: the backend connection cannot be reused, and nothing counts against the backend. */
        void clientClosed() {
            if (finished) {
                return;
            }
            finished = true;
            exchange.clientClosed = true;
            if (acquiring) {
                shared.pool(backend).cancel(ctx.channel(), this);
            }
            if (connection != null) {
                connection.release(false);
                connection = null;
            }
            if (breaker != null) {
                breaker.release();
            }
            releasePending();
            done();
            call = null;
        }

        private ArrayDeque<HttpContent> pending() {
            if (pending == null) {
                pending = new ArrayDeque<>(2);
            }
            return pending;
        }

        private void releasePending() {
            HttpContent content;
            while (pending != null && (content = pending.poll()) != null) {
                content.release();
            }
        }

        private void done() {
            shared.proxy.record(exchange);
            shared.finished();
        }
    }
}
