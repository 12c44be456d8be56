package dev.ferry.router;

import static dev.ferry.router.testing.FlagRules.flag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.testing.UnleashStub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No implicit flip-back, through the whole router, with the real SDK polling an Unleash API. */
class FlipBackIT {
    @TempDir
    Path dir;

    @Test
    void keepsAMovedTenantOnNewUntilTheMoveBackIsMarkedDeliberate() {
        try (Backends backends = new Backends();
                UnleashStub unleash =
                        new UnleashStub().serve(flag().list("pilot", "acme").document())) {
            Map<String, String> config = new HashMap<>(backends.config());
            config.putAll(unleash.config(dir));
            config.put("flags.held-file", dir.resolve("held.json").toString());
            try (RunningRouter router = RunningRouter.startReady(config)) {
                assertThat(router.get("acme", "/").body()).isEqualTo("served by new");
                assertThat(router.admin("/routing/tenants/acme").body())
                        .contains("\"backend\":\"new\"", "\"reason\":\"wave\"", "\"rule\":\"pilot\"");

                unleash.serve(flag().list("pilot", "globex").document());

                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                                router.admin("/routing/tenants/acme").body())
                        .contains("\"backend\":\"new\"", "\"reason\":\"flip_back_refused\""));
                assertThat(router.get("acme", "/").body()).isEqualTo("served by new");
                assertThat(router.metrics())
                        .contains("ferry_routing_flip_backs_refused_total 1.0")
                        .contains("ferry_routing_held_tenants 1.0");

                unleash.serve(flag().movedBack("acme").list("pilot", "globex").document());

                await().atMost(Duration.ofSeconds(5))
                        .untilAsserted(
                                () -> assertThat(router.get("acme", "/").body()).isEqualTo("served by legacy"));
                assertThat(router.admin("/routing/tenants/acme").body())
                        .contains("\"reason\":\"moved_back\"", "\"rule\":\"moved-back\"");
                assertThat(router.metrics()).contains("ferry_routing_held_tenants 0.0");
            }
        }
    }
}
