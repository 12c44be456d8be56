package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.router.testing.Backends;
import dev.ferry.router.testing.RunningRouter;
import dev.ferry.router.unleash.UnleashServer;
import dev.ferry.router.unleash.UnleashServer.Flag;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router against the real Unleash server of {@code deploy/unleash/unleash.sh}: what an operator changes in Unleash
 * reaches routing, at the sizes Ferry is used with.
 */
class RealUnleashIT {
    /** Server revision tick (1 s, fixed in Unleash) + client poll (1 s) + the Admin API call, with room for a busy VM. */
    private static final Duration PROPAGATION_BOUND = Duration.ofSeconds(4);

    static UnleashServer unleash;
    static Backends backends;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        unleash = UnleashServer.running();
        backends = new Backends();
    }

    @AfterAll
    static void stop() {
        if (backends != null) {
            backends.close();
        }
    }

    private Map<String, String> config(Flag flag) {
        Map<String, String> config = new HashMap<>(backends.config());
        config.putAll(unleash.routerConfig(flag, dir.resolve("backup.json")));
        return config;
    }

    private static void awaitBackend(RunningRouter router, String tenant, String backend) {
        await().atMost(PROPAGATION_BOUND)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> assertThat(router.get(tenant, "/").body()).isEqualTo("served by " + backend));
    }

    @Test
    void movesATenantWithinTheRefreshIntervalPlusAboutASecondOfAddingItInUnleash() throws IOException {
        List<String> listed = new ArrayList<>(List.of("tenant-0"));
        try (Flag flag = unleash.createFlag("propagation")
                        .tenantsOnNew(listed)
                        .enable()
                        .visibleToClients();
                RunningRouter router = RunningRouter.startReady(config(flag))) {
            awaitBackend(router, "tenant-0", "new");
            List<Long> millis = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                String tenant = "tenant-" + i;
                // An operator's change lands anywhere in the poll cycle, not just after a poll: spread the changes
                // over it (0, 100, ..., 900 ms after the last flip was seen), and meanwhile nothing moves the tenant.
                Duration phase = Duration.ofMillis(100L * (i - 1));
                await().during(phase)
                        .atMost(phase.plusSeconds(2))
                        .pollInterval(Duration.ofMillis(50))
                        .untilAsserted(
                                () -> assertThat(router.get(tenant, "/").body()).isEqualTo("served by legacy"));
                listed.add(tenant);
                long start = System.nanoTime();

                flag.tenantsOnNew(listed);

                awaitBackend(router, tenant, "new");
                millis.add((System.nanoTime() - start) / 1_000_000);
            }
            assertThat(millis).allSatisfy(ms -> assertThat(ms).isLessThan(PROPAGATION_BOUND.toMillis()));
            writeFigures(millis);
        }
    }

    /** For docs/unleash.md: from the Admin API call until the router routes the tenant to new. */
    private static void writeFigures(List<Long> millis) throws IOException {
        List<Long> sorted = millis.stream().sorted().toList();
        int n = sorted.size();
        long median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        String figures = String.format(
                "Unleash change (tenant added to the IN list) -> routing, refresh interval 1 s, n=%d%n"
                        + "min %d ms, median %d ms, max %d ms%nall (in order): %s%n",
                n, sorted.get(0), median, sorted.get(n - 1), millis);
        Files.writeString(Path.of("target", "unleash-propagation.txt"), figures, StandardCharsets.UTF_8);
    }

    @Test
    void neverSendsATenantBackToLegacyWhenItIsDroppedFromTheListInUnleash() {
        try (Flag flag = unleash.createFlag("flip-back")
                        .tenantsOnNew("acme", "globex")
                        .enable()
                        .visibleToClients();
                RunningRouter router = RunningRouter.startReady(config(flag))) {
            awaitBackend(router, "acme", "new");

            flag.tenantsOnNew("globex");

            await().atMost(PROPAGATION_BOUND).untilAsserted(() -> assertThat(
                            router.admin("/routing/tenants/acme").body())
                    .contains("\"backend\":\"new\"", "\"reason\":\"flip_back_refused\""));
            assertThat(router.get("acme", "/").body()).isEqualTo("served by new");
            assertThat(router.metrics()).contains("ferry_routing_flip_backs_refused_total 1.0");
        }
    }

    @Test
    void routesTenThousandExplicitlyListedTenantsToNewAndEveryoneElseToLegacy() {
        List<String> tenants = IntStream.range(0, 10_000)
                .mapToObj(i -> "listed-%05d".formatted(i))
                .toList();
        // Past both defaults the start script lifts: 250 values per constraint and 100 kB per Admin API body.
        assertThat(String.join("\",\"", tenants).length()).isGreaterThan(100_000);

        try (Flag flag = unleash.createFlag("ten-thousand")
                        .tenantsOnNew(tenants)
                        .enable()
                        .visibleToClients();
                RunningRouter router = RunningRouter.startReady(config(flag))) {
            assertThat(flag.tenantsListed()).isEqualTo(tenants);
            awaitBackend(router, "listed-00000", "new");

            for (int i = 0; i < 10_000; i += 499) {
                assertThat(router.get(tenants.get(i), "/").body()).isEqualTo("served by new");
            }
            assertThat(router.get("listed-09999", "/").body()).isEqualTo("served by new");
            // Tenant ids are lower-cased from every source (tenant.lowercase), so case does not make another tenant.
            assertThat(router.get("LISTED-00001", "/").body()).isEqualTo("served by new");
            for (String unlisted : List.of("listed-10000", "listed-0001", "acme")) {
                assertThat(router.get(unlisted, "/").body()).isEqualTo("served by legacy");
            }
        }
    }

    @Test
    void onlyAddsTenantsWhenAPercentageWaveGrowsInTheSameGroup() {
        List<String> tenants =
                IntStream.range(0, 400).mapToObj(i -> "wave-" + i).toList();
        try (Flag flag = unleash.createFlag("wave")
                        .tenantsOnNew("canary")
                        .enable()
                        .visibleToClients();
                RunningRouter router = RunningRouter.startReady(config(flag))) {
            awaitBackend(router, "canary", "new");

            List<String> at20 = onNewAfter(router, () -> flag.rollout(20, "wave", List.of()), tenants);
            List<String> at50 = onNewAfter(router, () -> flag.rollout(50, "wave", List.of()), tenants);

            assertThat(at20.size()).isBetween(40, 120);
            assertThat(at50.size()).isBetween(150, 250);
            assertThat(at50).containsAll(at20);
        }
    }

    /** The tenants on new once the router has applied the flag state that {@code change} made. */
    private static List<String> onNewAfter(RunningRouter router, Runnable change, List<String> tenants) {
        String before = revision(router);
        change.run();
        await().atMost(PROPAGATION_BOUND).until(() -> !revision(router).equals(before));
        return tenants.stream()
                .filter(t -> router.admin("/routing/tenants/" + t).body().contains("\"backend\":\"new\""))
                .toList();
    }

    private static String revision(RunningRouter router) {
        Matcher m = Pattern.compile("\"revision\":\"([^\"]*)\"")
                .matcher(router.admin("/routing/tenants/probe").body());
        assertThat(m.find()).as("a revision in /routing/tenants").isTrue();
        return m.group(1);
    }
}
