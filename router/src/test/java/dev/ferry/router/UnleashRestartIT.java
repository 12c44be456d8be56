package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.unleash.UnleashServer;
import dev.ferry.router.unleash.UnleashServer.Flag;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router (re)started while the real Unleash server is down: it routes from the backup its last run saved, else
 * from a bootstrap file, else nobody (503, never a guess of legacy). One outage serves every test here: each start of
 * the server costs seconds.
 */
class UnleashRestartIT {
    static UnleashServer unleash;
    static Backends backends;
    static Flag flag;

    @TempDir
    static Path dir;

    /** Written by a router that ran while Unleash was up, with acme on new. */
    static Path backup;

    @BeforeAll
    static void routeOnceThenStopUnleash() {
        unleash = UnleashServer.running();
        backends = new Backends();
        flag = unleash.createFlag("restart").tenantsOnNew("acme").enable().visibleToClients();
        backup = dir.resolve("backup.json");
        try (RunningRouter first = RunningRouter.startReady(config(backup))) {
            await().atMost(Duration.ofSeconds(4))
                    .untilAsserted(
                            () -> assertThat(first.get("acme", "/").body()).isEqualTo("served by new"));
        }
        assertThat(backup).content().contains("\"acme\"");
        unleash.stop();
    }

    @AfterAll
    static void startUnleashAgain() {
        try {
            if (unleash != null) {
                unleash.start();
            }
            if (flag != null) {
                flag.close();
            }
        } finally {
            if (backends != null) {
                backends.close();
            }
        }
    }

    private static Map<String, String> config(Path backupFile) {
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(unleash.routerConfig(flag, backupFile));
        return config;
    }

    @Test
    void routesFromTheBackupItsLastRunSaved() {
        try (RunningRouter router = RunningRouter.startReady(config(backup))) {
            assertThat(router.get("acme", "/").body()).isEqualTo("served by new");
            assertThat(router.get("umbrella", "/").body()).isEqualTo("served by legacy");
            assertThat(router.admin("/routing/tenants/acme").body())
                    .contains("\"backend\":\"new\"", "\"origin\":\"backup\"");
        }
    }

    @Test
    void answers503RoutingUnknownWithNeitherBackupNorBootstrap() {
        try (RunningRouter router = RunningRouter.start(config(dir.resolve("no-backup-yet.json")))) {
            HttpResponse<String> response = router.get("acme", "/");

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("X-Ferry-Error")).hasValue("routing_unknown");
            assertThat(router.admin("/health/ready").statusCode()).isEqualTo(503);
            assertThat(router.admin("/routing/tenants/acme").body()).contains("\"reason\":\"routing_unknown\"");
        }
    }

    @Test
    void routesFromTheBootstrapFileWhenThereIsNoBackup() throws IOException {
        // Unlike the server's last state, globex is on new and acme is not: routing must follow this file.
        Path bootstrap = dir.resolve("bootstrap.json");
        Files.writeString(
                bootstrap,
                """
                {"version": 2, "features": [{"name": "%s", "enabled": true, "strategies": [{
                  "name": "flexibleRollout",
                  "constraints": [{"contextName": "tenantId", "operator": "IN", "values": ["globex"]}],
                  "parameters": {"rollout": "100", "stickiness": "tenantId", "groupId": "%1$s"}}]}]}
                """
                        .formatted(flag.name()),
                StandardCharsets.UTF_8);
        Map<String, String> config = config(dir.resolve("bootstrap-run-backup.json"));
        config.put("flags.unleash.bootstrap-file", bootstrap.toString());

        try (RunningRouter router = RunningRouter.startReady(config)) {
            assertThat(router.get("globex", "/").body()).isEqualTo("served by new");
            assertThat(router.get("acme", "/").body()).isEqualTo("served by legacy");
            assertThat(router.admin("/routing/tenants/globex").body()).contains("\"origin\":\"bootstrap\"");
        }
    }
}
