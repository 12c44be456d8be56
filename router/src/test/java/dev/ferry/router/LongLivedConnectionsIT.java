package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.exchange.Transport;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.testing.StreamingBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;

/**
 * WebSockets (Reactor Netty's) and clients that go away (on both transports), in front of real Reactor Netty backends,
 * flags from a local file.
 */
class LongLivedConnectionsIT {
    static StreamingBackend legacy;
    static StreamingBackend newBackend;
    static FlagsFile flags;
    static RunningRouter router;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        legacy = new StreamingBackend("legacy");
        newBackend = new StreamingBackend("new");
        flags = new FlagsFile(dir).tenantsOnNew("globex");
        Map<String, String> config = new HashMap<>(flags.config());
        config.put("backends.legacy.url", legacy.url());
        config.put("backends.new.url", newBackend.url());
        router = RunningRouter.startReady(config);
    }

    @BeforeEach
    void countExchanges() {
        router.countExchangesFromHere();
    }

    @AfterAll
    static void stop() {
        router.close();
        legacy.close();
        newBackend.close();
    }

    @Test
    void keepsAWebSocketOnTheBackendChosenAtUpgradeEvenAfterTheTenantMoves() throws Exception {
        Sinks.Many<String> outgoing = Sinks.many().unicast().onBackpressureBuffer();
        BlockingQueue<String> incoming = new LinkedBlockingQueue<>();
        Disposable socket = HttpClient.create()
                .headers(h -> h.set("X-Tenant-Id", "wayne"))
                .websocket()
                .uri("ws://127.0.0.1:" + router.router().port() + "/ws")
                .handle((in, out) -> out.sendString(outgoing.asFlux())
                        .then()
                        .and(in.receive().asString().doOnNext(incoming::add)))
                .subscribe(ignored -> {}, error -> incoming.add("error: " + error));
        try {
            outgoing.tryEmitNext("before");
            assertThat(incoming.poll(10, TimeUnit.SECONDS)).isEqualTo("legacy:before");

            flags.tenantsOnNew("globex", "wayne");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                            router.admin("/routing/tenants/wayne").body())
                    .contains("\"backend\":\"new\""));
            outgoing.tryEmitNext("after");

            assertThat(incoming.poll(10, TimeUnit.SECONDS)).isEqualTo("legacy:after");
        } finally {
            socket.dispose();
        }
        String fresh = HttpClient.create()
                .headers(h -> h.set("X-Tenant-Id", "wayne"))
                .websocket()
                .uri("ws://127.0.0.1:" + router.router().port() + "/ws")
                .handle((in, out) -> out.sendString(reactor.core.publisher.Mono.just("again"))
                        .then()
                        .thenMany(in.receive().asString().take(1)))
                .blockFirst(Duration.ofSeconds(10));
        assertThat(fresh).isEqualTo("new:again");
        router.assertServedBy(Transport.REACTOR, 2);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void cancelsTheBackendRequestWhenTheClientDisconnects(ClientProtocol protocol) {
        double closedBefore = clientClosed();
        int startedBefore = legacy.requestsStarted();
        // Over HTTP/1.1 giving up closes the connection; over HTTP/2 it resets the stream.
        Disposable request = router.client(protocol)
                .headers(h -> h.set("X-Tenant-Id", "acme"))
                .get()
                .uri("/hang")
                .response()
                .subscribe();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> legacy.requestsStarted() > startedBefore);
            assertThat(legacy.openConnections()).isPositive();
        } finally {
            request.dispose();
        }

        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(legacy.openConnections()).isZero());
        await().atMost(Duration.ofSeconds(5)).until(() -> clientClosed() > closedBefore);
        router.assertServedBy(protocol);
    }

    /** Requests recorded as client_closed so far, summed over their series. */
    private static double clientClosed() {
        return router.metrics()
                .lines()
                .filter(line ->
                        line.startsWith("ferry_requests_seconds_count{") && line.contains("outcome=\"client_closed\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
