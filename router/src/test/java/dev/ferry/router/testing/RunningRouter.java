package dev.ferry.router.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.Router;
import dev.ferry.router.config.ConfigLoader;
import dev.ferry.router.config.InvalidConfigException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The real router on loopback, ports picked by the OS, built from config keys like a user's YAML. */
public final class RunningRouter implements AutoCloseable {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Router router;

    private RunningRouter(Router router) {
        this.router = router;
    }

    public static RunningRouter start(Map<String, String> config) {
        Map<String, String> all = new HashMap<>();
        all.put("listen.host", "127.0.0.1");
        all.put("listen.port", "0");
        all.put("admin.port", "0");
        all.put("flags.held-file", tempDir().resolve("held-tenants.json").toString());
        all.putAll(config);
        try {
            return new RunningRouter(Router.start(
                    ConfigLoader.load(all, Optional.empty(), Map.of()).config(), Clock.systemUTC()));
        } catch (InvalidConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Starts the router and waits until it is ready (a flag state is loaded). */
    public static RunningRouter startReady(Map<String, String> config) {
        RunningRouter router = start(config);
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

    /** GET through the proxy with the tenant header. */
    public HttpResponse<String> get(String tenant, String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20));
        if (tenant != null) {
            b.header("X-Tenant-Id", tenant);
        }
        return send(b.build());
    }

    public HttpResponse<String> admin(String path) {
        return send(HttpRequest.newBuilder(adminUri(path))
                .timeout(Duration.ofSeconds(10))
                .build());
    }

    public static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
