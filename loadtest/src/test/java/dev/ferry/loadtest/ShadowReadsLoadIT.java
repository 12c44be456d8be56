package dev.ferry.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seconds-long run of {@link ShadowReadsSimulation} against the packaged demo router with a small shadow budget
 * (20 a second) that the shadowed half of the traffic (50 a second) exceeds, so that the budget is at work. Behaviour
 * only: what was shadowed, judged and dropped; the timing figures are for the benchmark (docs/shadow.md).
 */
@Timeout(120)
class ShadowReadsLoadIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_RATE = 20;

    @TempDir
    static Path dir;

    private static DemoRouter router;

    @BeforeAll
    static void startTheDemoRouterWithASmallShadowBudget() throws IOException, InterruptedException {
        router = DemoRouter.start(dir, Map.of("shadow.max-rate", String.valueOf(MAX_RATE)));
    }

    @AfterAll
    static void stopTheDemoRouter() {
        if (router != null) {
            router.close();
        }
    }

    @Test
    void shadowsOnlyTheShadowedHalfWithinTheRateBudgetAndEveryRequestSucceeds() throws IOException {
        Path report = dir.resolve("shadow-reads.json");
        Map<String, String> properties = new HashMap<>();
        properties.put("ferry.baseUrl", router.baseUrl());
        properties.put("ferry.adminUrl", router.adminUrl());
        properties.put("ferry.flagsFile", router.flagsFile().toString());
        properties.put("rate", "100");
        properties.put("ramp", "1");
        properties.put("duration", "4");
        properties.put("tenants", "3");
        properties.put("shadow.maxRate", String.valueOf(MAX_RATE));
        properties.put("shadow.report", report.toString());
        properties.put("p99Millis", "2000"); // no timing assertion here: only an upper limit a busy machine keeps

        GatlingRun run = GatlingRun.of(ShadowReadsSimulation.class, properties);

        assertThat(report).as("the simulation's report").isRegularFile();
        JsonNode figures = JSON.readTree(report.toFile());
        assertThat(run.exitCode()).as(figures.toPrettyString()).isZero();
        assertThat(figures.path("passed").asBoolean())
                .as(figures.toPrettyString())
                .isTrue();
        JsonNode shadow = figures.path("shadow");
        long offered = shadow.path("offered").asLong();
        long judged = shadow.path("judged").asLong();
        long dropped = 0;
        for (JsonNode count : shadow.path("dropped")) {
            dropped += count.asLong();
        }
        assertThat(shadow.path("failedShadowedRequests").asLong()).isZero();
        assertThat(offered).as("shadowed requests sent").isGreaterThan(150);
        JsonNode timed = figures.path("groups").path(ShadowReadsSimulation.SHADOWED);
        assertThat(timed.path("requests").asLong())
                .as("shadowed requests timed (those sent after the ramp)")
                .isPositive()
                .isLessThan(offered);
        assertThat(judged).as("judged").isPositive();
        // the demo's backends differ only in a field its rules ignore and in a requestId, learned to be noise
        assertThat(shadow.path("verdicts").path("different").asLong()).isZero();
        JsonNode verdicts = shadow.path("verdicts");
        assertThat(verdicts.path("match").asLong() + verdicts.path("noise").asLong())
                .as("verdicts %s", verdicts)
                .isEqualTo(judged);
        assertThat(shadow.path("dropped").path("rate").asLong())
                .as("dropped past the budget")
                .isPositive();
        assertThat(judged + dropped)
                .as("judged + dropped, of %d offered", offered)
                .isLessThanOrEqualTo(offered);
        assertThat(judged)
                .as("judged, within %d a second", MAX_RATE)
                .isLessThanOrEqualTo(
                        (long) MAX_RATE * shadow.path("shadowedTrafficSeconds").asLong() + MAX_RATE);
        assertThat(shadow.path("queuedSeenMax").asLong()).isLessThanOrEqualTo(256);
        assertThat(shadow.path("metricSamples").asLong()).isPositive();
        assertThat(router.log()).doesNotContain(" ERROR ").doesNotContain("Shadow read failed");
    }
}
