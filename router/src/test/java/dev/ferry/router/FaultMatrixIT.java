package dev.ferry.router;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.exchange.Backend;
import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.FaultProxy;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.testing.UnleashStub;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fault matrix (docs/reliability.md): a {@link FaultProxy} between Ferry and the tenant's backend, or between
 * Ferry and Unleash, injects one fault at a time. For each: what the client sees, that nothing reaches the other
 * backend, what the breaker and the metrics say, and that Ferry recovers once the fault is gone. On both transports.
 */
class FaultMatrixIT {
    /** Long enough for loopback on a busy CI machine, short enough that every timeout case is quick. */
    private static final Duration RESPONSE_TIMEOUT = Duration.ofMillis(400);

    private static final int BIG_BODY = 32 * 1024;
    private static final String SERVED = "served by new";

    static Backends backends;
    /** Between Ferry and new, where tenant acme lives; legacy is reached directly and counts what it gets. */
    static FaultProxy toNew;

    static UnleashStub unleash;
    static RunningRouter router;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        backends = new Backends();
        stubNew();
        toNew = new FaultProxy(backends.of(Backend.NEW).port());
        unleash = new UnleashStub().tenantsOnNew("acme");
        Map<String, String> config = new HashMap<>(unleash.config(dir));
        config.put("backends.legacy.url", backends.url(Backend.LEGACY));
        config.put("backends.new.url", toNew.url());
        config.put("timeouts.connect", "400ms");
        config.put("timeouts.response", RESPONSE_TIMEOUT.toMillis() + "ms");
        // Two failures in a row open the breaker; it lets one trial call through half a second later.
        config.put("breaker.sliding-window-size", "2");
        config.put("breaker.minimum-calls", "2");
        config.put("breaker.failure-rate-threshold", "100");
        config.put("breaker.wait-in-open", "500ms");
        config.put("breaker.half-open-calls", "1");
        router = RunningRouter.startReady(config);
    }

    /**
     * {@code /big}: a body larger than one read; {@code /closing}: the backend closes after a body of known length;
     * {@code /unframed}: after a body that only its close ends (no length, not chunked).
     */
    private static void stubNew() {
        backends.of(Backend.NEW)
                .stubFor(any(urlEqualTo("/big")).willReturn(aResponse().withBody(new byte[BIG_BODY])));
        backends.of(Backend.NEW)
                .stubFor(any(urlEqualTo("/closing"))
                        .willReturn(aResponse()
                                .withHeader("Connection", "close")
                                .withHeader("Content-Length", String.valueOf(SERVED.length()))
                                .withBody(SERVED)));
        backends.of(Backend.NEW)
                .stubFor(any(urlEqualTo("/unframed"))
                        .willReturn(
                                aResponse().withHeader("Connection", "close").withBody(SERVED)));
    }

    @AfterAll
    static void stop() {
        router.close();
        toNew.close();
        unleash.close();
        backends.close();
    }

    @BeforeEach
    void healthyAndCounted() {
        toNew.pass();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(router.get("acme", "/").body()).isEqualTo("served by new");
            assertThat(router.metrics()).contains(breakerState("closed"));
        });
        backends.of(Backend.LEGACY).resetRequests();
        backends.of(Backend.NEW).resetRequests();
        router.countExchangesFromHere();
    }

    /** What the client sees of a request while the fault is on. */
    enum Seen {
        /** The backend's whole response. */
        SERVED,
        /** Ferry's own error response, {@code X-Ferry-Error}. */
        ERROR,
        /** The backend's status and the start of its body, then the connection cut: never a complete response. */
        CUT
    }

    /** One fault between Ferry and the tenant's backend, and what Ferry must make of it. */
    enum BackendFault {
        LATENCY(p -> p.latency(RESPONSE_TIMEOUT.multipliedBy(2)), "/", Seen.ERROR, 504, "backend_timeout"),
        BANDWIDTH(p -> p.bandwidth(64 * 1024), "/big", Seen.SERVED, 200, "forwarded"),
        RESET_BEFORE_HEAD(p -> p.resetMidResponse(0), "/", Seen.ERROR, 502, "backend_closed"),
        RESET_MID_BODY(p -> p.resetMidResponse(4096), "/big", Seen.CUT, 200, "backend_closed"),
        DROP(FaultProxy::drop, "/", Seen.ERROR, 504, "backend_timeout"),
        SLOW_CLOSE(p -> p.slowClose(Duration.ofSeconds(3)), "/closing", Seen.SERVED, 200, "forwarded"),
        /** A body that only the FIN ends, and the FIN comes later than timeouts.response: Ferry cannot call it whole. */
        SLOW_CLOSE_UNFRAMED(p -> p.slowClose(Duration.ofSeconds(3)), "/unframed", Seen.CUT, 200, "backend_timeout"),
        ACCEPT_NEVER_ANSWER(FaultProxy::acceptNeverAnswer, "/", Seen.ERROR, 504, "backend_timeout"),
        REFUSE(FaultProxy::refuse, "/", Seen.ERROR, 502, "backend_connect_failed");

        final Consumer<FaultProxy> inject;
        final String path;
        final Seen seen;
        final int status;
        /** The {@code outcome} tag of {@code ferry.requests}, and the {@code X-Ferry-Error} of an error. */
        final String outcome;

        BackendFault(Consumer<FaultProxy> inject, String path, Seen seen, int status, String outcome) {
            this.inject = inject;
            this.path = path;
            this.seen = seen;
            this.status = status;
            this.outcome = outcome;
        }
    }

    static Stream<Arguments> backendFaults() {
        return Arrays.stream(BackendFault.values())
                .flatMap(f -> Arrays.stream(ClientProtocol.values()).map(p -> Arguments.of(f, p)));
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("backendFaults")
    void answersForTheTenantsBackendAloneAndRecoversWhenTheFaultEnds(BackendFault fault, ClientProtocol protocol) {
        String requests = requestsSeries(fault.status, fault.outcome);
        double before = sample(router.metrics(), requests);
        fault.inject.accept(toNew);

        for (int i = 0; i < 2; i++) {
            long start = System.nanoTime();
            seesWhatTheFaultGives(fault, protocol);
            if (fault == BackendFault.SLOW_CLOSE || fault == BackendFault.SLOW_CLOSE_UNFRAMED) {
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .as("the answer does not wait for the backend's late FIN")
                        .isLessThan(Duration.ofSeconds(2));
            }
        }

        if (fault.seen == Seen.ERROR) {
            // Two of the backend's failures in a row: open, a fast 503 that never goes to the other backend.
            HttpResponse<String> open = router.get(protocol, "acme", fault.path);
            assertThat(open.statusCode()).isEqualTo(503);
            assertThat(open.headers().firstValue("X-Ferry-Error")).hasValue("breaker_open");
            assertThat(open.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(router.metrics()).contains(breakerState("open"));
        } else {
            // A whole response, or a body cut after its head: the breaker's verdict is the head's.
            assertThat(router.metrics()).contains(breakerState("closed"));
        }
        String metrics = router.metrics();
        assertThat(sample(metrics, requests)).isGreaterThanOrEqualTo(before + 2);
        assertThat(backends.of(Backend.LEGACY).getAllServeEvents())
                .as("requests that reached the other backend")
                .isEmpty();

        toNew.pass();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            HttpResponse<String> healed = router.get(protocol, "acme", fault.path);
            assertThat(healed.statusCode()).isEqualTo(200);
            assertThat(healed.headers().firstValue("X-Ferry-Error")).isEmpty();
        });
        assertThat(router.metrics()).contains(breakerState("closed"));
        assertThat(backends.of(Backend.LEGACY).getAllServeEvents()).isEmpty();
        router.assertServedBy(protocol);
    }

    private static void seesWhatTheFaultGives(BackendFault fault, ClientProtocol protocol) {
        switch (fault.seen) {
            case SERVED -> {
                HttpResponse<String> response = router.get(protocol, "acme", fault.path);
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).hasSize(fault.path.equals("/big") ? BIG_BODY : SERVED.length());
            }
            case ERROR -> {
                HttpResponse<String> response = router.get(protocol, "acme", fault.path);
                assertThat(response.statusCode()).isEqualTo(fault.status);
                assertThat(response.headers().firstValue("X-Ferry-Error")).hasValue(fault.outcome);
                assertThat(response.body()).contains("backend 'new'");
            }
            case CUT ->
                assertThatThrownBy(() -> router.get(protocol, "acme", fault.path))
                        .as("a response cut mid-body must never look complete")
                        .isInstanceOf(UncheckedIOException.class);
        }
    }

    // ---- Unleash ----

    /** One fault between Ferry and Unleash. */
    enum UnleashFault {
        DOWN,
        SLOW,
        GARBAGE;

        void inject(FaultProxy proxy, UnleashStub stub) {
            switch (this) {
                case DOWN -> proxy.refuse();
                case SLOW -> proxy.latency(Duration.ofMillis(1500));
                case GARBAGE -> stub.serve("<html>502 Bad Gateway</html>");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(UnleashFault.class)
    void keepsRoutingByTheLastGoodStateThroughAnUnleashFaultAndFollowsUnleashAfter(UnleashFault fault) {
        try (UnleashStub stub = new UnleashStub().tenantsOnNew("acme");
                FaultProxy toUnleash = new FaultProxy(stub.port());
                RunningRouter router = RunningRouter.startReady(config(stub, toUnleash, "kept-" + fault))) {
            double fetchErrors = sample(router.metrics(), "ferry_flags_fetch_errors_total");
            double rejected = sample(router.metrics(), "ferry_flags_rejected_total");

            fault.inject(toUnleash, stub);

            await().atMost(Duration.ofSeconds(8)).untilAsserted(() -> {
                String metrics = router.metrics();
                assertThat(sample(metrics, "ferry_flags_age_seconds")).isGreaterThan(2.0);
                switch (fault) {
                    case DOWN ->
                        assertThat(sample(metrics, "ferry_flags_fetch_errors_total"))
                                .isGreaterThan(fetchErrors);
                    case GARBAGE ->
                        assertThat(sample(metrics, "ferry_flags_rejected_total"))
                                .isGreaterThan(rejected);
                    case SLOW -> {}
                }
            });
            for (ClientProtocol protocol : ClientProtocol.values()) {
                assertThat(router.get(protocol, "acme", "/").body()).isEqualTo("served by new");
                assertThat(router.get(protocol, "umbrella", "/").body()).isEqualTo("served by legacy");
            }
            assertThat(router.metrics()).contains("ferry_flags_loaded 1.0", "ferry_ready 1.0");
            assertThat(router.admin("/health/ready").statusCode()).isEqualTo(200);
            assertThat(router.admin("/routing/tenants/acme").body()).contains("\"origin\":\"unleash\"");

            stub.tenantsOnNew("acme", "umbrella"); // a move, made while the fault lasts
            toUnleash.pass();

            await().atMost(Duration.ofSeconds(8)).untilAsserted(() -> {
                assertThat(router.get("umbrella", "/").body()).isEqualTo("served by new");
                assertThat(sample(router.metrics(), "ferry_flags_age_seconds")).isLessThan(2.0);
            });
            assertThat(router.get(ClientProtocol.H2C, "umbrella", "/").body()).isEqualTo("served by new");
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = UnleashFault.class,
            names = {"DOWN", "GARBAGE"})
    void failsClosedWhileUnleashHasNeverAnsweredWellAndRoutesOnceItDoes(UnleashFault fault) {
        try (UnleashStub stub = new UnleashStub().tenantsOnNew("acme");
                FaultProxy toUnleash = new FaultProxy(stub.port())) {
            fault.inject(toUnleash, stub);
            backends.of(Backend.LEGACY).resetRequests();
            backends.of(Backend.NEW).resetRequests();
            long reachedNew = toNew.bytesToServer();
            try (RunningRouter router = RunningRouter.start(config(stub, toUnleash, "closed-" + fault))) {
                for (ClientProtocol protocol : ClientProtocol.values()) {
                    HttpResponse<String> response = router.get(protocol, "acme", "/");
                    assertThat(response.statusCode()).isEqualTo(503);
                    assertThat(response.headers().firstValue("X-Ferry-Error")).hasValue("routing_unknown");
                    assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
                }
                HttpResponse<String> ready = router.admin("/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).contains("\"reason\":\"routing unknown: flag state not loaded yet\"");
                assertThat(router.metrics()).contains("ferry_flags_loaded 0.0", "ferry_ready 0.0");
                assertThat(backends.of(Backend.LEGACY).getAllServeEvents()).isEmpty();
                assertThat(backends.of(Backend.NEW).getAllServeEvents()).isEmpty();
                assertThat(toNew.bytesToServer()).isEqualTo(reachedNew);

                toUnleash.pass();
                stub.tenantsOnNew("acme");

                await().atMost(Duration.ofSeconds(8))
                        .until(() -> router.admin("/health/ready").statusCode() == 200);
                for (ClientProtocol protocol : ClientProtocol.values()) {
                    assertThat(router.get(protocol, "acme", "/").body()).isEqualTo("served by new");
                }
            }
        }
    }

    /** A router of its own, whose flags come from {@code stub} through {@code proxy}, with a backup of its own. */
    private static Map<String, String> config(UnleashStub stub, FaultProxy proxy, String name) {
        Map<String, String> config = new HashMap<>(stub.config(dir.resolve(name)));
        config.put("flags.unleash.url", proxy.url() + "/api");
        config.put("backends.legacy.url", backends.url(Backend.LEGACY));
        config.put("backends.new.url", toNew.url());
        return config;
    }

    // ---- metrics ----

    private static String breakerState(String state) {
        return "ferry_breaker_state{backend=\"new\",state=\"" + state + "\"} 1.0";
    }

    /** {@code ferry.requests} to new, GET, by status class and outcome. */
    private static String requestsSeries(int status, String outcome) {
        return "ferry_requests_seconds_count{backend=\"new\",method=\"GET\",outcome=\"" + outcome + "\",status_class=\""
                + status / 100 + "xx\"}";
    }

    /** The sum of the samples whose series starts with {@code series} in the router's Prometheus text. */
    private static double sample(String metrics, String series) {
        return metrics.lines()
                .filter(line -> line.startsWith(series + " ") || line.startsWith(series + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
