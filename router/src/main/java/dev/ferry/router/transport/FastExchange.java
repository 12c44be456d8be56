package dev.ferry.router.transport;

import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.forwarding.BackendConnection;
import dev.ferry.router.forwarding.BackendPool;
import dev.ferry.router.forwarding.ProxyHeaders;
import dev.ferry.router.pipeline.Admission;
import dev.ferry.router.pipeline.Admission.Admitted;
import dev.ferry.router.pipeline.Admission.Held;
import dev.ferry.router.pipeline.Admission.Refused;
import dev.ferry.router.pipeline.Pipeline;
import dev.ferry.router.pipeline.Refusal;
import dev.ferry.router.pipeline.RequestHead;
import dev.ferry.router.transport.BackendLeg.State;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One request on the fast path, from its first line to the end of its response and of its body. The pipeline admits
 * it; this class only moves its messages: client to backend ({@link BackendLeg}), backend to client
 * ({@link ClientLeg}).
 *
 * It ends (once) when the client sent the whole request and got the whole response, or when either side breaks.
 */
final class FastExchange implements BackendPool.Acquirer, BackendPool.Listener {
    /** Headers Ferry builds itself from headers Netty validated already: no second validation. */
    private static final HttpHeadersFactory TRUSTED_HEADERS =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private final FastPath shared;
    private final FastConnection connection;
    private final ChannelHandlerContext ctx;
    private final HttpRequest request;
    private final BackendLeg leg = new BackendLeg();
    private final ClientLeg client;
    private final ExchangeTally tally = new ExchangeTally();
    private Admission admission;
    private String uri;
    private boolean hasBody;
    /** The client sent the whole request (its last content was read). */
    private boolean requestRead;
    /** The connection ends after this response (the client asked, the request broke, or Ferry is stopping). */
    private boolean closeAfter;
    /** A body refused for its size: the connection closes after the answer without reading the rest of it. */
    private boolean leaveBodyUnread;

    private boolean retried;
    private boolean backendKeepAlive = true;
    /** The cut-off of a moving tenant's request to the backend it leaves, or null. */
    private ScheduledFuture<?> deadline;

    private boolean ended;

    FastExchange(FastPath shared, FastConnection connection, ChannelHandlerContext ctx, HttpRequest request) {
        this.shared = shared;
        this.connection = connection;
        this.ctx = ctx;
        this.request = request;
        this.client = new ClientLeg(ctx);
        this.closeAfter = !ProxyHeaders.keepAlive(request) || shared.isClosing();
    }

    boolean closeAfter() {
        return closeAfter;
    }

    boolean requestRead() {
        return requestRead;
    }

    /** Runs the pipeline's admission, then asks the pool for a connection of this event loop. */
    void start() {
        RequestHead head = new RequestHead(
                Transport.FAST,
                HttpVersion.HTTP_1_1,
                request.method(),
                request.uri(),
                request.headers(),
                System.nanoTime(),
                ctx.channel().remoteAddress());
        hasBody = ProxyHeaders.hasBody(request.headers(), request.method(), HttpVersion.HTTP_1_1);
        proceed(shared.pipeline.admit(head));
    }

    /** Acts on an admission: waits while it is held, answers a refusal, or asks for a connection. */
    private void proceed(Admission next) {
        admission = next;
        if (admission instanceof Held held) {
            // Sent nowhere yet: body parts that come wait in the leg, and no more is read until the hold ends.
            leg.hold();
            held.hold().whenDone(ctx.executor(), this::released);
            return;
        }
        if (admission instanceof Refused refused) {
            leg.unhold();
            // A body refused for its size is not read to its end to keep the connection: the connection closes
            // after the answer (lingering, so that the client, still sending, reads the answer)
            if (refused.refusal().failure() == ProxyFailure.BODY_TOO_LARGE) {
                closeAfter = true;
                leaveBodyUnread = true;
            }
            respondWith(refused.refusal());
            return;
        }
        try {
            Admitted admitted = (Admitted) admission;
            uri = shared.backendUri(admission.backend(), admitted.uri());
            if (admitted.hasDeadline()) {
                deadline = ctx.executor()
                        .schedule(
                                this::deadlinePassed,
                                admitted.deadlineNanos() - System.nanoTime(),
                                TimeUnit.NANOSECONDS);
            }
            leg.acquire(pool(), ctx.channel(), this);
        } catch (RuntimeException e) {
            // A bug in Ferry: answered as internal_error, the permit settled and the exchange recorded all the same.
            leg.acquireFailed();
            if (!ended && !client.done()) {
                respondWith(failed(e));
            }
        }
    }

    /** The hold ended (on this event loop): the pipeline says what now, unless the exchange ended meanwhile. */
    private void released() {
        if (ended || client.done() || !(admission instanceof Held held)) {
            return; // the client went away, or was answered (a malformed body) while held
        }
        proceed(shared.pipeline.resume(held));
    }

