package dev.ferry.router.config;

import static dev.ferry.router.config.Require.require;

import java.time.Duration;

/** How long Ferry waits for a backend. */
public record TimeoutConfig(Duration connect, Duration response, Duration clientRead) {
    /** With the default client read timeout. */
    public TimeoutConfig(Duration connect, Duration response) {
        this(connect, response, Durations.parse(ConfigKey.TIMEOUT_CLIENT_READ.defaultValue()));
    }

    public TimeoutConfig {
        require(!connect.isZero(), "timeouts.connect: 0s (expected: > 0)");
        require(!response.isZero(), "timeouts.response: 0s (expected: > 0)");
        require(!clientRead.isZero(), "timeouts.client-read: 0s (expected: > 0)");
    }
}
