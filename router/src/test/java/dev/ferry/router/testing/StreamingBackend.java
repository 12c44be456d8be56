package dev.ferry.router.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A real Reactor Netty backend on loopback for what WireMock cannot do: bodies of any size, streamed without being
 * held, WebSockets, requests that hang, and counting open connections.
 *
 * <ul>
 *   <li>{@code POST /upload}: counts the body's bytes as they stream in and answers the count; counts the uploads
 *       received complete.
 *   <li>{@code GET /download?bytes=N}: streams N bytes, 64 KiB at a time, chunked.
 *   <li>{@code GET /slow?ms=N}: answers "done" after N ms (1500 without {@code ms}).
 *   <li>{@code GET /hang}: never answers.
 *   <li>{@code /ws}: a WebSocket that answers each text frame with {@code <name>:<text>}.
 * </ul>
 */
public final class StreamingBackend implements AutoCloseable {
    private static final byte[] CHUNK = new byte[64 * 1024];

    private final String name;
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger requestsStarted = new AtomicInteger();
    private final AtomicInteger uploadsCompleted = new AtomicInteger();
    private final DisposableServer server;

    public StreamingBackend(String name) {
        this.name = name;
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .doOnConnection(c -> {
                    openConnections.incrementAndGet();
                    c.onDispose(openConnections::decrementAndGet);
                })
                .route(r -> r.post("/upload", (req, res) -> {
                            requestsStarted.incrementAndGet();
                            return res.sendString(req.receive()
                                    .map(ByteBuf::readableBytes)
                                    .reduce(0L, (sum, n) -> sum + n)
                                    .doOnNext(sum -> uploadsCompleted.incrementAndGet())
                                    .map(String::valueOf));
                        })
                        .post("/refuse", (req, res) -> {
                            // Answers at once, without reading the body (as a backend refusing an upload does).
                            requestsStarted.incrementAndGet();
                            return res.status(413).sendString(Mono.just("too large"));
                        })
                        .get("/download", (req, res) -> {
                            requestsStarted.incrementAndGet();
                            long bytes = Long.parseLong(new io.netty.handler.codec.http.QueryStringDecoder(req.uri())
                                    .parameters()
                                    .get("bytes")
                                    .get(0));
                            long chunks = bytes / CHUNK.length;
                            return res.send(Flux.range(0, (int) chunks).map(i -> Unpooled.wrappedBuffer(CHUNK)));
                        })
                        .get("/slow", (req, res) -> {
                            requestsStarted.incrementAndGet();
                            long ms = Long.parseLong(new io.netty.handler.codec.http.QueryStringDecoder(req.uri())
                                    .parameters()
                                    .getOrDefault("ms", java.util.List.of("1500"))
                                    .get(0));
                            return Mono.delay(Duration.ofMillis(ms))
                                    .then(res.sendString(Mono.just("done")).then());
                        })
                        .get("/hang", (req, res) -> {
                            requestsStarted.incrementAndGet();
                            return Mono.never();
                        })
                        .ws(
                                "/ws",
                                (in, out) -> out.sendObject(in.receive()
                                        .asString()
                                        .map(text -> new TextWebSocketFrame(name + ":" + text)))))
                .bindNow();
    }

    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    /** TCP connections open to this backend right now. */
    public int openConnections() {
        return openConnections.get();
    }

    public int requestsStarted() {
        return requestsStarted.get();
    }

    /** Uploads whose body arrived whole. */
    public int uploadsCompleted() {
        return uploadsCompleted.get();
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
