package dev.ferry.router.demo;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The soak's two backends (loadtest/soak.sh): "legacy" and "new" on loopback, in one process, each answering a few
 * paths the way a real backend misbehaves, so that a long run exercises Ferry's error paths as well as its happy
 * one:
 *
 * <pre>
 *   /items        GET: a 4 KiB body; POST: reads the whole body, answers how many bytes it got
 *   /slow         a body of 40 x 1 KiB, one every 50 ms (2 s): for clients that go away mid-response
 *   /cut          a head announcing 64 KiB, 8 KiB of it, then a reset (RST): a response cut mid-body
 * </pre>
 *
 * The new backend also has an outage for {@code outage} of every {@code period}: in its first half every request
 * gets 503, in its second half the connection is reset before any answer. Its breaker in Ferry opens, lets trial
 * calls through, opens again, and closes once the outage ends. Usage: {@code java -cp ferry-router.jar
 * dev.ferry.router.demo.SoakBackends LEGACY_PORT NEW_PORT [PERIOD_SECONDS OUTAGE_SECONDS]} (default 60 and 12).
 */
public final class SoakBackends implements AutoCloseable {
    private static final int KIB = 1024;
    private static final ByteBuf KIB_OF_TEXT = Unpooled.unreleasableBuffer(Unpooled.directBuffer(KIB)
            .writeBytes("x".repeat(KIB - 1).concat("\n").getBytes(StandardCharsets.US_ASCII)));

    private final long periodNanos;
    private final long outageNanos;
    private final long startNanos = System.nanoTime();
    private final DisposableServer legacy;
    private final DisposableServer newBackend;

    private SoakBackends(int legacyPort, int newPort, Duration period, Duration outage) {
        this.periodNanos = period.toNanos();
        this.outageNanos = outage.toNanos();
        this.legacy = server("legacy", legacyPort, false);
        this.newBackend = server("new", newPort, true);
    }

    public static SoakBackends start(int legacyPort, int newPort, Duration period, Duration outage) {
        if (outage.compareTo(period) >= 0) {
            throw new IllegalArgumentException(
                    "outage: " + outage + " (expected: shorter than the period, " + period + ")");
        }
        return new SoakBackends(legacyPort, newPort, period, outage);
    }

    private DisposableServer server(String name, int port, boolean hasOutages) {
        return HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .handle((req, res) -> {
                    res.header("X-Served-By", name);
                    long inOutage = hasOutages ? outageElapsed() : -1;
                    if (inOutage >= 0) {
                        return inOutage < outageNanos / 2 ? unavailable(req, res) : resetBeforeAnswer(req, res);
                    }
                    return switch (req.fullPath()) {
                        case "/slow" -> slow(req, res);
                        case "/cut" -> cutMidBody(req, res);
                        default -> items(req, res);
                    };
                })
                .bindNow();
    }

    /** Nanoseconds into the current outage, or -1 outside one. The outage closes each period. */
    private long outageElapsed() {
        long inPeriod = (System.nanoTime() - startNanos) % periodNanos;
        long outageStart = periodNanos - outageNanos;
        return inPeriod >= outageStart ? inPeriod - outageStart : -1;
    }

    private static Mono<Long> drain(HttpServerRequest req) {
        return req.receive().map(ByteBuf::readableBytes).reduce(0L, (sum, n) -> sum + n);
    }

    private static Publisher<Void> items(HttpServerRequest req, HttpServerResponse res) {
        return drain(req).flatMap(bytes -> {
            if (req.method().name().equals("POST")) {
                return res.sendString(Mono.just("{\"received\":" + bytes + "}\n"))
                        .then();
            }
            return res.header(HttpHeaderNames.CONTENT_LENGTH, String.valueOf(4 * KIB))
                    .send(Flux.range(0, 4).map(i -> KIB_OF_TEXT.duplicate()))
                    .then();
        });
    }

    private static Publisher<Void> slow(HttpServerRequest req, HttpServerResponse res) {
        return drain(req)
                .then(res.send(Flux.interval(Duration.ofMillis(50)).take(40).map(i -> KIB_OF_TEXT.duplicate()))
                        .then());
    }

    private static Publisher<Void> cutMidBody(HttpServerRequest req, HttpServerResponse res) {
        return drain(req)
                .then(res.header(HttpHeaderNames.CONTENT_LENGTH, String.valueOf(64 * KIB))
                        .sendObject(Flux.range(0, 8).map(i -> KIB_OF_TEXT.duplicate()))
                        .then()
                        .then(Mono.fromRunnable(() -> reset(res))));
    }

    private static Publisher<Void> unavailable(HttpServerRequest req, HttpServerResponse res) {
        return drain(req)
                .then(res.status(HttpResponseStatus.SERVICE_UNAVAILABLE)
                        .sendString(Mono.just("outage\n"))
                        .then());
    }

    private static Publisher<Void> resetBeforeAnswer(HttpServerRequest req, HttpServerResponse res) {
        return drain(req).then(Mono.fromRunnable(() -> reset(res)));
    }

    /** Closes with an RST (SO_LINGER 0), not a FIN. */
    private static void reset(HttpServerResponse res) {
        res.withConnection(connection -> {
            connection.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            connection.channel().close();
        });
    }

    @Override
    public void close() {
        legacy.disposeNow();
        newBackend.disposeNow();
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2 && args.length != 4) {
            System.err.println("usage: SoakBackends LEGACY_PORT NEW_PORT [PERIOD_SECONDS OUTAGE_SECONDS]");
            System.exit(2);
        }
        Duration period = Duration.ofSeconds(args.length == 4 ? Long.parseLong(args[2]) : 60);
        Duration outage = Duration.ofSeconds(args.length == 4 ? Long.parseLong(args[3]) : 12);
        SoakBackends backends = start(Integer.parseInt(args[0]), Integer.parseInt(args[1]), period, outage);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            backends.close();
                            stopped.countDown();
                        },
                        "soak-backends-stop"));
        System.out.println("Soak backends: legacy on 127.0.0.1:" + args[0] + ", new on 127.0.0.1:" + args[1]
                + ", new down for " + outage.toSeconds() + " s of every " + period.toSeconds() + " s");
        stopped.await();
    }
}
