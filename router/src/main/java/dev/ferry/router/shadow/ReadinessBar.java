package dev.ferry.router.shadow;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What a tenant must reach to be ready to move.
 *
 * @param minLowerBound the least Wilson lower bound (95 %) of the match rate: default 0.99
 * @param minCompared the least compared requests (every verdict but a pending recheck): default 200
 * @param minPerRoute the least compared requests on every route the tenant used: default 5
 * @param latencyMarginRatio how much slower new's p99 may be, relative to legacy's: default 0.20
 * @param latencyMarginFloor how much slower new's p99 may always be: default 5 ms (a fast route's 20 % is jitter)
 * @param errorRateMargin how much higher new's error rate may be, a fraction: default 0.005 (0.5 points)
 */
public record ReadinessBar(
        double minLowerBound,
        long minCompared,
        long minPerRoute,
        double latencyMarginRatio,
        Duration latencyMarginFloor,
        double errorRateMargin) {

    public ReadinessBar {
        requireNonNull(latencyMarginFloor, "latencyMarginFloor");
        require(
                minLowerBound > 0 && minLowerBound <= 1,
                "shadow.readiness.min-lower-bound",
                minLowerBound,
                "in (0, 1]");
        require(minCompared > 0, "shadow.readiness.min-compared", minCompared, "> 0");
        require(minPerRoute > 0, "shadow.readiness.min-per-route", minPerRoute, "> 0");
        require(latencyMarginRatio >= 0, "shadow.readiness.latency-margin", latencyMarginRatio, ">= 0, such as 0.2");
        require(!latencyMarginFloor.isNegative(), "shadow.readiness.latency-margin-floor", latencyMarginFloor, ">= 0");
        require(
                errorRateMargin >= 0 && errorRateMargin < 1,
                "shadow.readiness.error-rate-margin",
                errorRateMargin,
                "a fraction in [0, 1), such as 0.005");
    }

    /**
     * The defaults. With them a tenant needs at least 381 compared requests, all matching, since the lower bound of
     * n out of n first reaches 0.99 at n = 381 (200 of 200 give 0.981): the minimum count is a floor, the bound the
     * real test.
     */
    public static ReadinessBar defaults() {
        return new ReadinessBar(0.99, 200, 5, 0.20, Duration.ofMillis(5), 0.005);
    }

    private static void require(boolean condition, String key, Object value, String expected) {
        if (!condition) {
            throw new IllegalArgumentException(key + ": " + value + " (expected: " + expected + ")");
        }
    }
}
