package dev.ferry.router;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.http.Fault;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.RawHttp;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.testing.UnleashStub;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.netty.resources.LoopResources;

/**
 * What reaches a backend and what comes back: headers, bodies, timeouts, errors and breakers. Each test asserts which
 * transport served it: most run with an HTTP/1.1 client (the fast path) and an h2c client (Reactor Netty); raw HTTP/1.1
 * on a socket is the fast path's, WebSocket, {@code Expect} and h2c upgrades are Reactor Netty's.
 */
class ForwardingIT {
    static Backends backends;
    static UnleashStub unleash;
    /** A breaker that needs many calls to open: the failures of one test do not open it for the next. */
    static RunningRouter router;
    /** A breaker that opens after 4 calls, half failed, and tries again after 1 s: for the breaker's own tests. */
    static RunningRouter strict;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        backends = new Backends();
        unleash = new UnleashStub().tenantsOnNew("globex");
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(unleash.config(dir));
        config.put("timeouts.response", "500ms");
        router = RunningRouter.startReady(config);
        config.putAll(unleash.config(dir.resolve("strict")));
        config.put("breaker.minimum-calls", "4");
        config.put("breaker.sliding-window-size", "4");
        config.put("breaker.wait-in-open", "1s");
        config.put("breaker.half-open-calls", "1");
        strict = RunningRouter.startReady(config);
    }

    @BeforeEach
    void resetBackendsAndCounts() {
        backends.reset();
        router.countExchangesFromHere();
        strict.countExchangesFromHere();
    }

    @AfterAll
    static void stop() {
        router.close();
        strict.close();
        unleash.close();
        backends.close();
    }

    @Test
    void dropsHopByHopAndSpoofedHeadersAndSetsForwardingHeaders() throws Exception {
        String response = RawHttp.exchange(
                router.router().port(),
                """
                GET /orders?id=7 HTTP/1.1\r
                Host: 127.0.0.1:%d\r
                X-Tenant-Id: acme\r
                Connection: close, X-Secret-Hop\r
                X-Secret-Hop: must not pass\r
                Keep-Alive: timeout=5\r
                TE: trailers\r
                X-Ferry-Backend: new\r
                x-ferry-route: new\r
                X-Forwarded-For: 6.6.6.6\r
                X-Forwarded-Host: evil.example\r
                Forwarded: for=6.6.6.6\r
                X-Custom: kept\r
                \r
                """
                        .formatted(router.router().port()));

        assertThat(response).startsWith("HTTP/1.1 200").endsWith("served by legacy\r\n0\r\n\r\n");
        backends.of(Backend.LEGACY)
                .verify(forwardedOrderRequest("1.1")
                        .withHeader("X-Secret-Hop", absent())
                        .withHeader("TE", absent())
                        .withHeader("Keep-Alive", absent()));
        router.assertServedBy(Transport.FAST, 1);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void dropsSpoofedHeadersAndSetsForwardingHeadersWhicheverTheProtocol(ClientProtocol protocol) {
        HttpResponse<String> response = router.send(
                protocol,
                HttpRequest.newBuilder(router.uri("/orders?id=7"))
                        .header("X-Tenant-Id", "acme")
                        .header("X-Ferry-Backend", "new")
                        .header("x-ferry-route", "new")
                        .header("X-Forwarded-For", "6.6.6.6")
                        .header("X-Forwarded-Host", "evil.example")
                        .header("Forwarded", "for=6.6.6.6")
                        .header("X-Custom", "kept")
                        .build());

        assertThat(response.body()).isEqualTo("served by legacy");
        backends.of(Backend.LEGACY).verify(forwardedOrderRequest(protocol.version()));
        router.assertServedBy(protocol);
    }

    /**
     * GET /orders?id=7 of tenant acme as legacy must receive it: the client's X-Custom kept, the tenant and
     * X-Forwarded-* set by Ferry, Via naming the client's protocol version, Host the backend's, spoofed routing and
     * forwarding headers gone.
     */
    private static com.github.tomakehurst.wiremock.matching.RequestPatternBuilder forwardedOrderRequest(
            String version) {
        return anyRequestedFor(urlEqualTo("/orders?id=7"))
                .withHeader("X-Custom", equalTo("kept"))
                .withHeader("X-Tenant-Id", equalTo("acme"))
                .withHeader("X-Forwarded-For", equalTo("127.0.0.1"))
                .withHeader("X-Forwarded-Proto", equalTo("http"))
                .withHeader(
                        "X-Forwarded-Host",
                        equalTo("127.0.0.1:" + router.router().port()))
                .withHeader("Via", equalTo(version + " ferry"))
                .withHeader(
                        "Host",
                        equalTo("127.0.0.1:" + backends.of(Backend.LEGACY).port()))
                .withHeader("X-Ferry-Backend", absent())
                .withHeader("X-Ferry-Route", absent())
                .withHeader("Forwarded", absent());
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void dropsHopByHopHeadersFromTheResponseAndPassesTheRest(ClientProtocol protocol) {
        backends.of(Backend.LEGACY)
                .stubFor(any(anyUrl())
                        .willReturn(aResponse()
                                .withStatus(201)
                                .withHeader("Connection", "X-Backend-Hop")
                                .withHeader("X-Backend-Hop", "secret")
                                .withHeader("Set-Cookie", "a=b")
                                .withBody("created")));

        HttpResponse<String> response = router.get(protocol, "acme", "/");

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).isEqualTo("created");
        assertThat(response.headers().firstValue("Set-Cookie")).hasValue("a=b");
        assertThat(response.headers().firstValue("X-Backend-Hop")).isEmpty();
        assertThat(response.headers().firstValue("Via")).hasValue("1.1 ferry");
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void passesBackendErrorsThroughUntouched(ClientProtocol protocol) {
        backends.of(Backend.NEW)
                .stubFor(any(anyUrl()).willReturn(aResponse().withStatus(500).withBody("boom")));

        HttpResponse<String> response = router.get(protocol, "globex", "/");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).isEqualTo("boom");
        assertThat(response.headers().firstValue("X-Ferry-Error")).isEmpty();
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void answers504WithinTheResponseTimeoutWhenTheBackendIsSlow(ClientProtocol protocol) {
        backends.of(Backend.LEGACY).stubFor(any(anyUrl()).willReturn(aResponse().withFixedDelay(3000)));

        HttpResponse<String> response = router.get(protocol, "acme", "/slow");

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.headers().firstValue("X-Ferry-Error")).hasValue("backend_timeout");
        assertThat(response.body()).contains("backend 'legacy'");
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void answers502WhenTheBackendResetsTheConnection(ClientProtocol protocol) {
        backends.of(Backend.LEGACY)
                .stubFor(any(anyUrl()).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        HttpResponse<String> response = router.get(protocol, "acme", "/reset");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("X-Ferry-Error")).hasValue("backend_closed");
        router.assertServedBy(protocol);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void answers502WhenTheBackendRefusesConnections(ClientProtocol protocol) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(unleash.config(dir.resolve("refused-" + protocol.name())));
        config.put("backends.legacy.url", "http://127.0.0.1:" + closedPort);
        try (RunningRouter refused = RunningRouter.startReady(config)) {

            HttpResponse<String> response = refused.get(protocol, "acme", "/");

            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(response.headers().firstValue("X-Ferry-Error")).hasValue("backend_connect_failed");
            assertThat(refused.get(protocol, "globex", "/").body()).isEqualTo("served by new");
            refused.assertServedBy(protocol);
        }
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void opensTheBreakerAfterRepeatedFailuresWithoutFailingOverAndRecovers(ClientProtocol protocol) {
        backends.of(Backend.NEW).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503)));
        for (int i = 0; i < 4; i++) {
            assertThat(strict.get(protocol, "globex", "/").statusCode()).isEqualTo(503);
        }

        HttpResponse<String> open = strict.get(protocol, "globex", "/");

        assertThat(open.headers().firstValue("X-Ferry-Error")).hasValue("breaker_open");
        assertThat(open.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(strict.get(protocol, "acme", "/").body()).isEqualTo("served by legacy");
        backends.of(Backend.LEGACY).verify(0, anyRequestedFor(anyUrl()).withHeader("X-Tenant-Id", equalTo("globex")));
        assertThat(strict.metrics()).contains("ferry_breaker_state{backend=\"new\",state=\"open\"} 1.0");

        backends.reset();
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() ->
                        assertThat(strict.get(protocol, "globex", "/").body()).isEqualTo("served by new"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(strict.metrics())
                .contains("ferry_breaker_state{backend=\"new\",state=\"closed\"} 1.0"));
        strict.assertServedBy(protocol);
    }

    @Test
    void servesCleartextHttp2WithPriorKnowledge() {
        String body = router.client(ClientProtocol.H2C)
                .headers(h -> h.set("X-Tenant-Id", "globex"))
                .post()
                .uri("/h2")
                .send(reactor.netty.ByteBufFlux.fromString(reactor.core.publisher.Mono.just("payload")))
                .responseSingle((response, content) -> {
                    assertThat(response.version().text()).isEqualTo("HTTP/2.0");
                    return content.asString();
                })
                .block(Duration.ofSeconds(10));

        assertThat(body).isEqualTo("served by new");
        backends.of(Backend.NEW)
                .verify(anyRequestedFor(urlEqualTo("/h2"))
                        .withRequestBody(equalTo("payload"))
                        .withHeader("Via", equalTo("2 ferry"))
                        .withHeader("x-http2-stream-id", absent())
                        .withHeader("x-http2-scheme", absent()));
        router.assertServedBy(ClientProtocol.H2C);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void answersHeadAndNotModifiedWithoutABody(ClientProtocol protocol) {
        backends.of(Backend.LEGACY)
                .stubFor(any(urlEqualTo("/cached"))
                        .willReturn(aResponse().withStatus(304).withHeader("ETag", "\"v1\"")));

        HttpResponse<String> head = router.send(
                protocol,
                HttpRequest.newBuilder(router.uri("/"))
                        .header("X-Tenant-Id", "acme")
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build());
        HttpResponse<String> notModified = router.get(protocol, "acme", "/cached");

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(notModified.statusCode()).isEqualTo(304);
        assertThat(notModified.headers().firstValue("ETag")).hasValue("\"v1\"");
        router.assertServedBy(protocol);
    }

    @Test
    void relaysAnUploadThatExpects100ContinueOnReactorNetty() {
        HttpResponse<String> response = router.send(
                ClientProtocol.HTTP_1_1,
                HttpRequest.newBuilder(router.uri("/expecting"))
                        .header("X-Tenant-Id", "globex")
                        .expectContinue(true)
                        .POST(HttpRequest.BodyPublishers.ofString("payload"))
                        .build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("served by new");
        backends.of(Backend.NEW)
                .verify(anyRequestedFor(urlEqualTo("/expecting")).withRequestBody(equalTo("payload")));
        router.assertServedBy(Transport.REACTOR, 1);
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void answers503PoolExhaustedWhenNoConnectionFreesUpInTime(ClientProtocol protocol) throws Exception {
        backends.of(Backend.LEGACY)
                .stubFor(any(urlEqualTo("/busy")).willReturn(aResponse().withFixedDelay(1500)));
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(unleash.config(dir.resolve("pool-" + protocol.name())));
        config.put("pool.max-connections", "1");
        config.put("pool.pending-acquire-max-count", "1");
        config.put("pool.pending-acquire-timeout", "200ms");
        try (RunningRouter small = RunningRouter.startReady(config)) {
            // The fast path splits the limits among the event loops, at least one connection and one waiting request
            // each (pool.max-connections): one request more than there are loops puts two on one loop.
            int concurrent = Math.max(3, LoopResources.DEFAULT_IO_WORKER_COUNT + 1);
            java.util.List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> calls =
                    new java.util.ArrayList<>();
            for (int i = 0; i < concurrent; i++) {
                calls.add(small.sendAsync(
                        protocol,
                        HttpRequest.newBuilder(small.uri("/busy"))
                                .header("X-Tenant-Id", "acme")
                                .build()));
            }

            java.util.List<String> errors = new java.util.ArrayList<>();
            for (var call : calls) {
                errors.add(call.get(10, java.util.concurrent.TimeUnit.SECONDS)
                        .headers()
                        .firstValue("X-Ferry-Error")
                        .orElse("none"));
            }

            assertThat(errors).contains("none", "pool_exhausted").doesNotContain("internal_error");
            assertThat(small.metrics()).contains("outcome=\"pool_exhausted\"");
            small.assertServedBy(protocol);
        }
    }

    @Test
    void forwardsAnAbsoluteFormTargetToTheChosenBackendNeverToTheNamedHost() throws Exception {
        String response = RawHttp.exchange(
                router.router().port(),
                """
                GET http://127.0.0.1:%d/secret?x=1 HTTP/1.1\r
                Host: 127.0.0.1:%d\r
                X-Tenant-Id: acme\r
                Connection: close\r
                \r
                """
                        .formatted(
                                backends.of(Backend.NEW).port(),
                                backends.of(Backend.NEW).port()));

        assertThat(response).startsWith("HTTP/1.1 200").endsWith("served by legacy\r\n0\r\n\r\n");
        backends.of(Backend.LEGACY).verify(anyRequestedFor(urlEqualTo("/secret?x=1")));
        backends.of(Backend.NEW).verify(0, anyRequestedFor(anyUrl()));
        router.assertServedBy(Transport.FAST, 1);
    }

    @Test
    void refusesConnectWith400() throws Exception {
        String response = RawHttp.exchange(
                router.router().port(),
                """
                CONNECT 127.0.0.1:22 HTTP/1.1\r
                Host: 127.0.0.1:22\r
                X-Tenant-Id: acme\r
                Connection: close\r
                \r
                """);

        assertThat(response).startsWith("HTTP/1.1 400").contains("X-Ferry-Error: request_invalid");
        router.assertServedBy(Transport.FAST, 1);
    }

    @Test
    void doesNotHoldClientsThatAbortTheirUploadAgainstTheBackend() throws Exception {
        for (int i = 0; i < 6; i++) {
            try (java.net.Socket socket = new java.net.Socket(
                    java.net.InetAddress.getLoopbackAddress(), strict.router().port())) {
                socket.setSoLinger(true, 0);
                java.io.OutputStream out = socket.getOutputStream();
                out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nX-Tenant-Id: globex\r\nContent-Length: 1000000\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                out.write(new byte[5000]);
                out.flush();
                await().atMost(Duration.ofSeconds(5))
                        .until(
                                () -> !backends.of(Backend.NEW)
                                                .getAllServeEvents()
                                                .isEmpty()
                                        || strict.metrics()
                                                .contains(
                                                        "ferry_pool_connections{backend=\"new\",state=\"active\"} 1.0"));
            }
        }

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(strict.metrics())
                .contains("outcome=\"client_closed\"")
                .contains("ferry_breaker_state{backend=\"new\",state=\"closed\"} 1.0"));
        assertThat(strict.get(ClientProtocol.HTTP_1_1, "globex", "/").body()).isEqualTo("served by new");
        // Raw HTTP/1.1 uploads, then an HTTP/1.1 client: the fast path, every one.
        strict.assertServedBy(ClientProtocol.HTTP_1_1);
    }

    @Test
    void answersABrokenWebSocketUpgradeWith400WithoutLeakingTheBreakersTrialCall() throws Exception {
        // WebSockets are Reactor Netty's: the breaker is opened and probed through it too, with an h2c client.
        backends.of(Backend.NEW).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503)));
        for (int i = 0; i < 4; i++) {
            strict.get(ClientProtocol.H2C, "globex", "/");
        }
        assertThat(strict.get(ClientProtocol.H2C, "globex", "/").headers().firstValue("X-Ferry-Error"))
                .hasValue("breaker_open");
        backends.reset();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            String response = RawHttp.exchange(
                    strict.router().port(),
                    """
                    GET /ws HTTP/1.1\r
                    Host: x\r
                    X-Tenant-Id: globex\r
                    Upgrade: websocket\r
                    Connection: close, Upgrade\r
                    \r
                    """);
            return response.contains("X-Ferry-Error: request_invalid");
        });

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                        strict.get(ClientProtocol.H2C, "globex", "/").body())
                .isEqualTo("served by new"));
        strict.assertServedBy(ClientProtocol.H2C);
    }

    @Test
    void acceptsAnH2cUpgradeThatCarriesASmallBody() throws Exception {
        try (java.net.Socket socket = new java.net.Socket(
                java.net.InetAddress.getLoopbackAddress(), router.router().port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream()
                    .write(("POST /upgraded HTTP/1.1\r\nHost: x\r\nX-Tenant-Id: globex\r\n"
                                    + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"
                                    + "Content-Length: 3\r\n\r\nabc")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] head = new byte[40];
            int read = socket.getInputStream().read(head);

            assertThat(new String(head, 0, read, java.nio.charset.StandardCharsets.US_ASCII))
                    .startsWith("HTTP/1.1 101");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> backends.of(Backend.NEW)
                    .verify(anyRequestedFor(urlEqualTo("/upgraded")).withRequestBody(equalTo("abc"))));
        }
        router.assertServedBy(Transport.REACTOR, 1);
    }
}
