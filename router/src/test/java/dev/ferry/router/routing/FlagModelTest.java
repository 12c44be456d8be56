package dev.ferry.router.routing;

import static dev.ferry.router.testing.FlagRules.flag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.config.FlagsConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.metrics.RouterMeters;
import dev.ferry.router.routing.RoutingDecision.Reason;
import dev.ferry.router.tenant.TenantId;
import dev.ferry.router.testing.FlagDocuments;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The migration flag model of docs/flag-model.md, through the real SDK reading a real flags file. */
class FlagModelTest {
    private static final Duration ONE_POLL = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private UnleashRoutingPolicy policy;

    @AfterEach
    void close() {
        if (policy != null) {
            policy.close();
        }
    }

    @Test
    void sendsListedTenantsToNewNamingTheRule() {
        start(flag().list("pilot", "acme", "globex").document());

        assertThat(decide("acme")).isEqualTo(decision("acme", Backend.NEW, Reason.WAVE, "pilot"));
        assertThat(decide("initech")).isEqualTo(decision("initech", Backend.LEGACY, Reason.FLAG_OFF, null));
    }

    @Test
    void keepsPinnedTenantsOnLegacyWhateverTheWavesSay() {
        start(flag().pinned("umbrella").percent("everyone", 100).document());

        assertThat(decide("umbrella")).isEqualTo(decision("umbrella", Backend.LEGACY, Reason.PINNED, "pinned"));
        assertThat(decide("acme").backend()).isEqualTo(Backend.NEW);
    }

    @Test
    void raisingAWaveOnlyAddsTenantsWhileItsGroupIdStaysTheSame() {
        start(flag().percent("wave-1", 30).document());
        Set<String> at30 = onNew(1000);

        write(flag().percent("wave-1", 60).document());
        await().atMost(ONE_POLL).until(() -> onNew(1000).size() > at30.size());

        Set<String> at60 = onNew(1000);
        assertThat(at60).containsAll(at30);
        assertThat(at30.size()).isBetween(230, 370);
        assertThat(at60.size()).isBetween(530, 670);
    }

    @Test
    void refusesToSendATenantBackToLegacyWithoutTheDeliberateMarker() {
        start(flag().list("pilot", "acme", "globex").document());
        assertThat(decide("acme").backend()).isEqualTo(Backend.NEW);

        write(flag().list("pilot", "globex").document());

        await().atMost(ONE_POLL)
                .untilAsserted(() -> assertThat(decide("acme").reason()).isEqualTo(Reason.FLIP_BACK_REFUSED));
        assertThat(decide("acme").backend()).isEqualTo(Backend.NEW);
        assertThat(registry.get("ferry.routing.flip.backs.refused").counter().count())
                .isEqualTo(1.0);
        assertThat(registry.get("ferry.routing.held.tenants").gauge().value()).isEqualTo(1.0);
        await().atMost(ONE_POLL).untilAsserted(() -> assertThat(Files.readString(dir.resolve("held-tenants.json")))
                .contains("\"acme\""));
    }

    @Test
    void keepsHoldingATenantAcrossARestart() {
        start(flag().list("pilot", "acme").document());
        decide("acme");
        write(flag().list("pilot", "globex").document());
        await().atMost(ONE_POLL).until(() -> decide("acme").reason() == Reason.FLIP_BACK_REFUSED);
        await().atMost(ONE_POLL).until(() -> Files.exists(dir.resolve("held-tenants.json")));
        policy.close();

        policy = new UnleashRoutingPolicy(config(), new RouterMeters(new SimpleMeterRegistry()), Clock.systemUTC());
        await().atMost(ONE_POLL).until(policy::routable);

        assertThat(decide("acme").backend()).isEqualTo(Backend.NEW);
        assertThat(decide("acme").reason()).isEqualTo(Reason.FLIP_BACK_REFUSED);
    }

    @Test
    void movesATenantBackWhenTheMoveIsMarkedDeliberateAndReleasesTheHold() {
        start(flag().list("pilot", "acme").document());
        decide("acme");
        write(flag().list("pilot").document());
        await().atMost(ONE_POLL).until(() -> decide("acme").reason() == Reason.FLIP_BACK_REFUSED);

        write(flag().movedBack("acme").list("pilot").document());

        await().atMost(ONE_POLL).untilAsserted(() -> assertThat(decide("acme"))
                .isEqualTo(decision("acme", Backend.LEGACY, Reason.MOVED_BACK, "moved-back")));
        assertThat(registry.get("ferry.routing.held.tenants").gauge().value()).isZero();
    }

