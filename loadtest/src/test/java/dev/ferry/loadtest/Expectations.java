package dev.ferry.loadtest;

import static io.gatling.javaapi.core.CoreDsl.global;

import io.gatling.javaapi.core.Assertion;

/**
 * What a run must show to pass; Gatling checks it at the end and exits with status 2 if it does not.
 *
 * <ul>
 *   <li>{@code successPercent} (default 100): the share of requests that must succeed (status 200, expected backend).
 *   <li>{@code p99Millis} (default 250; 2500 for a cutover, whose moving tenants are held up to 1.5 s once): the 99th
 *       percentile response time, at most, in milliseconds.
 * </ul>
 */
final class Expectations {
    private Expectations() {}

    static Assertion successRate() {
        return global().successfulRequests().percent().gte(Settings.percent("successPercent", 100));
    }

    static Assertion p99() {
        return p99(250);
    }

    /** With a default of its own: a cutover's p99 includes the moving tenants' hold around the move (1.5 s). */
    static Assertion p99(int defaultMillis) {
        return global().responseTime().percentile(99).lte(Settings.count("p99Millis", defaultMillis, 1));
    }
}
