package dev.ferry.router.config;

import static dev.ferry.router.config.Require.require;

import java.time.Duration;
import java.util.Set;

/** One circuit breaker per backend; what opens it and for how long. */
public record BreakerConfig(
        int failureRateThreshold,
        int slidingWindowSize,
        int minimumCalls,
        Duration waitInOpen,
        int halfOpenCalls,
        Set<Integer> failureStatuses) {
    public BreakerConfig {
        require(
                failureRateThreshold > 0 && failureRateThreshold <= 100,
                "breaker.failure-rate-threshold: %s (expected: 1 to 100)",
                failureRateThreshold);
        require(slidingWindowSize > 0, "breaker.sliding-window-size: %s (expected: > 0)", slidingWindowSize);
        require(minimumCalls > 0, "breaker.minimum-calls: %s (expected: > 0)", minimumCalls);
        require(!waitInOpen.isZero(), "breaker.wait-in-open: 0s (expected: > 0)");
        require(halfOpenCalls > 0, "breaker.half-open-calls: %s (expected: > 0)", halfOpenCalls);
        failureStatuses = Set.copyOf(failureStatuses);
        for (int status : failureStatuses) {
            require(
                    status >= 500 && status <= 599,
                    "breaker.failure-statuses: %s (expected: statuses 500 to 599)",
                    status);
        }
    }
}
