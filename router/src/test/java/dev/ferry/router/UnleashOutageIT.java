package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.unleash.UnleashServer;
import dev.ferry.router.unleash.UnleashServer.Flag;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real Unleash server stops while the router runs: routing goes on from memory and catches up after. */
class UnleashOutageIT {
    static UnleashServer unleash;
    static Backends backends;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        unleash = UnleashServer.running();
        backends = new Backends();
    }

    @AfterAll
    static void stop() {
        if (backends != null) {
            backends.close();
        }
    }

    @Test
    void keepsRoutingFromMemoryWhileUnleashIsDownAndFollowsItAgainAfterItsRestart() {
        try (Flag flag = unleash.createFlag("outage")
                        .tenantsOnNew("acme")
                        .enable()
                        .visibleToClients();
                RunningRouter router = RunningRouter.startReady(config(flag))) {
            await().atMost(Duration.ofSeconds(4))
                    .untilAsserted(
                            () -> assertThat(router.get("acme", "/").body()).isEqualTo("served by new"));
            double errorsBefore = sample(router, "ferry_flags_fetch_errors_total");
            try {
                unleash.stop();

                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(sample(router, "ferry_flags_age_seconds"))
                                .isGreaterThan(3.0));
                assertThat(sample(router, "ferry_flags_fetch_errors_total")).isGreaterThanOrEqualTo(errorsBefore + 2);
                assertThat(router.get("acme", "/").body()).isEqualTo("served by new");
                assertThat(router.get("umbrella", "/").body()).isEqualTo("served by legacy");
                assertThat(router.admin("/health/ready").statusCode()).isEqualTo(200);
            } finally {
                unleash.start();
            }

            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(sample(router, "ferry_flags_age_seconds"))
                            .isLessThan(2.0));
            flag.tenantsOnNew("acme", "umbrella");
            await().atMost(Duration.ofSeconds(4))
                    .untilAsserted(
                            () -> assertThat(router.get("umbrella", "/").body()).isEqualTo("served by new"));
        }
    }

    private Map<String, String> config(Flag flag) {
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(unleash.routerConfig(flag, dir.resolve("backup.json")));
        return config;
    }

    /** The value of a series without labels in the router's Prometheus text. */
    private static double sample(RunningRouter router, String series) {
        Matcher m =
                Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(router.metrics());
        assertThat(m.find()).as("series %s in /metrics", series).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
