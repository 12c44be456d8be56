package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RunningRouter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several replicas on one flag source: each says which routing table it holds, in /metrics and in
 * /routing/tenants/{id}, so that a fleet can be seen to agree, and one that does not stands out.
 */
class FleetAgreementIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STATE_INFO =
            Pattern.compile("ferry_flags_state\\{revision=\"([^\"]+)\",routing_table=\"([0-9a-f]{12})\",?} 1\\.0");

    @TempDir
    Path dir;

    @Test
    void replicasOnOneSourceShowOneRoutingTableAndAReplicaBehindShowsItsOwn() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Path stale = Files.createDirectory(dir.resolve("stale"));
        FlagsFile flags = new FlagsFile(shared).tenantsOnNew("acme");
        FlagsFile behind = new FlagsFile(stale).tenantsOnNew("acme");
        try (Backends backends = new Backends()) {
            List<RunningRouter> fleet = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    fleet.add(RunningRouter.startReady(config(backends, flags)));
                }
                String before = agreedRoutingTable(fleet);

                flags.tenantsOnNew("acme", "globex");

                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(agreedRoutingTable(fleet))
                        .isNotEqualTo(before));
                String after = agreedRoutingTable(fleet);
                fleet.add(RunningRouter.startReady(config(backends, behind)));

                assertThat(routingTables(fleet))
                        .as("three on the new table, the one on the old document on its own")
                        .containsExactly(after, after, after, before);
            } finally {
                fleet.forEach(RunningRouter::close);
            }
        }
    }

    private static Map<String, String> config(Backends backends, FlagsFile flags) {
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(flags.config());
        return config;
    }

    /** The one routing table every replica holds; fails while they disagree. */
    private static String agreedRoutingTable(List<RunningRouter> fleet) throws Exception {
        List<String> tables = routingTables(fleet);
        assertThat(tables.stream().distinct().collect(Collectors.toList()))
                .as("routing tables across the fleet")
                .hasSize(1);
        return tables.get(0);
    }

    /** Each replica's routing table, from /metrics, checked against /routing/tenants/{id}. */
    private static List<String> routingTables(List<RunningRouter> fleet) throws Exception {
        List<String> tables = new ArrayList<>();
        for (RunningRouter router : fleet) {
            Matcher info = STATE_INFO.matcher(router.metrics());
            assertThat(info.find()).as("ferry_flags_state in /metrics").isTrue();
            String revision = info.group(1);
            String table = info.group(2);
            assertThat(info.find()).as("one series at a time").isFalse();
            JsonNode state =
                    JSON.readTree(router.admin("/routing/tenants/acme").body()).path("flagState");
            assertThat(state.path("routingTable").asText()).isEqualTo(table);
            assertThat(state.path("revision").asText()).isEqualTo(revision);
            JsonNode replica = JSON.readTree(router.admin("/routing/state").body());
            assertThat(replica.path("ready").asBoolean()).isTrue();
            assertThat(replica.path("flagState").path("routingTable").asText()).isEqualTo(table);
            assertThat(replica.path("flagState").path("revision").asText()).isEqualTo(revision);
            tables.add(table);
        }
        return tables;
    }
}