    /**
     * A moving tenant's request to the backend it leaves outlived its deadline: cut (its connection closed, never
     * reused), so that nothing of the tenant is in flight there when new opens.
     */
    private void deadlinePassed() {
        if (ended || client.done()) {
            return;
        }
        retried = true; // never sent again
        ProxyException error = new ProxyException(
                ProxyFailure.CUTOVER_DEADLINE,
                "the tenant moves to another backend and this request to the one it leaves did not end within"
                        + " cutover.legacy-deadline");
        BackendConnection open = leg.connection();
        if (open != null) {
            open.listen(null);
            open.channel().close();
            backendFailed(error);
        } else {
            leg.cancel(pool(), ctx.channel(), this);
            Refusal answer = failed(error);
            if (client.state() == ClientLeg.State.STREAMING) {
                abort();
            } else {
                respondWith(answer);
            }
        }
    }

    private BackendPool pool() {
        return shared.pool(admission.backend());
    }

    @Override
    public void acquired(BackendConnection acquired) {
        if (ended || client.done()) {
            leg.discard(acquired);
            return;
        }
        DefaultHttpRequest out = new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), uri, TRUSTED_HEADERS);
        shared.headers.toBackend(
                request.headers(),
                out.headers(),
                admission.tenant(),
                connection.clientAddress(),
                shared.authority(admission.backend()),
                "1.1",
                ((Admitted) admission).traceParent());
        ProxyHeaders.frameBody(out.headers(), hasBody);
        leg.attach(acquired, this, out);
        if (leg.state() != State.SENT && (hasBody || requestRead) && !connection.batching()) {
            // The connection came later than the client's read: what waited goes out, and the rest of the body is
            // asked for. Within a read, its end does both once (head and body in one write). A body-less request's
            // end comes in the same read as its head: nothing to ask for.
            leg.flush();
            ctx.read();
        }
    }

    @Override
    public void acquireFailed(Throwable error) {
        leg.acquireFailed();
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
        tally.requestBytes += content.content().readableBytes();
        if (tally.requestBytes > shared.pipeline.maxRequestBody()) {
            tooLarge(content);
            return;
        }
        Pipeline.requestBody(admission, content.content());
        boolean last = content instanceof LastHttpContent;
        if (last) {
            requestRead = true;
            ProxyHeaders.dropTrailers((LastHttpContent) content);
            // Keep a read pending while the backend works: the client's close is seen at once, and whatever it
            // pipelines waits in the connection's queue (one read's worth at most).
            if (!connection.hasQueued()) {
                ctx.read();
            }
        }
        if (ended || client.done()) {
            content.release(); // answered already (an error, or the backend's early response): discarded
        } else {
            leg.send(content);
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
        leg.detach(false);
        if (ended || client.done()) {
            endIfDone();
            return;
        }
        Refusal answer = failed(new ProxyException(
                ProxyFailure.REQUEST_INVALID,
                "the request body could not be read: " + (cause == null ? "malformed" : cause.getMessage())
                        + " (expected: a body framed by Content-Length or valid chunked encoding)"));
        if (client.state() == ClientLeg.State.STREAMING) {
            abort();
        } else {
            respondWith(answer);
        }
    }

    /**
     * A streamed body grew past the limit: the backend's connection (if any) is closed, so that it never sees the
     * request complete, and the client gets 413 (or its connection closed, if the response had started). The rest of
     * the body is not read: the connection closes after the answer.
     */
    private void tooLarge(HttpContent content) {
        content.release();
        requestRead = true;
        closeAfter = true;
        leg.detach(false); // not reusable: closed with the request cut short
        leg.releasePending();
        if (ended || client.done()) {
            endIfDone();
            return;
        }
        Refusal answer = failed(shared.pipeline.bodyTooLarge("more than that streamed"));
        if (client.state() == ClientLeg.State.STREAMING) {
            abort();
        } else {
            respondWith(answer);
        }
    }

    void flushBackend() {
        leg.flush();
    }

    /** Whether to read more of the request now: its backend connection can take it, or it is being discarded. */
    boolean canTakeMore() {
        if (client.done()) {
            return !requestRead;
        }
        return !ended && leg.writable();
    }

    void clientWritabilityChanged(boolean writable) {
        leg.readResponse(writable);
    }

    @Override
    public void backendWritabilityChanged(boolean writable) {
        if (writable && !requestRead) {
            ctx.read();
        }
    }

    @Override
    public void backendMessage(Object message) {
        if (ended || client.done()) {
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
        if (code >= 200) {
            startResponse(response, code);
            return true;
        }
        client.interim();
        if (response instanceof HttpContent) {
            return true; // its (empty) content ends the interim response below
        }
        ReferenceCountUtil.release(response);
        return false;
    }

    private void startResponse(HttpResponse response, int code) {
        shared.pipeline.responded((Admitted) admission, code);
        tally.responding(code);
        backendKeepAlive = ProxyHeaders.keepAlive(response);
        shared.headers.toClientInPlace(response.headers(), admission.backend());
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        closeAfter |= shared.isClosing();
        ProxyHeaders.frameResponse(response.headers(), code, request.method(), closeAfter);
        client.head(response);
    }

    private void responseContent(HttpContent content) {
        if (client.state() == ClientLeg.State.INTERIM) {
            client.interimContent(content);
            return;
        }
        if (content.decoderResult().isFailure()) {
            Throwable cause = content.decoderResult().cause();
            content.release();
            backendBroken(cause);
            return;
        }
        tally.responseBytes += content.content().readableBytes();
        if (!(content instanceof LastHttpContent last)) {
            if (!client.body(content)) {
                leg.readResponse(false);
            }
            return;
        }
        BackendConnection backend = leg.connection();
        if (backend.failure() != null) {
            // The end Netty reports when the backend's connection broke: a cut body, not a whole one.
            content.release();
            backendFailed(backend.failure());
            return;
        }
        ProxyHeaders.dropTrailers(last);
        backend.disarm();
        client.end(last);
        if (leg.state() != State.SENT) {
            // Answered before the request's end: the connection's framing is unknown, so it goes.
            leg.detach(false);
            ctx.read(); // the rest of the request body, to discard
        }
        endIfDone();
    }

    @Override
    public void backendReadComplete() {
        client.flush();
    }

    /** A malformed response: the connection is closed; the exchange fails like on an early close. */
    private void backendBroken(Throwable cause) {
        retried = true; // a malformed answer is no closed idle connection: never sent again
        BackendConnection broken = leg.connection();
        broken.listen(null);
        broken.channel().close();
        backendFailed(new IOException(
                "sent a malformed response: " + (cause == null ? "unparseable" : cause.getMessage()), cause));
    }

    @Override
    public void backendFailed(Throwable error) {
        BackendConnection failed = leg.broken();
        if (ended || client.done()) {
            return;
        }
        if (mayRetry(failed, error)) {
            retried = true;
            leg.retry(pool(), ctx.channel(), this, requestRead);
            return;
        }
        Refusal answer = failed(error);
        if (client.state() == ClientLeg.State.STREAMING) {
            abort(); // too late for an error response
        } else {
            respondWith(answer);
        }
    }

    /** Only a body-less idempotent request whose kept-alive connection had just been closed, and only once. */
    private boolean mayRetry(BackendConnection failed, Throwable error) {
        return client.state() == ClientLeg.State.AWAITING
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
        if (admission instanceof Admitted admitted) {
            tally.refusal = shared.pipeline.failed(admitted, error);
        } else if (admission instanceof Held held) {
            tally.refusal = shared.pipeline.failed(held, error);
        } else {
            tally.refusal = ((Refused) admission).refusal();
        }
        return tally.refusal;
    }

    /** Ferry's own answer, instead of a response that has not started. */
    private void respondWith(Refusal answer) {
        tally.refusal = answer;
        tally.responding(answer.failure().status().code());
        leg.releasePending();
        leg.detach(false);
        var response = shared.errors.response(ctx.alloc(), answer);
        closeAfter |= shared.isClosing();
        if (closeAfter) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        client.answer(response);
        if (!requestRead) {
            if (leaveBodyUnread) {
                // Not read to its end: the connection closes after the answer, dropping whatever else comes
                requestRead = true;
            } else {
                ctx.read(); // the rest of the request, to discard
            }
        }
        endIfDone();
    }

    /** A response cut short: the connection closes so that it never looks complete. */
    private void abort() {
        ended = true;
        leg.releasePending();
        ctx.close();
        finish();
    }

    /** Ends the exchange once both the response and the request are complete. */
    private void endIfDone() {
        if (ended || !requestRead || !client.done()) {
            return;
        }
        ended = true;
        leg.detach(backendKeepAlive && leg.state() == State.SENT);
        finish();
        connection.ended(this, client.lastWrite());
    }

    /** The client went away: the backend connection cannot be reused, and nothing counts against the backend. */
    void clientClosed() {
        if (ended) {
            return;
        }
        ended = true;
        tally.clientClosed = true;
        if (admission instanceof Admitted) {
            leg.cancel(pool(), ctx.channel(), this);
        }
        leg.detach(false);
        leg.releasePending();
        finish();
    }

    private void finish() {
        if (deadline != null) {
            deadline.cancel(false);
        }
        shared.pipeline.finish(tally.outcome(admission));
    }
}
