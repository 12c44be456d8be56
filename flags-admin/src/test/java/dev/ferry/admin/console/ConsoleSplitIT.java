package dev.ferry.admin.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.admin.cli.LoopbackBackend;
import dev.ferry.admin.cli.RouterReplica;
import dev.ferry.admin.tenants.FlagsFileStore;
import dev.ferry.admin.tenants.Progress;
import dev.ferry.admin.tenants.TenantMover;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's live split read from a real router's admin {@code /metrics}: the packaged router, on the demo's flags
 * file (acme on legacy, globex on new), in front of two backends on loopback, carrying requests sent here.
 */
class ConsoleSplitIT {
    private static final String TOKEN = "console-split-test-token-0123456789";

    @TempDir
    Path dir;

    @Test
    void reportsTheSplitOfTheTrafficARealRouterCarried() throws Exception {
        Path flags = dir.resolve("flags.json");
        try (InputStream demo = ConsoleSplitIT.class.getResourceAsStream("/demo/flags.json")) {
            Files.write(flags, demo.readAllBytes());
        }
        try (LoopbackBackend legacy = new LoopbackBackend("legacy");
                LoopbackBackend fresh = new LoopbackBackend("new");
                RouterReplica router = RouterReplica.onFile(dir.resolve("router"), flags, legacy.url(), fresh.url());
                ConsoleServer console = ConsoleServer.start(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        TOKEN,
                        new TenantMover(
                                new FlagsFileStore(flags, "route-tenant-to-new"), Clock.systemUTC(), Progress.none()),
                        LiveSplit.routerMetrics(router.adminUrl().resolve("/metrics"), System::nanoTime),
                        new PrintStream(new ByteArrayOutputStream(), true))) {
            ConsoleClient client = new ConsoleClient(console.uri(), TOKEN);

            // the first scrape, of a router that has routed nothing yet; then a quarter of the requests on legacy
            JsonNode first = client.get("/api/split").json();
            assertThat(router.send("acme", 10)).isEqualTo("legacy");
            assertThat(router.send("globex", 30)).isEqualTo("new");
            JsonNode split = await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(300))
                    .until(
                            () -> client.get("/api/split").json(),
                            s -> s.path("state").asText().equals("ok"));

            assertThat(first.path("state").asText()).isEqualTo("measuring");
            assertThat(split.path("source").asText()).isEqualTo("router metrics " + router.adminUrl() + "/metrics");
            assertThat(split.path("legacyTotal").asDouble()).isEqualTo(10);
            assertThat(split.path("newTotal").asDouble()).isEqualTo(30);
            assertThat(split.path("newShare").asDouble()).isCloseTo(0.75, within(1e-9));
            assertThat(split.path("newPerSecond").asDouble())
                    .isCloseTo(3 * split.path("legacyPerSecond").asDouble(), within(1e-9));
        }
    }
}
