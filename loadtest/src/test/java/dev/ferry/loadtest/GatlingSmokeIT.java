package dev.ferry.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatling.javaapi.core.Simulation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seconds-long run of the simulations against the packaged demo router, at modest rates, so that the build proves
 * they work end to end (and that their assertions pass against a healthy Ferry) without loading the machine. The steady
 * run goes first and warms up both JVMs for the cutover.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatlingSmokeIT {
    @TempDir
    static Path dir;

    private static DemoRouter router;

    @BeforeAll
    static void startTheDemoRouter() throws IOException, InterruptedException {
        router = DemoRouter.start(dir);
    }

    @AfterAll
    static void stopTheDemoRouter() {
        if (router != null) {
            router.close();
        }
    }

    /**
     * Runs a simulation against this test's router.
     *
     * @param properties the simulation's properties as on a command line, without {@code -D}: {@code rate=200 ...}
     */
    private static GatlingRun run(Class<? extends Simulation> simulation, String properties) {
        Map<String, String> all = new HashMap<>();
        all.put("ferry.baseUrl", router.baseUrl());
        all.put("ferry.adminUrl", router.adminUrl());
        for (String property : properties.trim().split("\\s+")) {
            String[] nameAndValue = property.split("=", 2);
            all.put(nameAndValue[0], nameAndValue[1]);
        }
        return GatlingRun.of(simulation, all);
    }

    @Test
    @Order(1)
    void carriesASkewedTenantMixAt200RequestsPerSecondWithoutAFailure() {
        // A 2 s ramp lets both fresh JVMs warm up (without it the first second's stalls make p99 ~200-400 ms);
        // p99 within 1 s, not the default 250 ms, because this machine may be busy with other builds.
        GatlingRun run = run(SteadyTenantMixSimulation.class, "rate=200 ramp=2 duration=5 tenants=200 p99Millis=1000");

        assertThat(run.exitCode())
                .as("Gatling's exit code (2: an assertion failed)")
                .isZero();
        assertThat(run.report().resolve("index.html")).isRegularFile();
    }

    @Test
    @Order(2)
    void movesTenantsToNewUnderLoadWithEveryRequestOnTheExpectedBackend() {
        GatlingRun run = run(
                CutoverUnderLoadSimulation.class,
                "ferry.flagsFile=" + router.flagsFile()
                        + " rate=100 tenants=5 controlTenants=3 before=2 after=2 switchTimeout=12");

        assertThat(run.exitCode())
                .as("Gatling's exit code (2: an assertion failed)")
                .isZero();
        assertThat(run.report().resolve("index.html")).isRegularFile();
        assertThat(router.log()).doesNotContain(" ERROR ").doesNotContain("Refused to send tenant");
    }
}
