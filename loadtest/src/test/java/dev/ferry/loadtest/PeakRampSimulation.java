package dev.ferry.loadtest;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.List;

/**
 * The daily peak: the arrival rate climbs linearly from {@code startRate} to {@code rate} over {@code ramp} seconds,
 * then holds {@code rate} for {@code duration} seconds; same tenant mix and requests as
 * {@link SteadyTenantMixSimulation}.
 *
 * <ul>
 *   <li>{@code startRate} (default 10): requests per second at the start of the ramp.
 *   <li>{@code rate} (default 1000, about 86 million requests a day): requests per second at the top, held.
 *   <li>{@code ramp} (default 60): seconds of the climb; {@code duration} (default 60): seconds held at the top.
 *   <li>{@code tenants} (default 1000) and {@code skew} (default 1.0), as in the steady simulation; the target
 *       ({@link FerryTarget}), the request mix ({@link TenantTraffic}) and the pass criteria ({@link Expectations}).
 * </ul>
 *
 * <p>Bounded: {@code (startRate + rate) / 2 * ramp + rate * duration} requests, and Gatling stops the run 30 s after
 * the last arrival at the latest.
 */
public final class PeakRampSimulation extends Simulation {
    private final FerryTarget target = FerryTarget.fromProperties();
    private final double startRate = Settings.positive("startRate", 10);
    private final double rate = Settings.positive("rate", 1000);
    private final Duration ramp = Settings.seconds("ramp", 60, 1);
    private final Duration duration = Settings.seconds("duration", 60, 1);
    private final TenantMix mix =
            new TenantMix(Settings.count("tenants", 1000, 1), Settings.positiveOrZero("skew", 1.0));

    {
        List<String> eitherBackend = List.of("legacy", "new");
        setUp(scenario("peak ramp")
                        .exec(new TenantTraffic(target)
                                .request(
                                        session -> mix.next(), session -> TenantTraffic.PATH, session -> eitherBackend))
                        .injectOpen(
                                rampUsersPerSec(startRate).to(rate).during(ramp),
                                constantUsersPerSec(rate).during(duration)))
                .protocols(target.protocol())
                .assertions(Expectations.successRate(), Expectations.p99())
                .maxDuration(ramp.plus(duration).plusSeconds(30));
    }
}
