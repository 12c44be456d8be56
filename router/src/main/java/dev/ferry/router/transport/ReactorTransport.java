package dev.ferry.router.transport;

import dev.ferry.router.exchange.ClientAbortException;
import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.forwarding.BackendClients;
import dev.ferry.router.forwarding.ProxyHeaders;
import dev.ferry.router.pipeline.Admission;
import dev.ferry.router.pipeline.Admission.Admitted;
import dev.ferry.router.pipeline.Admission.Held;
import dev.ferry.router.pipeline.Admission.Refused;
import dev.ferry.router.pipeline.ErrorResponses;
import dev.ferry.router.pipeline.Outcome;
import dev.ferry.router.pipeline.Pipeline;
import dev.ferry.router.pipeline.Refusal;
import dev.ferry.router.pipeline.RequestHead;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.ByteBufFlux;
import reactor.netty.NettyOutbound;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The Reactor Netty transport: h2c, WebSocket, {@code Expect}, HTTP/1.0, HTTPS backends, and everything when the fast
 * path is off. It runs the {@link Pipeline}'s steps and streams bodies both ways without aggregating either, with
 * backpressure; it decides no policy of its own.
 */
public final class ReactorTransport {
    private final Pipeline pipeline;
    private final BackendClients clients;
    private final ProxyHeaders headers;
    private final ErrorResponses errors;
    private final WebSocketRelay webSockets;

    public ReactorTransport(Pipeline pipeline, BackendClients clients, ProxyHeaders headers, ErrorResponses errors) {
        this.pipeline = pipeline;
        this.clients = clients;
        this.headers = headers;
        this.errors = errors;
        this.webSockets = new WebSocketRelay(pipeline, headers);
    }

