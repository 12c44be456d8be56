package dev.ferry.router.config;

import static dev.ferry.router.config.Require.require;

import java.time.Duration;

/** The connection pool of each backend. */
public record PoolConfig(
        int maxConnections,
        int pendingAcquireMaxCount,
        Duration pendingAcquireTimeout,
        Duration maxIdleTime,
        Duration maxLifeTime) {
    public PoolConfig {
        require(maxConnections > 0, "pool.max-connections: %s (expected: > 0)", maxConnections);
        require(
                pendingAcquireMaxCount > 0,
                "pool.pending-acquire-max-count: %s (expected: > 0)",
                pendingAcquireMaxCount);
        require(!pendingAcquireTimeout.isZero(), "pool.pending-acquire-timeout: 0s (expected: > 0)");
        require(!maxIdleTime.isZero(), "pool.max-idle-time: 0s (expected: > 0)");
        require(
                maxLifeTime.compareTo(maxIdleTime) > 0,
                "pool.max-life-time: %s (expected: longer than pool.max-idle-time, %s)",
                Durations.format(maxLifeTime),
                Durations.format(maxIdleTime));
    }
}
