package dev.ferry.admin.setup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.admin.tenants.Rule;
import dev.ferry.admin.tenants.Strategies;
import dev.ferry.router.routing.ClientFeatures;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Doctor's check of the flag's shape gives the router's verdict ({@code ClientFeatures.problems}) on each rule. */
class FlagShapeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAYLOAD = "\"variants\": [{\"name\": \"r\", \"weight\": 1000, \"weightType\": \"fix\","
            + " \"stickiness\": \"tenantId\", \"payload\": {\"type\": \"json\", \"value\": \"%s\"}}]";

    @ParameterizedTest
    @MethodSource("refused")
    void namesARuleTheRouterRefuses(String strategy) throws Exception {
        JsonNode s = JSON.readTree(strategy);

        assertThat(routerProblems(s)).isNotEmpty();
        assertThat(FlagShape.problems("f", "development", true, List.of(s))).isNotEmpty();
    }

    @ParameterizedTest
    @MethodSource("accepted")
    void acceptsARuleTheRouterRoutesFrom(String strategy) throws Exception {
        JsonNode s = JSON.readTree(strategy);

        assertThat(routerProblems(s)).isEmpty();
        assertThat(FlagShape.problems("f", "development", true, List.of(s))).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void acceptsTheRuleInitWritesAsTheRouterDoes() throws Exception {
        JsonNode first = Strategies.write(Rule.wave(Init.FIRST_RULE, 0, Init.FIRST_RULE, null));

        assertThat(routerProblems(first)).isEmpty();
        assertThat(FlagShape.problems("f", "development", true, List.of(first))).isEmpty();
    }

    private static final String PAYLOAD_NEW =
            PAYLOAD.formatted("{\\\"backend\\\":\\\"new\\\",\\\"rule\\\":\\\"r\\\"}") + "}";
    private static final String PAYLOAD_PIN =
            PAYLOAD.formatted("{\\\"backend\\\":\\\"legacy\\\",\\\"rule\\\":\\\"pinned\\\"}") + "}";
    private static final String PAYLOAD_BLUE =
            PAYLOAD.formatted("{\\\"backend\\\":\\\"blue\\\",\\\"rule\\\":\\\"r\\\"}") + "}";

    static java.util.stream.Stream<String> refused() {
        return java.util.stream.Stream.of(

                // the router refuses each of these
                "{\"name\": \"gradualRolloutUserId\", \"parameters\": {\"percentage\": \"10\"}}",
                "{\"name\": \"flexibleRollout\", \"parameters\": {\"rollout\": \"10\", \"stickiness\": \"default\","
                        + " \"groupId\": \"w\"}}",
                "{\"name\": \"flexibleRollout\", \"parameters\": {\"rollout\": \"10\", \"stickiness\": \"tenantId\"}}",
                "{\"name\": \"flexibleRollout\", \"parameters\": {\"rollout\": \"100\"}, " + PAYLOAD_BLUE,
                "{\"name\": \"flexibleRollout\", \"parameters\": {\"rollout\": \"100\"}, \"constraints\":"
                        + " [{\"contextName\": \"currentTime\", \"operator\": \"DATE_AFTER\", \"value\":"
                        + " \"2026-12-01T02:00:00.000Z\"}], "
                        + PAYLOAD_PIN,
                "{\"name\": \"flexibleRollout\", \"parameters\": {\"rollout\": \"100\"}, \"constraints\":"
                        + " [{\"contextName\": \"currentTime\", \"operator\": \"DATE_BEFORE\", \"value\":"
                        + " \"2026-12-01T02:00:00.000Z\"}], "
                        + PAYLOAD_NEW);
    }

    static java.util.stream.Stream<String> accepted() {
        return java.util.stream.Stream.of(
                "{\"name\": \"flexibleRollout\", \"parameters\": {\"rollout\": \"100\", \"stickiness\": \"tenantId\","
                        + " \"groupId\": \"pilot\"}, \"constraints\": [{\"contextName\": \"tenantId\", \"operator\":"
                        + " \"IN\", \"values\": [\"acme\"]}], "
                        + PAYLOAD_NEW,
                "{\"name\": \"flexibleRollout\", \"parameters\": {\"rollout\": \"10\", \"stickiness\": \"tenantId\","
                        + " \"groupId\": \"wave-1\"}, "
                        + PAYLOAD_NEW);
    }

    private static List<String> routerProblems(JsonNode strategy) {
        var document = JSON.createObjectNode().put("version", 2);
        document.putArray("features")
                .addObject()
                .put("name", "f")
                .put("enabled", true)
                .set("strategies", JSON.createArrayNode().add(strategy));
        return ClientFeatures.problems(document.toString(), "f");
    }
}
