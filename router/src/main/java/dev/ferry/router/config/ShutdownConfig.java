package dev.ferry.router.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** What SIGTERM does: not ready, wait {@code drainDelay}, stop accepting, let requests finish up to {@code timeout}. */
public record ShutdownConfig(Duration drainDelay, Duration timeout) {
    public ShutdownConfig {
        requireNonNull(drainDelay, "drainDelay");
        requireNonNull(timeout, "timeout");
    }
}
