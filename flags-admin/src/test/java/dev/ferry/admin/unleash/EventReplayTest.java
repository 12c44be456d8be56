package dev.ferry.admin.unleash;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.admin.tenants.StoreUnavailableException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Events Unleash should never log, named instead of crashing the history. */
class EventReplayTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void namesAStrategyEventWithoutItsStrategy() throws Exception {
        JsonNode event =
                JSON.readTree("{\"id\": 41, \"type\": \"feature-strategy-add\", \"environment\": \"development\","
                        + " \"createdAt\": \"2026-11-21T22:09:39.244Z\", \"data\": null}");

        assertThatThrownBy(() -> EventReplay.entries(List.of(event), "route-tenant-to-new", "development"))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("Unleash event 41 (feature-strategy-add) has no strategy in 'data'");
    }

    @Test
    void namesAnEventWithoutAValidTime() throws Exception {
        JsonNode event =
                JSON.readTree("{\"id\": 42, \"type\": \"feature-strategy-add\", \"environment\": \"development\","
                        + " \"createdAt\": \"yesterday\", \"data\": {\"id\": \"s1\", \"name\": \"flexibleRollout\","
                        + " \"parameters\": {\"rollout\": \"100\", \"stickiness\": \"tenantId\", \"groupId\": \"pilot\"},"
                        + " \"constraints\": []}}");

        assertThatThrownBy(() -> EventReplay.entries(List.of(event), "route-tenant-to-new", "development"))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("Unleash event 42 has createdAt 'yesterday' (expected: an ISO-8601 instant");
    }
}
