package dev.ferry.router.transport;

import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.forwarding.BackendConnection;
import dev.ferry.router.forwarding.BackendPool;
import dev.ferry.router.forwarding.ProxyHeaders;
import dev.ferry.router.pipeline.Admission;
import dev.ferry.router.pipeline.Admission.Admitted;
import dev.ferry.router.pipeline.Admission.Refused;
import dev.ferry.router.pipeline.Outcome;
import dev.ferry.router.pipeline.Refusal;
import dev.ferry.router.pipeline.RequestHead;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
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
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;

/**
 * One request on the fast path, from its first line to the end of its response and of its body. The pipeline admits
 * it; this class only moves its messages: client to backend connection, backend connection to client.
 *
 * <pre>
 *   toward the backend:  ACQUIRING -> SENDING -> SENT           (DETACHED once the connection is given back)
 *   toward the client:   AWAITING -> [INTERIM ->] STREAMING -> DONE   (DONE at once for Ferry's own answer)
 * </pre>
 *
 * It ends (once) when the client sent the whole request and got the whole response, or when either side breaks.
 */
final class FastExchange implements BackendPool.Acquirer, BackendPool.Listener {
    /** Headers Ferry builds itself from headers Netty validated already: no second validation. */
    private static final HttpHeadersFactory TRUSTED_HEADERS =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    /** The request's way to the backend. */
    enum Upstream {
        /** Waiting for a pooled connection; body parts read meanwhile wait in {@code pending}. */
        ACQUIRING,
        /** The head went out; body parts follow as the client sends them. */
        SENDING,
        /** The whole request went out; the response is awaited or streaming. */
        SENT,
        /** No backend connection: refused, given back, or broken. */
        DETACHED
    }

    /** The response's way to the client. */
    enum Downstream {
        /** Nothing sent to the client yet. */
        AWAITING,
        /** The backend sent a 1xx (Ferry sends no Expect or Upgrade here): skipped, the final response follows. */
        INTERIM,
        /** The head went out; body parts follow. */
        STREAMING,
        /** The whole response went out (the backend's, or Ferry's own answer). */
        DONE
    }

    private final FastPath shared;
    private final FastConnection connection;
    private final ChannelHandlerContext ctx;
    private final HttpRequest request;
    private Admission admission;
    private Upstream upstream = Upstream.DETACHED;
    private Downstream downstream = Downstream.AWAITING;
    private BackendConnection backend;
    /** Body parts read while no backend connection is there yet; most requests never need it. */
    private ArrayDeque<HttpContent> pending;

    private String uri;
    private boolean hasBody;
    /** The client sent the whole request (its last content was read). */
    private boolean requestRead;
    /** The connection ends after this response (the client asked, the request broke, or Ferry is stopping). */
    private boolean closeAfter;

    private boolean retried;
    private boolean backendKeepAlive = true;
    private boolean backendNeedsFlush;
    private boolean clientNeedsFlush;
    private boolean ended;

    private int status;
    private Refusal refusal;
    private boolean clientClosed;
    private long requestBytes;
    private long responseBytes;
    private ChannelFuture lastWrite;

    FastExchange(FastPath shared, FastConnection connection, ChannelHandlerContext ctx, HttpRequest request) {
        this.shared = shared;
        this.connection = connection;
        this.ctx = ctx;
        this.request = request;
        this.closeAfter = !HttpUtil.isKeepAlive(request) || shared.isClosing();
        shared.started();
    }

    boolean closeAfter() {
        return closeAfter;
    }

    boolean requestRead() {
        return requestRead;
    }

    /** Runs the pipeline's admission, then asks the pool for a connection of this event loop. */
    void start() {
        RequestHead head =
                new RequestHead(Transport.FAST, request.method(), request.uri(), request.headers(), System.nanoTime());
        admission = shared.pipeline.admit(head);
        if (admission instanceof Refused refused) {
            respondWith(refused.refusal());
            return;
        }
        Admitted admitted = (Admitted) admission;
        uri = shared.backendUri(admitted.backend(), admitted.uri());
        hasBody = ProxyHeaders.hasBody(request.headers(), request.method(), HttpVersion.HTTP_1_1);
        acquire();
    }

    private void acquire() {
        upstream = Upstream.ACQUIRING;
        shared.pool(admission.backend()).acquire(ctx.channel(), this);
    }

