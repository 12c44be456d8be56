package dev.ferry.router.config;

import static dev.ferry.router.config.Require.require;

import java.time.Duration;

/** How long Ferry waits for a backend. */
public record TimeoutConfig(Duration connect, Duration response) {
    public TimeoutConfig {
        require(!connect.isZero(), "timeouts.connect: 0s (expected: > 0)");
        require(!response.isZero(), "timeouts.response: 0s (expected: > 0)");
    }
}
