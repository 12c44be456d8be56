package dev.ferry.router.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.Router;
import dev.ferry.router.config.ConfigLoader;
import dev.ferry.router.config.InvalidConfigException;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.metrics.RouterMeters;
import io.micrometer.core.instrument.Counter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The real router on loopback, ports picked by the OS, built from config keys like a user's YAML. Requests go through
 * it with a chosen {@link ClientProtocol}; {@link #assertServedBy} then checks which transport served them.
 */
public final class RunningRouter implements AutoCloseable {
    private final Router router;
    private final TransportExchanges exchanges;

    private RunningRouter(Router router) {
        this.router = router;
        this.exchanges = new TransportExchanges(this::exchangeCounts);
    }

    public static RunningRouter start(Map<String, String> config) {
        return start(config, Clock.systemUTC());
    }

    /** With a clock of its own: a replica whose clock is off. */
    public static RunningRouter start(Map<String, String> config, Clock clock) {
        Map<String, String> all = new HashMap<>();
        all.put("listen.host", "127.0.0.1");
        all.put("listen.port", "0");
        all.put("admin.port", "0");
        all.put("flags.held-file", tempDir().resolve("held-tenants.json").toString());
        all.putAll(config);
        try {
            return new RunningRouter(Router.start(
                    ConfigLoader.load(all, Optional.empty(), Map.of()).config(), clock));
        } catch (InvalidConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** From a configuration loaded as the router's command line loads it (a file and the environment). */
    public static RunningRouter start(dev.ferry.router.config.RouterConfig config) {
        return new RunningRouter(Router.start(config, Clock.systemUTC()));
    }

    /** Starts the router and waits until it is ready (a flag state is loaded). */
    public static RunningRouter startReady(Map<String, String> config) {
        return startReady(config, Clock.systemUTC());
    }

    public static RunningRouter startReady(Map<String, String> config, Clock clock) {
        RunningRouter router = start(config, clock);
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> router.router().readiness().ready());
        return router;
    }

    private static java.nio.file.Path tempDir() {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ferry-router-");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public Router router() {
        return router;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + router.port() + path);
    }

    public URI adminUri(String path) {
        return URI.create("http://127.0.0.1:" + router.adminPort() + path);
    }

    /** GET through the proxy over HTTP/1.1 (the fast path, as most production traffic), naming the tenant. */
    public HttpResponse<String> get(String tenant, String path) {
        return get(ClientProtocol.HTTP_1_1, tenant, path);
    }

    /** GET through the proxy over {@code protocol}, naming the tenant in {@code X-Tenant-Id} unless it is null. */
    public HttpResponse<String> get(ClientProtocol protocol, String tenant, String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20));
        if (tenant != null) {
            b.header("X-Tenant-Id", tenant);
        }
        return send(protocol, b.build());
    }

    /** Any request through the proxy, over {@code protocol}. */
    public HttpResponse<String> send(ClientProtocol protocol, HttpRequest request) {
        HttpResponse<String> response = send(protocol.jdkClient(), request);
        exchanges.answered();
        return response;
    }

    /** Any request through the proxy, over {@code protocol}, not waiting for its answer. */
    public CompletableFuture<HttpResponse<String>> sendAsync(ClientProtocol protocol, HttpRequest request) {
        return protocol.jdkClient()
                .sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .whenComplete((response, error) -> {
                    if (response != null) {
                        exchanges.answered();
                    }
                });
    }

    /**
     * Reactor Netty's client aimed at the router over {@code protocol} (h2c by prior knowledge), for what the JDK
     * client cannot send: a {@code Host} of the test's choosing, a header twice, a request it gives up on.
     */
    public reactor.netty.http.client.HttpClient client(ClientProtocol protocol) {
        return protocol.reactorClient()
                .baseUrl("http://127.0.0.1:" + router.port())
                .doOnResponse((response, connection) -> exchanges.answered());
    }

    public HttpResponse<String> admin(String path) {
        return send(HttpRequest.newBuilder(adminUri(path))
                .timeout(Duration.ofSeconds(10))
                .build());
    }

    /** Any request (to the admin port, say) over HTTP/1.1. */
    public static HttpResponse<String> send(HttpRequest request) {
        return send(ClientProtocol.HTTP_1_1.jdkClient(), request);
    }

    private static HttpResponse<String> send(java.net.http.HttpClient client, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Counts exchanges from here on for {@link #assertServedBy}: call it before each test of a router the tests
     * share.
     */
    public void countExchangesFromHere() {
        exchanges.mark();
    }

    /**
     * Every exchange since the last count started (the router's start, {@link #countExchangesFromHere} or the last
     * assertion) was served by the transport {@code protocol} takes, at least one and no fewer than this router's
     * clients got answers to; then counts anew.
     */
    public void assertServedBy(ClientProtocol protocol) {
        exchanges.assertAllServedBy(protocol.servedBy());
    }

    /**
     * Exactly {@code count} exchanges since the last count started, all served by {@code transport}: for requests
     * written on a raw socket. Then counts anew.
     */
    public void assertServedBy(Transport transport, int count) {
        exchanges.assertServedBy(transport, count);
    }

    /** Exactly these exchanges on each transport since the last count started; then counts anew. */
    public void assertServed(int fast, int reactor) {
        exchanges.assertServed(fast, reactor);
    }

    private Map<Transport, Long> exchangeCounts() {
        Map<Transport, Long> counts = new EnumMap<>(Transport.class);
        for (Transport transport : Transport.values()) {
            Counter counter = router.registry()
                    .find(RouterMeters.TRANSPORT_EXCHANGES)
                    .tag(RouterMeters.TAG_TRANSPORT, transport.tag())
                    .counter();
            counts.put(transport, counter == null ? 0L : (long) counter.count());
        }
        return counts;
    }

    /** The Prometheus text of the admin port. */
    public String metrics() {
        return admin("/metrics").body();
    }

    @Override
    public void close() {
        router.shutdown();
        System.gc();
        // Leaks are reported when a leaked buffer is collected and the detector next runs: allocate to trigger it.
        for (int i = 0; i < 64; i++) {
            io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(1024).release();
        }
        assertThat(LeakDetection.drain())
                .as("Netty buffers leaked during the test")
                .isEmpty();
    }
}
