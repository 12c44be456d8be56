package dev.ferry.router.routing;

import static dev.ferry.router.testing.FlagDocuments.tenantsOnNew;
import static dev.ferry.router.testing.FlagDocuments.withoutRoutingFlag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.config.FlagsConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.metrics.RouterMeters;
import dev.ferry.router.routing.RoutingDecision.Reason;
import dev.ferry.router.tenant.TenantId;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The real SDK reading a real flags file: the file source polls it every second. */
class UnleashRoutingPolicyTest {
    /** One poll of the file (1 s) plus room for a busy machine. */
    private static final Duration ONE_POLL = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Path file;
    private UnleashRoutingPolicy policy;

    @AfterEach
    void close() {
        if (policy != null) {
            policy.close();
        }
    }

    @ParameterizedTest(name = "{0} goes to {1}")
    @CsvSource({"acme, NEW, FLAG_ON", "initech, NEW, FLAG_ON", "globex, LEGACY, FLAG_OFF", "ACME, LEGACY, FLAG_OFF"})
    void routesATenantInTheListToNewAndAnyOtherToLegacy(String tenant, Backend backend, Reason reason) {
        startRoutable(tenantsOnNew("acme", "initech"));

        assertThat(policy.decide(new TenantId(tenant)))
                .isEqualTo(new RoutingDecision(new TenantId(tenant), backend, reason));
    }

    @Test
    void movesATenantSoonAfterTheFileChanges() {
        startRoutable(tenantsOnNew("acme"));
        assertThat(policy.decide(new TenantId("globex")).backend()).isEqualTo(Backend.LEGACY);

        write(tenantsOnNew("acme", "globex"));

        await().atMost(ONE_POLL).untilAsserted(() -> assertThat(
                        policy.decide(new TenantId("globex")).backend())
                .isEqualTo(Backend.NEW));
        assertThat(policy.decide(new TenantId("acme")).backend()).isEqualTo(Backend.NEW);
    }

    @Test
    void exportsTheRevisionAndRoutingTableInForceAndReplacesThemWhenTheRoutingFlagChanges() {
        startRoutable(tenantsOnNew("acme"));
        UnleashRoutingPolicy.Status first = policy.status();
        assertThat(first.routingTable()).hasSize(12).isHexadecimal();
        assertThat(stateInfo()).containsExactly(first.revision() + "/" + first.routingTable());

        write(tenantsOnNew("acme", "globex"));

        await().atMost(ONE_POLL).until(() -> !policy.status().revision().equals(first.revision()));
        UnleashRoutingPolicy.Status second = policy.status();
        assertThat(second.routingTable()).isNotEqualTo(first.routingTable());
        assertThat(stateInfo())
                .as("one series, the state in force")
                .containsExactly(second.revision() + "/" + second.routingTable());
    }

    /** The {@code ferry.flags.state} series as revision/routing_table. */
    private List<String> stateInfo() {
        return registry.find(RouterMeters.FLAGS_STATE).gauges().stream()
                .filter(g -> g.value() == 1.0)
                .map(g -> g.getId().getTag(RouterMeters.TAG_REVISION) + "/"
                        + g.getId().getTag(RouterMeters.TAG_ROUTING_TABLE))
                .toList();
    }

    @Test
    void keepsTheLastGoodStateAndCountsTheRejectionWhenTheFileBecomesInvalid() {
        startRoutable(tenantsOnNew("acme"));

        write(tenantsOnNew("globex").replace("\"version\":2,", ""));

        await().atMost(ONE_POLL).until(() -> rejected("invalid") == 1.0);
        assertThat(policy.routable()).isTrue();
        assertThat(policy.decide(new TenantId("acme")).backend()).isEqualTo(Backend.NEW);
        assertThat(policy.decide(new TenantId("globex")).backend()).isEqualTo(Backend.LEGACY);
    }

    @Test
    void refusesToRouteWhileTheFileLacksTheRoutingFlag() {
        start(withoutRoutingFlag());

        await().atMost(ONE_POLL).until(() -> policy.status().loaded());
        assertThat(policy.routable()).isFalse();
        assertThat(registry.get(RouterMeters.FLAGS_LOADED).gauge().value()).isZero();
        assertThatThrownBy(() -> policy.decide(new TenantId("acme")))
                .isInstanceOfSatisfying(
                        ProxyException.class, e -> assertThat(e.failure()).isEqualTo(ProxyFailure.ROUTING_UNKNOWN))
                .hasMessage("the flag state (file, revision " + ClientFeatures.revision(withoutRoutingFlag())
                        + ") has no flag 'route-tenant-to-new' (expected: the flag named by flags.flag-name; create it,"
                        + " disabled, to keep every tenant on legacy)");
    }

