package dev.ferry.router.forwarding;

import dev.ferry.router.ClientAbortException;
import dev.ferry.router.Exchange;
import dev.ferry.router.ProxyException;
import dev.ferry.router.ProxyFailure;
import dev.ferry.router.resilience.BackendBreakers;
import dev.ferry.router.resilience.BreakerCall;
import dev.ferry.router.routing.Backend;
import dev.ferry.router.routing.RoutingDecision;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * Streams a request to its backend and the response back, without aggregating either body: buffers flow through as
 * they arrive, with backpressure both ways. The breaker's verdict is taken when the response status arrives, so the
 * time a large body takes to stream is not held against the backend.
 */
public final class Forwarder {
    private final BackendClients clients;
    private final BackendBreakers breakers;
    private final ProxyHeaders headers;

    public Forwarder(BackendClients clients, BackendBreakers breakers, ProxyHeaders headers) {
        this.clients = clients;
        this.breakers = breakers;
        this.headers = headers;
    }

    /**
     * @param uri the request target to send (stripped of a tenant path prefix where configured)
     */
    public Mono<Void> forward(
            RoutingDecision decision, String uri, HttpServerRequest in, HttpServerResponse out, Exchange exchange) {
        return Mono.defer(() -> {
            Backend backend = decision.backend();
            exchange.backend(backend);
            boolean webSocket = ProxyHeaders.isWebSocketUpgrade(in.requestHeaders());
            if (webSocket && !validWebSocketUpgrade(in.requestHeaders())) {
                return Mono.error(new ProxyException(
                        ProxyFailure.REQUEST_INVALID,
                        "the WebSocket upgrade lacks"
                                + " Sec-WebSocket-Key or Sec-WebSocket-Version: 13 (expected: an RFC 6455 handshake)"));
            }
            CircuitBreaker breaker = breakers.of(backend);
            if (!BackendBreakers.tryAcquire(breaker)) {
                return Mono.error(breakers.openError(backend));
            }
            // From here on the permission is settled exactly once, whatever happens: answered, failed, or released.
            BreakerCall call = new BreakerCall(breaker, breakers.failurePolicy());
            BackendClients.Target target = clients.target(backend);
            String client = ProxyHeaders.clientAddress(in.remoteAddress());
            Mono<Void> exchangeMono = webSocket
                    ? webSocket(decision, uri, in, out, target, client, call)
                    : http(decision, uri, in, out, target, client, call, exchange);
            return exchangeMono.doOnError(call::failed).doFinally(signal -> call.release());
        });
    }

    private Mono<Void> http(
            RoutingDecision decision,
            String uri,
            HttpServerRequest in,
            HttpServerResponse out,
            BackendClients.Target target,
            String client,
            BreakerCall call,
            Exchange exchange) {
        boolean hasBody = ProxyHeaders.hasBody(in.requestHeaders(), in.method(), in.version());
        return target.client()
                .request(in.method())
                .uri(uri)
                .send((request, outbound) -> {
                    headers.toBackend(
                            in.requestHeaders(),
                            request.requestHeaders(),
                            decision.tenant(),
                            client,
                            target.authority(),
                            protocol(in));
                    if (!hasBody) {
                        return outbound;
                    }
                    if (!request.requestHeaders().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                        // The client's own framing is hop-by-hop and was dropped: frame the stream anew.
                        request.requestHeaders().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                    }
                    return outbound.send(in.receive().retain().onErrorMap(ClientAbortException::new));
                })
                .response((response, body) -> {
                    int status = response.status().code();
                    call.answered(status);
                    exchange.status(status);
                    out.status(response.status());
                    headers.toClient(response.responseHeaders(), out.responseHeaders(), decision.backend());
                    return out.send(body.retain());
                })
                .then();
    }

    /**
     * A WebSocket: the client's upgrade is accepted, then the backend's socket opened and frames relayed both ways.
     * Its frames stay on the backend chosen at upgrade time for the connection's life, whatever the flag says later.
     * A backend that cannot be reached closes the client's socket with 1011.
     */
    private Mono<Void> webSocket(
            RoutingDecision decision,
            String uri,
            HttpServerRequest in,
            HttpServerResponse out,
            BackendClients.Target target,
            String client,
            BreakerCall call) {
        String protocols = in.requestHeaders().get("Sec-WebSocket-Protocol");
        WebsocketClientSpec.Builder clientSpec = WebsocketClientSpec.builder().handlePing(false);
        WebsocketServerSpec.Builder serverSpec = WebsocketServerSpec.builder().handlePing(false);
        if (protocols != null) {
            clientSpec.protocols(protocols);
            serverSpec.protocols(protocols);
        }
        HttpHeaders forwarded = new io.netty.handler.codec.http.DefaultHttpHeaders();
        headers.toBackend(in.requestHeaders(), forwarded, decision.tenant(), client, target.authority());
        for (String handshake : new String[] {
            "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol"
        }) {
            forwarded.remove(handshake);
        }
        return out.sendWebsocket(
                        (clientIn, clientOut) -> target.client()
                                .headers(h -> h.set(forwarded))
                                .websocket(clientSpec.build())
                                .uri(uri)
                                .handle((backendIn, backendOut) -> {
                                    call.answered(101);
                                    return relay(clientIn, clientOut, backendIn, backendOut);
                                })
                                .then()
                                .onErrorResume(error -> {
                                    call.failed(error);
                                    return clientOut.sendClose(1011, "backend unavailable");
                                }),
                        serverSpec.build())
                .then();
    }

    private static Mono<Void> relay(
            WebsocketInbound clientIn,
            WebsocketOutbound clientOut,
            WebsocketInbound backendIn,
            WebsocketOutbound backendOut) {
        Mono<Void> up = backendOut
                .sendObject(clientIn.receiveFrames().filter(Forwarder::isData).doOnNext(WebSocketFrame::retain))
                .then()
                .then(clientIn.receiveCloseStatus()
                        .flatMap(s -> backendOut.sendClose(s.code(), s.reasonText()))
                        .onErrorResume(e -> Mono.empty()));
        Mono<Void> down = clientOut
                .sendObject(backendIn.receiveFrames().filter(Forwarder::isData).doOnNext(WebSocketFrame::retain))
                .then()
                .then(backendIn
                        .receiveCloseStatus()
                        .flatMap(s -> clientOut.sendClose(s.code(), s.reasonText()))
                        .onErrorResume(e -> Mono.empty()));
        return Mono.when(up, down);
    }

    private static boolean isData(WebSocketFrame frame) {
        return !(frame instanceof CloseWebSocketFrame
                || frame instanceof PingWebSocketFrame
                || frame instanceof PongWebSocketFrame);
    }

    private static boolean validWebSocketUpgrade(HttpHeaders headers) {
        return headers.contains("Sec-WebSocket-Key") && "13".equals(headers.get("Sec-WebSocket-Version"));
    }

    private static String protocol(HttpServerRequest in) {
        return in.version().majorVersion() == 2
                ? "2"
                : in.version().majorVersion() + "." + in.version().minorVersion();
    }
}
