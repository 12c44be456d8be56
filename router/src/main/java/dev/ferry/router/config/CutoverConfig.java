package dev.ferry.router.config;

import static dev.ferry.router.config.Require.require;
import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;

/**
 * How a tenant moves at one instant across the fleet: the bounds of the protocol in docs/cutover.md.
 *
 * @param clockSkew bound on any clock's error; the hold around a move's time T covers it on both sides
 * @param legacyDeadline how long a moving tenant's request admitted to legacy may take; new opens after it
 * @param lease a flag state confirmed longer ago than this is stale
 * @param leaseMode when a stale replica holds and refuses legacy-bound requests
 * @param windowFlag the flag whose being enabled opens the migration window
 * @param windowLease in window mode, a state older than this is strict whatever the window looked like
 * @param holdTimeout longest hold of one request
 * @param maxHeld requests held at once
 * @param maxHeldPerTenant requests of one tenant held at once
 * @param checkUrl the pre-activation check, {@code {tenant}} replaced; polled before new opens for a moving tenant
 * @param checkInterval how often the check is polled until it passes
 */
public record CutoverConfig(
        Duration clockSkew,
        Duration legacyDeadline,
        Duration lease,
        LeaseMode leaseMode,
        String windowFlag,
        Duration windowLease,
        Duration holdTimeout,
        int maxHeld,
        int maxHeldPerTenant,
        Optional<String> checkUrl,
        Duration checkInterval) {

    /** When a replica whose flag state is older than the lease holds legacy-bound requests. */
    public enum LeaseMode {
        /** While the migration window is open, and once the state is older than the window lease. */
        WINDOW,
        /** Whenever the state is older than the lease. */
        ALWAYS,
        /** Never: a stale replica routes from memory. */
        NEVER
    }

    public CutoverConfig {
        requireNonNull(leaseMode, "leaseMode");
        requireNonNull(checkUrl, "checkUrl");
        require(!clockSkew.isNegative(), "cutover.clock-skew: %s (expected: 0ms or more)", Durations.format(clockSkew));
        require(
                legacyDeadline.toMillis() > 0,
                "cutover.legacy-deadline: %s (expected: more than 0ms)",
                Durations.format(legacyDeadline));
        require(lease.toMillis() > 0, "cutover.lease: %s (expected: more than 0ms)", Durations.format(lease));
        require(
                windowFlag.matches("[A-Za-z0-9._~-]{1,100}"),
                "cutover.window-flag: '%s' (expected: an Unleash flag name, 1-100 of A-Z a-z 0-9 . _ ~ -)",
                windowFlag);
        require(
                windowLease.compareTo(lease) >= 0,
                "cutover.window-lease: %s (expected: at least cutover.lease, %s)",
                Durations.format(windowLease),
                Durations.format(lease));
        require(
                holdTimeout.compareTo(clockSkew.multipliedBy(2).plus(legacyDeadline)) > 0,
                "cutover.hold-timeout: %s (expected: longer than 2 x cutover.clock-skew + cutover.legacy-deadline, %s,"
                        + " the least a moving tenant's requests are held)",
                Durations.format(holdTimeout),
                Durations.format(clockSkew.multipliedBy(2).plus(legacyDeadline)));
        require(maxHeld > 0, "cutover.max-held: %s (expected: > 0)", maxHeld);
        require(maxHeldPerTenant > 0, "cutover.max-held-per-tenant: %s (expected: > 0)", maxHeldPerTenant);
        require(
                checkInterval.toMillis() > 0,
                "cutover.check-interval: %s (expected: more than 0ms)",
                Durations.format(checkInterval));
    }
}
