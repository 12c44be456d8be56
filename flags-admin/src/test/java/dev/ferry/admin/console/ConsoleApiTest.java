package dev.ferry.admin.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.admin.tenants.FlagsFileStore;
import dev.ferry.admin.tenants.MigrationStore;
import dev.ferry.admin.tenants.Progress;
import dev.ferry.admin.tenants.TenantMover;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API contract against a flags file, and the live split from Prometheus or from nowhere. The split from a real
 * router's /metrics is ConsoleSplitIT's.
 */
class ConsoleApiTest extends ConsoleApiContract {
    static final String FLAG = "route-tenant-to-new";

    @TempDir
    Path dir;

    Path file;

    @Override
    protected MigrationStore newStore() {
        file = dir.resolve("flags.json");
        try (InputStream demo = ConsoleApiTest.class.getResourceAsStream("/demo/flags.json")) {
            // The router's own demo file (pilot: globex to new), from its jar on the test class path
            Files.write(file, demo.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FlagsFileStore(file, FLAG);
    }

    @Override
    protected MigrationStore anotherOperatorsStore() {
        return new FlagsFileStore(file, FLAG);
    }

    private JsonNode splitWith(Function<MetricsServer, LiveSplit> split) throws IOException {
        try (MetricsServer metrics = new MetricsServer();
                ConsoleServer console = ConsoleServer.start(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        TOKEN,
                        new TenantMover(store, Clock.systemUTC(), Progress.none()),
                        split.apply(metrics),
                        new PrintStream(log, true))) {
            ConsoleClient client = new ConsoleClient(console.uri(), TOKEN);
            return await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(300))
                    .until(
                            () -> client.get("/api/split").json(),
                            s -> !s.path("state").asText().equals("measuring"));
        }
    }

    @Test
    void readsTheLiveSplitFromPrometheusRecordingRule() throws IOException {
        JsonNode split = splitWith(m -> LiveSplit.prometheus(m.prometheus()));

        assertThat(split.path("state").asText()).isEqualTo("ok");
        assertThat(split.path("legacyPerSecond").asDouble()).isEqualTo(4.5);
        assertThat(split.path("newPerSecond").asDouble()).isEqualTo(13.5);
        assertThat(split.path("newShare").asDouble()).isEqualTo(0.75);
    }

    @Test
    void saysWhenTheLiveSplitIsNotConfiguredOrUnreachable() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        URI nowhere = URI.create("http://127.0.0.1:" + closed + "/metrics");

        JsonNode none = api.get("/api/split").json();
        JsonNode unreachable = splitWith(m -> LiveSplit.routerMetrics(nowhere, System::nanoTime));

        assertThat(none.path("configured").asBoolean()).isFalse();
        assertThat(none.path("state").asText()).isEqualTo("not-configured");
        assertThat(none.path("detail").asText()).contains("--router-metrics");
        assertThat(unreachable.path("state").asText()).isEqualTo("unreachable");
        assertThat(unreachable.path("detail").asText()).contains("cannot read " + nowhere);
    }

    @Test
    void addsUpTheRoutersRequestCountersByBackend() {
        assertThat(PrometheusText.requestsByBackend(MetricsServer.document(12, 40)))
                .containsExactly(12, 40);
        assertThat(PrometheusText.requestsByBackend("ferry_ready 1.0\n")).isNull();
        assertThat(PrometheusText.label("a=\"x\",backend=\"new\"", "backend")).isEqualTo("new");
        assertThat(PrometheusText.label("xbackend=\"new\"", "backend")).isNull();
    }

    @Test
    void answersAMissingFlagsFileAsBadInputNamingIt() throws IOException {
        Files.delete(file);

        ConsoleClient.Response r = api.get("/api/status");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("detail").asText()).contains(file.toString()).contains("does not exist");
    }
}
