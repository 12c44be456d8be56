package dev.ferry.loadtest;

import static io.gatling.javaapi.core.CoreDsl.global;

import io.gatling.javaapi.core.Assertion;

/**
 * What a run must show to pass; Gatling checks it at the end and exits with status 2 if it does not.
 *
 * <ul>
 *   <li>{@code successPercent} (default 100): the share of requests that must succeed (status 200, expected backend).
 *   <li>{@code p99Millis} (default 250): the 99th percentile response time, at most, in milliseconds.
 * </ul>
 */
final class Expectations {
    private Expectations() {}

    static Assertion successRate() {
        return global().successfulRequests().percent().gte(Settings.percent("successPercent", 100));
    }

    static Assertion p99() {
        return global().responseTime().percentile(99).lte(Settings.count("p99Millis", 250, 1));
    }
}
