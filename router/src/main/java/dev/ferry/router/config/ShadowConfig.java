package dev.ferry.router.config;

import static dev.ferry.router.config.Require.require;
import static java.util.Objects.requireNonNull;

import dev.ferry.router.shadow.LagBound;
import dev.ferry.router.shadow.NoiseThresholds;
import dev.ferry.router.shadow.ReadinessBar;
import dev.ferry.router.shadow.Route;
import dev.ferry.router.shadow.RouteTable;
import java.time.Duration;
import java.util.Set;

/**
 * Shadow reads (docs/shadow.md): which requests of a shadowed tenant are also sent to both backends and compared, the
 * budget for them, and the bar a tenant's readiness is judged against.
 *
 * @param enabled off: nothing is shadowed, whatever the flag says
 * @param flag the flag listing the shadowed tenants
 * @param methods the methods shadowed on every route (safe ones)
 * @param routes the comparison rules per route template
 * @param idempotent routes whose other methods a team declared idempotent, shadowed too
 * @param sampleRate share of eligible requests shadowed
 * @param noiseSampleRate share of shadowed requests also sent to legacy a second time
 * @param maxRate shadowed requests started per second, at most
 * @param maxInFlight shadowed requests under way at once, at most
 * @param maxQueued shadowed requests waiting to start, at most
 * @param maxBody answer bytes kept per backend for comparison
 * @param timeout how long a shadow request may take in all
 * @param lag the replication-lag bound
 * @param noise when a field's differences are more than noise
 * @param latencySamples latencies kept per tenant and backend
 * @param bar what a tenant must reach to be ready
 */
public record ShadowConfig(
        boolean enabled,
        String flag,
        Set<String> methods,
        RouteTable routes,
        Set<Route> idempotent,
        double sampleRate,
        double noiseSampleRate,
        int maxRate,
        int maxInFlight,
        int maxQueued,
        long maxBody,
        Duration timeout,
        LagBound lag,
        NoiseThresholds noise,
        int latencySamples,
        ReadinessBar bar) {
    /** Methods that may be shadowed on every route: they change nothing (RFC 9110 §9.2.1). */
    public static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    public ShadowConfig {
        requireNonNull(flag, "flag");
        requireNonNull(routes, "routes");
        requireNonNull(timeout, "timeout");
        requireNonNull(lag, "lag");
        requireNonNull(noise, "noise");
        requireNonNull(bar, "bar");
        methods = Set.copyOf(methods);
        idempotent = Set.copyOf(idempotent);
        require(!flag.isBlank(), "shadow.flag: '' (expected: a flag name, such as ferry.shadow)");
        require(
                SAFE_METHODS.containsAll(methods),
                "shadow.methods: %s (expected: safe methods only, from GET, HEAD, OPTIONS; declare another method"
                        + " idempotent per route in shadow.rules-file)",
                methods);
        require(
                sampleRate >= 0 && sampleRate <= 1,
                "shadow.sample-rate: %s (expected: a number from 0 to 1)",
                sampleRate);
        require(
                noiseSampleRate >= 0 && noiseSampleRate <= 1,
                "shadow.noise-sample-rate: %s (expected: a number from 0 to 1)",
                noiseSampleRate);
        require(maxRate > 0, "shadow.max-rate: %s (expected: > 0 shadowed requests a second)", maxRate);
        require(
                maxInFlight > 0 && maxInFlight <= 10_000,
                "shadow.max-in-flight: %s (expected: 1 to 10000)",
                maxInFlight);
        require(maxQueued >= 0 && maxQueued <= 1_000_000, "shadow.max-queued: %s (expected: 0 to 1000000)", maxQueued);
        require(maxRate <= 1_000_000, "shadow.max-rate: %s (expected: at most 1000000 a second)", maxRate);
        require(
                maxBody > 0 && maxBody <= 16 * 1024 * 1024,
                "shadow.max-body: %s bytes (expected: more than 0, at most 16m)",
                maxBody);
        require(
                !timeout.isNegative() && !timeout.isZero(),
                "shadow.timeout: %s (expected: > 0, such as 10s)",
                Durations.format(timeout));
        require(
                latencySamples > 0 && latencySamples <= 100_000,
                "shadow.latency-samples: %s (expected: 1 to 100000)",
                latencySamples);
    }

    /** Off. */
    public static ShadowConfig off() {
        return new ShadowConfig(
                false,
                "ferry.shadow",
                Set.of("GET", "HEAD"),
                RouteTable.of(java.util.List.of()),
                Set.of(),
                1,
                0.1,
                100,
                32,
                256,
                256 * 1024,
                Duration.ofSeconds(10),
                new LagBound(Duration.ofSeconds(5)),
                NoiseThresholds.defaults(),
                1000,
                ReadinessBar.defaults());
    }

    /** Whether a request of this method on this route may be shadowed. */
    public boolean eligible(String method, Route route) {
        return methods.contains(method) || idempotent.contains(route);
    }
}