    @Test
    void switchesAScheduledWaveAtItsTimeWithoutANewFlagState() {
        Instant soon = Instant.now().plusSeconds(2);
        start(flag().percentFrom("night-wave", 100, soon).document());

        assertThat(decide("acme").backend()).isEqualTo(Backend.LEGACY);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(decide("acme"))
                .isEqualTo(decision("acme", Backend.NEW, Reason.WAVE, "night-wave")
                        .withMove(new RoutingDecision.Move(soon.toEpochMilli(), Backend.NEW, "night-wave"))));
    }

    @Test
    void refusesAFlagStateWhoseRulePayloadIsNotARule() {
        start(flag().list("pilot", "acme").document());

        write(flag().rawPayload("oops", "{\"backend\":\"blue\"}", "globex").document());

        await().atMost(ONE_POLL)
                .until(() -> registry.find("ferry.flags.rejected").counter() != null);
        assertThat(decide("acme").backend()).isEqualTo(Backend.NEW);
        assertThat(decide("globex").backend()).isEqualTo(Backend.LEGACY);
    }

    @Test
    void stillRefusesAFlipBackWhenAnUnrelatedFlagChangedInBetween() {
        start(flag().list("pilot", "acme", "globex").withOtherFlag(false).document());
        assertThat(decide("globex").backend()).isEqualTo(Backend.NEW);

        write(flag().list("pilot", "globex").withOtherFlag(false).document());
        await().atMost(ONE_POLL).until(() -> applied() == 2.0);
        write(flag().list("pilot", "globex").withOtherFlag(true).document());
        Instant written = Instant.now();
        await().atMost(ONE_POLL).until(() -> {
            Double age = policy.status().ageSeconds();
            return age != null && Instant.now().minusMillis((long) (age * 1000)).isAfter(written);
        });

        assertThat(applied())
                .as("a change of another flag is no new routing state")
                .isEqualTo(2.0);

        assertThat(decide("acme"))
                .extracting(RoutingDecision::backend, RoutingDecision::reason)
                .containsExactly(Backend.NEW, Reason.FLIP_BACK_REFUSED);
    }

    @Test
    void showsAScheduledMoveAsPendingWithItsTimeUntilItHappens() {
        java.time.Instant at = java.time.Instant.now()
                .plus(java.time.Duration.ofHours(1))
                .truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        start(flag().list("pilot", "globex").percentFrom("cutover", 100, at).document());

        UnleashRoutingPolicy.Explanation acme = policy.explain(new TenantId("acme"));
        UnleashRoutingPolicy.Explanation globex = policy.explain(new TenantId("globex"));

        assertThat(acme.decision().backend()).as("until the switch time").isEqualTo(Backend.LEGACY);
        assertThat(acme.pending()).isEqualTo(new UnleashRoutingPolicy.Pending(Backend.NEW, at, "cutover"));
        assertThat(globex.decision().backend()).isEqualTo(Backend.NEW);
        assertThat(globex.pending()).as("already on new: nothing pending").isNull();
        assertThat(registry.get(RouterMeters.FLAGS_NEXT_SWITCH).gauge().value()).isEqualTo(at.toEpochMilli() / 1000.0);
    }

    @Test
    void countsATenantsLegacyRequestsUnderTheScheduledWaveThatMovesItAndItsNewOnesUnderTheRuleThatSentIt() {
        Instant at = Instant.now().plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        start(flag().pinned("umbrella")
                .list("pilot", "globex")
                .listFrom("wave-3", at, "acme")
                .document());

        decide("acme");
        decide("globex");
        decide("umbrella");
        decide("initech");

        assertThat(decisions("legacy", "flag_off", "wave-3"))
                .as("acme, until wave-3 starts")
                .isEqualTo(1);
        assertThat(decisions("new", "wave", "pilot")).isEqualTo(1);
        assertThat(decisions("legacy", "pinned", "pinned")).isEqualTo(1);
        assertThat(decisions("legacy", "flag_off", "none"))
                .as("initech: no rule")
                .isEqualTo(1);
    }

    @Test
    void exportsWhatEachRuleIntendsTenantsListedAndRolloutCountingAScheduledRuleFromItsStart() {
        Instant at = Instant.now().plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        start(flag().pinned("umbrella")
                .list("pilot", "globex", "acme")
                .percent("wave-1", 10)
                .listFrom("wave-3", at, "initech")
                .document());

        assertThat(intent(RouterMeters.FLAGS_RULE_TENANTS, "pilot", "new")).isEqualTo(2);
        assertThat(intent(RouterMeters.FLAGS_RULE_ROLLOUT, "pilot", "new")).isEqualTo(1.0);
        assertThat(intent(RouterMeters.FLAGS_RULE_TENANTS, "pinned", "legacy")).isEqualTo(1);
        assertThat(intent(RouterMeters.FLAGS_RULE_TENANTS, "wave-1", "new")).isZero();
        assertThat(intent(RouterMeters.FLAGS_RULE_ROLLOUT, "wave-1", "new")).isEqualTo(0.1);
        assertThat(intent(RouterMeters.FLAGS_RULE_TENANTS, "wave-3", "new"))
                .as("not yet started")
                .isZero();

        write(flag().list("pilot", "globex").document());
        await().atMost(ONE_POLL).untilAsserted(() -> assertThat(
                        registry.find(RouterMeters.FLAGS_RULE_TENANTS).gauges())
                .as("the rules of the state in force only")
                .hasSize(1));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(
            delimiter = '|',
            value = {
                "a strategy that does not decide by tenant | {\"name\":\"userWithId\",\"parameters\":{\"userIds\":\"acme\"}}"
                        + " | is 'userWithId' (expected: flexibleRollout or default",
                "a wave without tenant stickiness | {\"name\":\"flexibleRollout\",\"parameters\":{\"rollout\":\"50\","
                        + "\"stickiness\":\"default\",\"groupId\":\"w\"}} | rolls out 50 % with stickiness 'default'",
                "a pin that starts at a time | {\"name\":\"flexibleRollout\",\"parameters\":{\"rollout\":\"100\"},"
                        + "\"constraints\":[{\"contextName\":\"currentTime\",\"operator\":\"DATE_AFTER\","
                        + "\"value\":\"2030-01-01T00:00:00.000Z\"}],\"variants\":[{\"name\":\"pin\",\"weight\":1000,"
                        + "\"payload\":{\"type\":\"json\",\"value\":\"{\\\"backend\\\":\\\"legacy\\\"}\"}}]}"
                        + " | keeps tenants on legacy from or until a time",
            })
    void refusesRulesThatCouldSendATenantToBothSidesOrBackSilently(String what, String strategy, String problem) {
        java.util.List<String> problems =
                ClientFeatures.problems(flag().rawStrategy(strategy).document(), FlagDocuments.FLAG);

        assertThat(problems).anySatisfy(p -> assertThat(p).contains(problem));
    }

    private double decisions(String backend, String reason, String rule) {
        return registry.get(RouterMeters.DECISIONS)
                .tags("backend", backend, "reason", reason, "rule", rule)
                .counter()
                .count();
    }

    private double intent(String name, String rule, String backend) {
        return registry.get(name).tags("rule", rule, "backend", backend).gauge().value();
    }

    private double applied() {
        return registry.get("ferry.flags.applied").counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    private Set<String> onNew(int tenants) {
        Set<String> out = new HashSet<>();
        IntStream.range(0, tenants).mapToObj(i -> "tenant-" + i).forEach(t -> {
            if (decide(t).backend() == Backend.NEW) {
                out.add(t);
            }
        });
        return out;
    }

    private RoutingDecision decide(String tenant) {
        return policy.decide(new TenantId(tenant));
    }

    private static RoutingDecision decision(String tenant, Backend backend, Reason reason, String rule) {
        return new RoutingDecision(new TenantId(tenant), backend, reason, rule);
    }

    private void start(String document) {
        write(document);
        RouterMeters meters = new RouterMeters(registry);
        policy = new UnleashRoutingPolicy(config(), meters, Clock.systemUTC());
        meters.bindRouting(policy);
        await().atMost(ONE_POLL).until(policy::routable);
    }

    private FlagsConfig config() {
        return new FlagsConfig(
                FlagDocuments.FLAG,
                FlagsConfig.Source.FILE,
                Optional.of(dir.resolve("flags.json")),
                Optional.empty(),
                10_000,
                dir.resolve("held-tenants.json"));
    }

    private void write(String json) {
        try {
            Path next = Files.writeString(dir.resolve("flags.json.next"), json);
            Files.move(
                    next,
                    dir.resolve("flags.json"),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