    public Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        RequestHead head = new RequestHead(
                Transport.REACTOR,
                request.version(),
                request.method(),
                request.uri(),
                request.requestHeaders(),
                System.nanoTime(),
                request.remoteAddress());
        return serve(pipeline.admit(head), request, response);
    }

    private Publisher<Void> serve(Admission admission, HttpServerRequest request, HttpServerResponse response) {
        if (admission instanceof Held held) {
            return held(held, request, response);
        }
        if (admission instanceof Refused refused) {
            return Mono.from(answer(response, refused.refusal()))
                    .doFinally(signal -> pipeline.finish(Outcome.refused(refused, signal == SignalType.CANCEL)));
        }
        Admitted admitted = (Admitted) admission;
        ExchangeTally tally = new ExchangeTally();
        // Deferred: an error while the exchange is built becomes an answer, and the permit is settled at the end.
        Mono<Void> exchange = Mono.defer(() -> ProxyHeaders.isWebSocketUpgrade(request.requestHeaders())
                ? webSockets.relay(admitted, clients.target(admitted.backend()), request, response)
                : http(admitted, request, response, tally));
        if (admitted.hasDeadline()) {
            // A moving tenant's request to the backend it leaves: cut at its deadline, so that nothing of the tenant
            // is in flight there when new opens.
            long left = Math.max(0, admitted.deadlineNanos() - System.nanoTime());
            exchange = exchange.timeout(
                    Duration.ofNanos(left),
                    Mono.error(() -> new ProxyException(
                            ProxyFailure.CUTOVER_DEADLINE,
                            "the tenant moves to another backend and this request to the one it leaves did not end"
                                    + " within cutover.legacy-deadline")),
                    // on the request's own event loop, never beside it while its response is being written
                    onEventLoop(request));
        }
        return exchange.onErrorResume(error -> fail(admitted, response, tally, error))
                .doFinally(signal -> pipeline.finish(outcome(admitted, tally, response, signal)));
    }

    /**
     * A held request: its body is not read (nothing subscribes to it) until the hold ends; then the pipeline says what
     * now. A client that goes away while held ends the exchange there.
     */
    private Publisher<Void> held(Held held, HttpServerRequest request, HttpServerResponse response) {
        AtomicBoolean settled = new AtomicBoolean();
        return Mono.fromFuture(held.hold().done(), true)
                .publishOn(onEventLoop(request)) // on with the request's event loop, not the holds' timer
                .then(Mono.defer(() -> settled.compareAndSet(false, true)
                        ? Mono.from(serve(pipeline.resume(held), request, response))
                        : Mono.<Void>empty()))
                .doOnCancel(() -> {
                    if (settled.compareAndSet(false, true)) {
                        pipeline.finish(Outcome.abandoned(held));
                    }
                });
    }

    /**
     * The event loop of the request's connection (of its stream's parent, over HTTP/2), as a scheduler that can also
     * wait (a timeout). Never disposed: the loop belongs to the server.
     */
    private static Scheduler onEventLoop(HttpServerRequest request) {
        ScheduledExecutorService[] loop = {null};
        request.withConnection(connection -> loop[0] = connection.channel().eventLoop());
        return loop[0] == null ? Schedulers.parallel() : Schedulers.fromExecutorService(loop[0]);
    }

    private Mono<Void> http(Admitted admitted, HttpServerRequest in, HttpServerResponse out, ExchangeTally tally) {
        BackendClients.Target target = clients.target(admitted.backend());
        boolean hasBody = ProxyHeaders.hasBody(in.requestHeaders(), in.method(), in.version());
        BackendRequestClaim claim = new BackendRequestClaim();
        return target.client()
                .request(in.method())
                .uri(admitted.uri())
                .send((request, outbound) -> {
                    if (!claim.send(outbound)) {
                        return Mono.empty(); // the exchange ended before its connection was ready
                    }
                    headers.toBackend(
                            in.requestHeaders(),
                            request.requestHeaders(),
                            admitted.tenant(),
                            ProxyHeaders.clientAddress(in.remoteAddress()),
                            target.authority(),
                            admitted.head().protocol(),
                            admitted.traceParent());
                    if (!hasBody) {
                        return outbound;
                    }
                    ProxyHeaders.frameBody(request.requestHeaders(), true);
                    long max = pipeline.maxRequestBody();
                    return outbound.send(in.receive()
                            .retain()
                            .onErrorMap(ClientAbortException::new)
                            .handle((b, sink) -> {
                                tally.requestBytes += b.readableBytes();
                                if (tally.requestBytes > max) {
                                    // Cut off: the connection to the backend closes mid-body, never complete
                                    b.release();
                                    sink.error(pipeline.bodyTooLarge("more than that streamed"));
                                } else {
                                    try {
                                        Pipeline.requestBody(admitted, b);
                                    } finally {
                                        sink.next(b);
                                    }
                                }
                            }));
                })
                .response((response, body) -> {
                    claim.responseTaken();
                    int status = response.status().code();
                    pipeline.responded(admitted, status);
                    tally.responding(status);
                    out.status(response.status());
                    closeIfStopping(out);
                    headers.toClient(response.responseHeaders(), out.responseHeaders(), admitted.backend());
                    return relay(out, body, b -> tally.responseBytes += b.readableBytes());
                })
                .then()
                .doFinally(signal -> claim.ended());
    }

    /**
     * Sends {@code body}, received on one connection, out on another. Reactor Netty refuses a send on a connection
     * already closed without ever subscribing to what it was given, and then nothing drains what the other
     * connection has received and queued: those buffers would never be released. So when the send fails before it
     * took the body, the body is drained here (each buffer released as it is delivered).
     */
    private static Mono<Void> relay(NettyOutbound out, ByteBufFlux body, java.util.function.Consumer<ByteBuf> seen) {
        AtomicBoolean taken = new AtomicBoolean();
        return Mono.from(out.send(
                        body.retain().doOnSubscribe(s -> taken.set(true)).doOnNext(seen)))
                .onErrorResume(e -> taken.get() ? Mono.error(e) : body.then().then(Mono.error(e)));
    }

    /** Whether the client is still there to answer: its HTTP/1.1 connection or HTTP/2 stream is open. */
    private static boolean clientConnected(HttpServerResponse response) {
        boolean[] active = {false};
        response.withConnection(connection -> active[0] = connection.channel().isActive());
        return active[0];
    }

    private Mono<Void> fail(Admitted admitted, HttpServerResponse response, ExchangeTally tally, Throwable error) {
        if (Pipeline.isClientAbort(error)) {
            tally.clientClosed = true;
            return Mono.empty();
        }
        boolean gone = !clientConnected(response);
        if (gone && ProxyFailure.of(error) == ProxyFailure.INTERNAL) {
            // Reactor Netty could not write to a client that left (its stream reset, its connection closed): no
            // one's fault, nothing to answer.
            tally.clientClosed = true;
            return Mono.empty();
        }
        // Named, and settled with the backend's breaker when it is the backend's fault, even if the client left too.
        Refusal refusal = pipeline.failed(admitted, error);
        tally.refusal = refusal;
        if (gone) {
            tally.clientClosed = true;
            return Mono.empty();
        }
        if (response.hasSentHeaders()) {
            // Too late for an error response: close the connection so that a cut body never looks complete.
            response.withConnection(connection -> connection.channel().close());
            return Mono.empty();
        }
        tally.responding(refusal.failure().status().code());
        return Mono.from(answer(response, refusal));
    }

    private Publisher<Void> answer(HttpServerResponse response, Refusal refusal) {
        response.status(refusal.failure().status());
        response.responseHeaders().clear();
        errors.headers(response.responseHeaders(), refusal.failure());
        closeIfStopping(response);
        return response.sendByteArray(Mono.just(ErrorResponses.body(refusal)));
    }

    /** While the router shuts down, an HTTP/1.x connection closes after its response (HTTP/2 ignores it). */
    private void closeIfStopping(HttpServerResponse response) {
        if (pipeline.isClosing()) {
            response.keepAlive(false);
        }
    }

    private static Outcome outcome(
            Admitted admitted, ExchangeTally tally, HttpServerResponse response, SignalType signal) {
        if (tally.status == 0 && response.hasSentHeaders()) {
            tally.responding(response.status().code());
        }
        tally.clientClosed |= signal == SignalType.CANCEL;
        return tally.outcome(admitted);
    }
}
