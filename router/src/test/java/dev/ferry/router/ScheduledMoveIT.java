package dev.ferry.router;

import static dev.ferry.router.testing.FlagRules.flag;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.ClientProtocol;
import dev.ferry.router.testing.FlagsFile;
import dev.ferry.router.testing.RunningRouter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A move scheduled for later: requests stay where they are, and the admin port says what is to come and when. */
class ScheduledMoveIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ClientProtocol.class)
    void servesFromLegacyUntilTheScheduledTimeAndShowsTheMoveAsPending(ClientProtocol protocol) throws Exception {
        Instant at = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
        FlagsFile flags =
                new FlagsFile(dir).write(flag().percentFrom("cutover", 100, at).document());
        try (Backends backends = new Backends()) {
            Map<String, String> config = new HashMap<>(backends.config());
            config.putAll(flags.config());
            try (RunningRouter router = RunningRouter.startReady(config)) {
                assertThat(router.get(protocol, "acme", "/orders").body()).isEqualTo("served by legacy");
                router.assertServedBy(protocol);

                JsonNode tenant =
                        JSON.readTree(router.admin("/routing/tenants/acme").body());
                assertThat(tenant.path("backend").asText()).isEqualTo("legacy");
                assertThat(tenant.path("pending").path("backend").asText()).isEqualTo("new");
                assertThat(Instant.parse(tenant.path("pending").path("at").asText()))
                        .isEqualTo(at);
                assertThat(tenant.path("pending").path("rule").asText()).isEqualTo("cutover");
                java.util.regex.Matcher next = java.util.regex.Pattern.compile(
                                "(?m)^ferry_flags_next_switch_seconds (\\S+)$")
                        .matcher(router.metrics());
                assertThat(next.find())
                        .as("ferry_flags_next_switch_seconds in /metrics")
                        .isTrue();
                assertThat(Double.parseDouble(next.group(1))).isEqualTo(at.toEpochMilli() / 1000.0);
            }
        }
    }
}
