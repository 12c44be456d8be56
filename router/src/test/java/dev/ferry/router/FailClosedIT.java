package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.FlagDocuments;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.testing.UnleashStub;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Until Ferry knows where tenants live it routes nobody: never a guess of legacy. On both transports. */
class FailClosedIT {
    static Backends backends;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        backends = new Backends();
    }

    @AfterAll
    static void stop() {
        backends.close();
    }

    private Map<String, String> config(UnleashStub unleash) {
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(unleash.config(dir));
        return config;
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void answers503AndStaysUnreadyBeforeAnyFlagStateIsLoaded(ClientProtocol protocol) {
        try (UnleashStub unleash = new UnleashStub().unavailable();
                RunningRouter router = RunningRouter.start(config(unleash))) {
            HttpResponse<String> response = router.get(protocol, "acme", "/");

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("X-Ferry-Error")).hasValue("routing_unknown");
            assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(response.body()).contains("no flag state has been loaded yet");
            assertThat(router.admin("/health/ready").statusCode()).isEqualTo(503);
            HttpResponse<String> lookup = router.admin("/routing/tenants/acme");
            assertThat(lookup.statusCode()).isEqualTo(503);
            assertThat(lookup.body()).contains("\"backend\":null", "\"reason\":\"routing_unknown\"");
            assertThat(backends.of(dev.ferry.router.exchange.Backend.LEGACY).getAllServeEvents())
                    .isEmpty();

            unleash.tenantsOnNew("acme");

            await().atMost(Duration.ofSeconds(5))
                    .until(() -> router.admin("/health/ready").statusCode() == 200);
            assertThat(router.get(protocol, "acme", "/").body()).isEqualTo("served by new");
            router.assertServedBy(protocol);
        }
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void routesFromTheBackupFileWhenRestartedWhileUnleashIsDown(ClientProtocol protocol) {
        try (UnleashStub unleash = new UnleashStub().tenantsOnNew("acme")) {
            try (RunningRouter first = RunningRouter.startReady(config(unleash))) {}
            unleash.unavailable();

            try (RunningRouter second = RunningRouter.startReady(config(unleash))) {
                assertThat(second.get(protocol, "acme", "/").body()).isEqualTo("served by new");
                assertThat(second.admin("/routing/tenants/acme").body()).contains("\"origin\":\"backup\"");
                second.assertServedBy(protocol);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void refusesToRouteWhenTheFlagStateLacksTheRoutingFlag(ClientProtocol protocol) {
        FlagsFile flags = new FlagsFile(dir).write(FlagDocuments.withoutRoutingFlag());
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(flags.config());
        try (RunningRouter router = RunningRouter.start(config)) {
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                            router.get(protocol, "acme", "/").body())
                    .contains("has no flag 'route-tenant-to-new'"));
            assertThat(router.admin("/health/ready").statusCode()).isEqualTo(503);
            router.assertServedBy(protocol);

            flags.tenantsOnNew("acme");

            await().atMost(Duration.ofSeconds(5))
                    .until(() -> router.admin("/health/ready").statusCode() == 200);
        }
    }

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void keepsTheLastGoodStateWhenTheFlagsFileBecomesInvalid(ClientProtocol protocol) {
        FlagsFile flags = new FlagsFile(dir).tenantsOnNew("acme");
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(flags.config());
        try (RunningRouter router = RunningRouter.startReady(config)) {

            flags.write("{\"features\": []}");

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(router.metrics())
                    .contains("ferry_flags_rejected_total{reason=\"invalid\"} 1.0"));
            assertThat(router.get(protocol, "acme", "/").body()).isEqualTo("served by new");
            assertThat(router.admin("/health/ready").statusCode()).isEqualTo(200);
            router.assertServedBy(protocol);
        }
    }
}
