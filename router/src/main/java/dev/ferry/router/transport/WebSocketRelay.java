package dev.ferry.router.transport;

import dev.ferry.router.forwarding.BackendClients;
import dev.ferry.router.forwarding.ProxyHeaders;
import dev.ferry.router.pipeline.Admission.Admitted;
import dev.ferry.router.pipeline.Pipeline;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.List;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * A WebSocket on the Reactor Netty transport: the client's upgrade is accepted, then the backend's socket opened and
 * frames relayed both ways. Its frames stay on the backend chosen at upgrade time for the connection's life, whatever
 * the flag says later. A backend that cannot be reached closes the client's socket with 1011.
 */
final class WebSocketRelay {
    /** Handshake headers each side negotiates for itself. */
    private static final List<String> HANDSHAKE =
            List.of("Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol");

    private final Pipeline pipeline;
    private final ProxyHeaders headers;

    WebSocketRelay(Pipeline pipeline, ProxyHeaders headers) {
        this.pipeline = pipeline;
        this.headers = headers;
    }

    Mono<Void> relay(Admitted admitted, BackendClients.Target target, HttpServerRequest in, HttpServerResponse out) {
        String protocols = in.requestHeaders().get("Sec-WebSocket-Protocol");
        WebsocketClientSpec.Builder clientSpec = WebsocketClientSpec.builder().handlePing(false);
        WebsocketServerSpec.Builder serverSpec = WebsocketServerSpec.builder().handlePing(false);
        if (protocols != null) {
            clientSpec.protocols(protocols);
            serverSpec.protocols(protocols);
        }
        HttpHeaders forwarded = new DefaultHttpHeaders();
        headers.toBackend(
                in.requestHeaders(),
                forwarded,
                admitted.tenant(),
                ProxyHeaders.clientAddress(in.remoteAddress()),
                target.authority(),
                "1.1",
                admitted.traceParent());
        HANDSHAKE.forEach(forwarded::remove);
        return out.sendWebsocket(
                        (clientIn, clientOut) -> target.client()
                                .headers(h -> h.set(forwarded))
                                .websocket(clientSpec.build())
                                .uri(admitted.uri())
                                .handle((backendIn, backendOut) -> {
                                    pipeline.responded(admitted, 101);
                                    return frames(clientIn, clientOut, backendIn, backendOut);
                                })
                                .then()
                                .onErrorResume(error -> {
                                    pipeline.failed(admitted, error);
                                    return clientOut.sendClose(1011, "backend unavailable");
                                }),
                        serverSpec.build())
                .then();
    }

    private static Mono<Void> frames(
            WebsocketInbound clientIn,
            WebsocketOutbound clientOut,
            WebsocketInbound backendIn,
            WebsocketOutbound backendOut) {
        Mono<Void> up = backendOut
                .sendObject(
                        clientIn.receiveFrames().filter(WebSocketRelay::isData).doOnNext(WebSocketFrame::retain))
                .then()
                .then(clientIn.receiveCloseStatus()
                        .flatMap(s -> backendOut.sendClose(s.code(), s.reasonText()))
                        .onErrorResume(e -> Mono.empty()));
        Mono<Void> down = clientOut
                .sendObject(
                        backendIn.receiveFrames().filter(WebSocketRelay::isData).doOnNext(WebSocketFrame::retain))
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
}
