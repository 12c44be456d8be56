package dev.ferry.admin.unleash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.Change;
import dev.ferry.admin.tenants.ConflictException;
import dev.ferry.admin.tenants.Migration;
import dev.ferry.admin.tenants.MigrationStore;
import dev.ferry.admin.tenants.MigrationStoreContract;
import dev.ferry.admin.tenants.Progress;
import dev.ferry.admin.tenants.Rule;
import dev.ferry.admin.tenants.StoreUnavailableException;
import dev.ferry.admin.tenants.Strategies;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The contract against the real Unleash server, and what only Unleash does: its playground, its tokens. */
class UnleashAdminStoreIT extends MigrationStoreContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Only two operators writing at the same moment need the settle; the others get it short. */
    static final Duration SETTLE = Duration.ofMillis(50);

    private final RunningUnleash unleash = RunningUnleash.running();
    private final List<String> flags = new ArrayList<>();
    private String flag;

    @Override
    protected MigrationStore newStore() {
        flag = unleash.createFlag("store");
        flags.add(flag);
        flags.add(shadowFlag());
        return anotherOperatorsStore();
    }

    @Override
    protected MigrationStore anotherOperatorsStore() {
        return new UnleashAdminStore(unleash.admin(), RunningUnleash.PROJECT, RunningUnleash.ENVIRONMENT, flag, SETTLE);
    }

    /** Two writers racing: the command line's settle, longer than two PATCHes racing on loopback take. */
    @Override
    protected MigrationStore racingStore() {
        return new UnleashAdminStore(unleash.admin(), RunningUnleash.PROJECT, RunningUnleash.ENVIRONMENT, flag);
    }

    @Override
    protected String flag() {
        return flag;
    }

    @AfterEach
    void archiveFlags() {
        flags.forEach(unleash::archive);
    }

    /**
     * The client API serves a new state on its next revision tick (a second): wait until it serves what the Admin
     * API holds, rule for rule.
     */
    @Override
    protected String servedDocument() {
        List<String> expected = rules(unleash.strategies(flag));
        String[] document = new String[1];
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    document[0] = unleash.clientDocument(flag);
                    return document[0] != null
                            && rules(JSON.readTree(document[0])
                                            .path("features")
                                            .path(0)
                                            .path("strategies"))
                                    .equals(expected);
                });
        return document[0];
    }

    @Override
    protected String servedDocument(String name, java.util.function.Predicate<String> current) {
        String[] document = new String[1];
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    document[0] = unleash.clientDocument(name);
                    return document[0] != null && current.test(document[0]);
                });
        return document[0];
    }

    private static List<String> rules(JsonNode strategies) {
        List<String> rules = new ArrayList<>();
        for (int i = 0; i < strategies.size(); i++) {
            Rule r = Strategies.read(strategies.get(i), i);
            rules.add(r.name() + r.backend() + r.tenants() + r.percent() + r.groupId() + r.startsAt() + r.stamp());
        }
        return rules;
    }

    @Test
    void evaluatesWavesAsTheServerDoes() {
        mover().apply(new Change.Pin(Set.of("tenant-00003")), JANE);
        mover().apply(new Change.Wave("wave-1", 30, null, null, Set.of()), JANE);
        mover().apply(new Change.Wave("wave-2", 60, "other-group", null, Set.of()), JANE);
        Migration migration = store.read().migration();

        List<String> disagreements = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String tenant = String.format("tenant-%05d", i);
            String ours = migration.place(tenant, Instant.now()).backend().tag() + ":"
                    + migration.place(tenant, Instant.now()).ruleName();
            String server = unleash.playground(flag, tenant);
            if (!ours.equals(server)) {
                disagreements.add(tenant + ": flags-admin " + ours + ", Unleash " + server);
            }
        }

        assertThat(disagreements).isEmpty();
    }

    @Test
    void refusesAPatchWhoseRuleChangedSinceItWasRead() {
        MigrationStore.Snapshot stale = store.read();
        mover().apply(new Change.MoveToNew(Set.of("initech"), "pilot", null), JOHN);
        MigrationStore.Snapshot fresh = store.read();
        Rule pilot = stale.migration().rule("pilot").orElseThrow();
        Set<String> tenants = new LinkedHashSet<>(pilot.tenants());
        tenants.add("acme");
        Migration next = stale.migration().withRules(List.of(pilot.withTenants(tenants)));

        // The digest is current, the rule is not: only the server's own "test" can tell
        assertThatThrownBy(() -> store.write(
                        new MigrationStore.Snapshot(stale.migration(), fresh.digest()), next, null, Progress.none()))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("rule pilot changed since it was read")
                .hasMessageContaining("nothing was written");
        assertThat(store.read().migration().rule("pilot").orElseThrow().tenants())
                .containsExactly("globex", "initech");
    }

    @Test
    void saysWhenUnleashRefusesTheToken() {
        MigrationStore wrong = new UnleashAdminStore(
                new AdminApi(unleash.base(), "*:*.not-a-token"),
                RunningUnleash.PROJECT,
                RunningUnleash.ENVIRONMENT,
                flag);

        assertThatThrownBy(wrong::read)
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("refused the token (401 Unauthorized");
    }

    @Test
    void saysWhenUnleashIsUnreachable() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        MigrationStore nowhere = new UnleashAdminStore(
                new AdminApi(URI.create("http://127.0.0.1:" + closed), RunningUnleash.ADMIN_TOKEN),
                RunningUnleash.PROJECT,
                RunningUnleash.ENVIRONMENT,
                flag);

        assertThatThrownBy(nowhere::read)
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("is not reachable");
    }

    @Test
    void namesAFlagThatDoesNotExist() {
        MigrationStore missing = new UnleashAdminStore(
                unleash.admin(), RunningUnleash.PROJECT, RunningUnleash.ENVIRONMENT, flag + "-missing");

        assertThatThrownBy(missing::read)
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("does not exist in project default");
    }
}