    @Test
    void staysUnroutableUntilAMissingFileAppears() {
        file = dir.resolve("flags.json");
        RouterMeters meters = new RouterMeters(registry);
        policy = new UnleashRoutingPolicy(config(), meters, Clock.systemUTC());
        meters.bindRouting(policy);

        assertThat(policy.routable()).isFalse();
        assertThat(policy.status().loaded()).isFalse();
        assertThat(rejected("missing")).isEqualTo(1.0);
        assertThatThrownBy(() -> policy.decide(new TenantId("acme")))
                .isInstanceOfSatisfying(
                        ProxyException.class, e -> assertThat(e.failure()).isEqualTo(ProxyFailure.ROUTING_UNKNOWN))
                .hasMessage("no flag state has been loaded yet (from flags file " + file
                        + "); Ferry does not guess a backend until it knows where tenants live");

        write(tenantsOnNew("acme"));

        await().atMost(ONE_POLL).until(policy::routable);
        assertThat(policy.decide(new TenantId("acme")).backend()).isEqualTo(Backend.NEW);
    }

    @Test
    void answersARepeatedTenantFromTheCache() {
        startRoutable(tenantsOnNew("acme"));

        policy.decide(new TenantId("acme"));
        policy.decide(new TenantId("acme"));

        assertThat(cacheLookups("miss")).isEqualTo(1.0);
        assertThat(cacheLookups("hit")).isEqualTo(1.0);
        assertThat(registry.get(RouterMeters.DECISIONS)
                        .tags(RouterMeters.TAG_BACKEND, "new", RouterMeters.TAG_REASON, "flag_on")
                        .counter()
                        .count())
                .isEqualTo(2.0);
    }

    @Test
    void explainsADecisionWithoutCountingIt() {
        startRoutable(tenantsOnNew("acme"));

        UnleashRoutingPolicy.Explanation explanation = policy.explain(new TenantId("acme"));

        assertThat(explanation.decision())
                .isEqualTo(new RoutingDecision(new TenantId("acme"), Backend.NEW, Reason.FLAG_ON));
        assertThat(explanation.unknownBecause()).isNull();
        assertThat(explanation.flagState().origin()).isEqualTo("file");
        assertThat(cacheLookups("miss") + cacheLookups("hit")).isZero();
    }

    @Test
    void keepsTenantIdsOutOfEveryMeter() {
        startRoutable(tenantsOnNew("tenant-on-new"));

        policy.decide(new TenantId("tenant-on-new"));
        policy.decide(new TenantId("tenant-on-legacy"));
        policy.explain(new TenantId("tenant-explained"));

        assertThat(registry.getMeters())
                .isNotEmpty()
                .allSatisfy(meter -> assertThat(meter.getId().toString()).doesNotContain("tenant-"));
    }

    private void start(String json) {
        file = dir.resolve("flags.json");
        write(json);
        RouterMeters meters = new RouterMeters(registry);
        policy = new UnleashRoutingPolicy(config(), meters, Clock.systemUTC());
        meters.bindRouting(policy);
    }

    private void startRoutable(String json) {
        start(json);
        await().atMost(ONE_POLL).until(policy::routable);
    }

    private FlagsConfig config() {
        return new FlagsConfig(
                "route-tenant-to-new",
                FlagsConfig.Source.FILE,
                Optional.of(file),
                Optional.empty(),
                1000,
                dir.resolve("held-tenants.json"));
    }

    /** Replaces the file in one step, so that a poll never reads it half written. */
    private void write(String json) {
        try {
            Path next = Files.writeString(dir.resolve("flags.json.next"), json);
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private double rejected(String reason) {
        var counter = registry.find(RouterMeters.FLAGS_REJECTED)
                .tag(RouterMeters.TAG_REASON, reason)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private double cacheLookups(String result) {
        return registry.get(RouterMeters.CACHE_LOOKUPS)
                .tag(RouterMeters.TAG_RESULT, result)
                .counter()
                .count();
    }
}