    @Override
    public void acquired(BackendConnection acquired) {
        if (ended || downstream == Downstream.DONE) {
            upstream = Upstream.DETACHED;
            acquired.release(true);
            return;
        }
        upstream = Upstream.SENDING;
        backend = acquired;
        acquired.listen(this);
        DefaultHttpRequest out = new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), uri, TRUSTED_HEADERS);
        shared.headers.toBackend(
                request.headers(),
                out.headers(),
                admission.tenant(),
                connection.clientAddress(),
                shared.authority(admission.backend()),
                "1.1");
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
        if (upstream != Upstream.SENT && (hasBody || requestRead)) {
            // A body-less request's end comes in the same read as its head: nothing to ask for.
            flushBackend();
            ctx.read(); // the rest of the body
        }
    }

    @Override
    public void acquireFailed(Throwable error) {
        upstream = Upstream.DETACHED;
        if (!ended) {
            respondWith(failed(error));
        }
    }

    /** A part of the request body from the client (its last one ends the request). */
    void requestContent(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            malformedRequest(content);
            return;
        }
        requestBytes += content.content().readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (last) {
            requestRead = true;
            clearTrailers((LastHttpContent) content);
            // Keep a read pending while the backend works: the client's close is seen at once, and whatever it
            // pipelines waits in the connection's queue (one read's worth at most).
            if (!connection.hasQueued()) {
                ctx.read();
            }
        }
        if (ended || downstream == Downstream.DONE) {
            content.release(); // answered already (an error, or the backend's early response): discarded
        } else if (upstream == Upstream.ACQUIRING) {
            pending().add(content);
        } else {
            send(content);
        }
        if (last) {
            endIfDone();
        }
    }

    /**
     * A body Netty could not decode (a bad chunk): the backend must never see it end as if complete, and the
     * connection's framing is lost, so it closes after the answer.
     */
    private void malformedRequest(HttpContent content) {
        Throwable cause = content.decoderResult().cause();
        content.release();
        requestRead = true;
        closeAfter = true;
        detach(false);
        if (ended || downstream == Downstream.DONE) {
            endIfDone();
            return;
        }
        ProxyException error = new ProxyException(
                ProxyFailure.REQUEST_INVALID,
                "the request body could not be read: " + (cause == null ? "malformed" : cause.getMessage())
                        + " (expected: a body framed by Content-Length or valid chunked encoding)");
        Refusal answer = failed(error);
        if (downstream == Downstream.STREAMING) {
            abort();
            return;
        }
        respondWith(answer);
    }

    private void send(HttpContent content) {
        if (content instanceof LastHttpContent) {
            upstream = Upstream.SENT;
            backendNeedsFlush = false;
            backend.writeAndFlush(content);
            backend.arm();
        } else {
            backend.write(content);
            backendNeedsFlush = true;
        }
    }

    void flushBackend() {
        if (backendNeedsFlush && backend != null) {
            backendNeedsFlush = false;
            backend.flush();
        }
    }

    /** Whether to read more of the request now: its backend connection is there and can take it, or it is discarded. */
    boolean canTakeMore() {
        if (downstream == Downstream.DONE) {
            return !requestRead;
        }
        return backend != null && !ended && backend.channel().isWritable();
    }

    void clientWritabilityChanged(boolean writable) {
        if (backend != null) {
            backend.channel().config().setAutoRead(writable);
        }
    }

    @Override
    public void backendWritabilityChanged(boolean writable) {
        if (writable && !requestRead) {
            ctx.read();
        }
    }

    @Override
    public void backendMessage(Object message) {
        if (ended || downstream == Downstream.DONE) {
            ReferenceCountUtil.release(message);
            return;
        }
        if (message instanceof HttpResponse response && !responseHead(response)) {
            return;
        }
        if (message instanceof HttpContent content) {
            responseContent(content);
        } else if (!(message instanceof HttpResponse)) {
            // Not HTTP any more (a backend that switched protocols unasked): it cannot be relayed.
            ReferenceCountUtil.release(message);
            backendBroken(null);
        }
    }

    /** Whether the rest of the message (a full response's content) is to be relayed. */
    private boolean responseHead(HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            ReferenceCountUtil.release(response);
            backendBroken(response.decoderResult().cause());
            return false;
        }
        int code = response.status().code();
        if (code < 200) {
            downstream = Downstream.INTERIM;
            if (!(response instanceof HttpContent)) {
                ReferenceCountUtil.release(response);
                return false;
            }
            return true; // its (empty) content ends the interim response below
        }
        startResponse(response, code);
        return true;
    }

    private void startResponse(HttpResponse response, int code) {
        shared.pipeline.responded((Admitted) admission, code);
        status = code;
        backendKeepAlive = HttpUtil.isKeepAlive(response);
        HttpHeaders headers = response.headers();
        shared.headers.toClientInPlace(headers, admission.backend());
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH) && mayHaveBody(code)) {
            // Chunked or delimited by the backend's close: framed anew for the client either way.
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        closeAfter |= shared.isClosing();
        if (closeAfter) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        downstream = Downstream.STREAMING;
        ctx.write(response, ctx.voidPromise());
        clientNeedsFlush = true;
    }

    private void responseContent(HttpContent content) {
        if (downstream == Downstream.INTERIM) {
            if (content instanceof LastHttpContent) {
                downstream = Downstream.AWAITING;
            }
            content.release();
            return;
        }
        if (content.decoderResult().isFailure()) {
            Throwable cause = content.decoderResult().cause();
            content.release();
            backendBroken(cause);
            return;
        }
        responseBytes += content.content().readableBytes();
        if (!(content instanceof LastHttpContent last)) {
            ctx.write(content, ctx.voidPromise());
            clientNeedsFlush = true;
            if (!ctx.channel().isWritable()) {
                backend.channel().config().setAutoRead(false);
            }
            return;
        }
        if (backend.failure() != null) {
            // The end Netty reports when the backend's connection broke: a cut body, not a whole one.
            content.release();
            backendFailed(backend.failure());
            return;
        }
        clearTrailers(last);
        downstream = Downstream.DONE;
        backend.disarm();
        lastWrite = ctx.writeAndFlush(content);
        clientNeedsFlush = false;
        if (upstream != Upstream.SENT) {
            // Answered before the request's end: the connection's framing is unknown, so it goes.
            detach(false);
            ctx.read(); // the rest of the request body, to discard
        }
        endIfDone();
    }

    /** Trailers are not forwarded either way (they would slip past the header rules), as on Reactor Netty. */
    private static void clearTrailers(LastHttpContent last) {
        if (!last.trailingHeaders().isEmpty()) {
            last.trailingHeaders().clear();
        }
    }

    private boolean mayHaveBody(int code) {
        return code != 204 && code != 304 && !HttpMethod.HEAD.equals(request.method());
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
        BackendConnection broken = backend;
        broken.listen(null);
        broken.channel().close();
        backendFailed(new IOException(
                "backend '" + admission.backend().tag() + "' sent a malformed response: "
                        + (cause == null ? "unparseable" : cause.getMessage()),
                cause));
    }

    @Override
    public void backendFailed(Throwable error) {
        BackendConnection failed = backend;
        backend = null;
        upstream = Upstream.DETACHED;
        if (ended || downstream == Downstream.DONE) {
            return;
        }
        if (mayRetry(failed, error)) {
            // A kept-alive connection the backend had just closed: the request never reached it. Once more, on a
            // fresh or another pooled connection.
            retried = true;
            if (requestRead) {
                pending().add(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            acquire();
            return;
        }
        Refusal answer = failed(error);
        if (downstream == Downstream.STREAMING) {
            abort(); // too late for an error response
            return;
        }
        respondWith(answer);
    }

    private boolean mayRetry(BackendConnection failed, Throwable error) {
        return downstream == Downstream.AWAITING
                && !retried
                && failed != null
                && failed.reused()
                && !hasBody
                && error instanceof IOException
                && (request.method() == HttpMethod.GET
                        || request.method() == HttpMethod.HEAD
                        || request.method() == HttpMethod.OPTIONS);
    }

    private Refusal failed(Throwable error) {
        refusal = admission instanceof Admitted admitted
                ? shared.pipeline.failed(admitted, error)
                : ((Refused) admission).refusal();
        return refusal;
    }

    /** Ferry's own answer, instead of a response that has not started. */
    private void respondWith(Refusal answer) {
        refusal = answer;
        status = answer.failure().status().code();
        releasePending();
        detach(false);
        var response = shared.errors.response(ctx.alloc(), answer);
        closeAfter |= shared.isClosing();
        if (closeAfter) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        downstream = Downstream.DONE;
        lastWrite = ctx.writeAndFlush(response);
        if (!requestRead) {
            ctx.read(); // the rest of the request, to discard
        }
        endIfDone();
    }

    /** A response cut short: the connection closes so that it never looks complete. */
    private void abort() {
        ended = true;
        releasePending();
        ctx.close();
        finish();
    }

    /** Ends the exchange once both the response and the request are complete. */
    private void endIfDone() {
        if (ended || !requestRead || downstream != Downstream.DONE) {
            return;
        }
        ended = true;
        detach(backendKeepAlive && upstream == Upstream.SENT);
        finish();
        connection.ended(this, lastWrite);
    }

    /** The client went away: the backend connection cannot be reused, and nothing counts against the backend. */
    void clientClosed() {
        if (ended) {
            return;
        }
        ended = true;
        clientClosed = true;
        if (upstream == Upstream.ACQUIRING) {
            shared.pool(admission.backend()).cancel(ctx.channel(), this);
            upstream = Upstream.DETACHED;
        }
        detach(false);
        releasePending();
        finish();
    }

    private void detach(boolean reusable) {
        if (backend != null) {
            backend.release(reusable);
            backend = null;
        }
        if (upstream != Upstream.ACQUIRING) {
            upstream = Upstream.DETACHED;
        }
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

    private void finish() {
        shared.pipeline.finish(new Outcome(
                admission,
                status,
                refusal == null ? null : refusal.failure(),
                clientClosed,
                requestBytes,
                responseBytes,
                System.nanoTime()));
        shared.finished();
    }
}
