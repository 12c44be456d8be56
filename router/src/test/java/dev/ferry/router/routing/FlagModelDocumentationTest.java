package dev.ferry.router.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.config.FlagsConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.metrics.RouterMeters;
import dev.ferry.router.routing.RoutingDecision.Reason;
import dev.ferry.router.tenant.TenantId;
import dev.ferry.router.testing.FlagDocuments;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worked example of docs/flag-model.md, taken from the document itself, answers as its table says. */
class FlagModelDocumentationTest {
    @TempDir
    Path dir;

    private UnleashRoutingPolicy policy;

    @AfterEach
    void close() {
        if (policy != null) {
            policy.close();
        }
    }

    private static String workedExample() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "flag-model.md"), StandardCharsets.UTF_8);
        int example = doc.indexOf("## Worked example");
        int start = doc.indexOf("```json", example) + "```json".length();
        int end = doc.indexOf("```", start);
        // The example's wave starts on 1 December; here that time has passed.
        return doc.substring(start, end).replace("2026-12-01T02:00:00.000Z", "2020-12-01T02:00:00.000Z");
    }

    @Test
    void answersEachTenantAsTheWorkedExampleSays() throws Exception {
        start(workedExample());

        assertThat(decide("acme")).isEqualTo(decision("acme", Backend.NEW, Reason.WAVE, "pilot"));
        assertThat(decide("initech")).isEqualTo(decision("initech", Backend.LEGACY, Reason.MOVED_BACK, "moved-back"));
        assertThat(decide("umbrella")).isEqualTo(decision("umbrella", Backend.LEGACY, Reason.PINNED, "pinned"));
        long inWave = IntStream.range(0, 1000)
                .mapToObj(i -> decide("tenant-" + i))
                .filter(d -> "wave-1".equals(d.rule()))
                .count();
        assertThat(inWave).isBetween(60L, 140L);
        assertThat(IntStream.range(0, 1000).mapToObj(i -> decide("tenant-" + i)))
                .allMatch(d -> d.reason() == Reason.WAVE || d.reason() == Reason.FLAG_OFF);
    }

    @Test
    void holdsGlobexOnNewWhenAHandEditDropsItFromThePilot() throws Exception {
        String example = workedExample();
        start(example);
        assertThat(decide("globex").backend()).isEqualTo(Backend.NEW);

        write(example.replace("[\"acme\", \"globex\", \"initech\"]", "[\"acme\", \"initech\"]"));

        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(decide("globex"))
                .extracting(RoutingDecision::backend, RoutingDecision::reason)
                .containsExactly(Backend.NEW, Reason.FLIP_BACK_REFUSED));
    }

    private RoutingDecision decide(String tenant) {
        return policy.decide(new TenantId(tenant));
    }

    private static RoutingDecision decision(String tenant, Backend backend, Reason reason, String rule) {
        return new RoutingDecision(new TenantId(tenant), backend, reason, rule);
    }

    private void start(String document) throws Exception {
        write(document);
        policy = new UnleashRoutingPolicy(
                new FlagsConfig(
                        FlagDocuments.FLAG,
                        FlagsConfig.Source.FILE,
                        Optional.of(dir.resolve("flags.json")),
                        Optional.empty(),
                        10_000,
                        dir.resolve("held.json")),
                new RouterMeters(new SimpleMeterRegistry()),
                Clock.systemUTC());
        await().atMost(Duration.ofSeconds(3)).until(policy::routable);
    }

    private void write(String json) throws Exception {
        Path next = Files.writeString(dir.resolve("flags.json.next"), json);
        Files.move(
                next, dir.resolve("flags.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
