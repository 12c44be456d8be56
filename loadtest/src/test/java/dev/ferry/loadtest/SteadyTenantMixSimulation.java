package dev.ferry.loadtest;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A steady day: requests arrive at a constant rate (open model: one new virtual user per request, whatever the
 * response times), spread over {@code tenants} tenants by a Zipf-like mix, 80 % GETs and 20 % POSTs of 1 KiB JSON.
 *
 * <ul>
 *   <li>{@code rate} (default 220, about 19 million requests a day): requests per second.
 *   <li>{@code duration} (default 60): seconds at that rate.
 *   <li>{@code ramp} (default 0): seconds of a linear ramp from 1 request per second up to {@code rate} before that,
 *       to warm up the JITs of Ferry and Gatling before a long high-rate run.
 *   <li>{@code tenants} (default 1000): how many tenants, {@code tenant-00001} ... ; {@code skew} (default 1.0): the
 *       Zipf exponent, 0 for a uniform mix (see {@link TenantMix}).
 *   <li>The target ({@link FerryTarget}), the request mix ({@link TenantTraffic}) and the pass criteria
 *       ({@link Expectations}).
 * </ul>
 *
 * <p>Bounded: {@code rate * (duration + ramp / 2)} requests, and Gatling stops the run 30 s after the last arrival at
 * the latest.
 */
public final class SteadyTenantMixSimulation extends Simulation {
    private final FerryTarget target = FerryTarget.fromProperties();
    private final double rate = Settings.positive("rate", 220);
    private final Duration duration = Settings.seconds("duration", 60, 1);
    private final Duration ramp = Settings.seconds("ramp", 0, 0);
    private final TenantMix mix =
            new TenantMix(Settings.count("tenants", 1000, 1), Settings.positiveOrZero("skew", 1.0));

    {
        List<String> eitherBackend = List.of("legacy", "new");
        List<OpenInjectionStep> arrivals = new ArrayList<>();
        if (!ramp.isZero()) {
            arrivals.add(rampUsersPerSec(1).to(rate).during(ramp));
        }
        arrivals.add(constantUsersPerSec(rate).during(duration));

        setUp(scenario("steady tenant mix")
                        .exec(new TenantTraffic(target)
                                .request(
                                        session -> mix.next(), session -> TenantTraffic.PATH, session -> eitherBackend))
                        .injectOpen(arrivals))
                .protocols(target.protocol())
                .assertions(Expectations.successRate(), Expectations.p99())
                .maxDuration(duration.plus(ramp).plusSeconds(30));
    }
}
