package dev.ferry.router.shadow;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How long new may take to show a tenant's write made through legacy (replication lag). A diff on a read that
 * started within this bound after the tenant's last write may be lag, not a difference: new is read again once the
 * bound has passed ({@link Judge}).
 */
public record LagBound(Duration bound) {
    public LagBound {
        requireNonNull(bound, "bound");
        if (bound.isNegative() || bound.isZero()) {
            throw new IllegalArgumentException("shadow.replication-lag: " + bound + " (expected: > 0, such as 5s)");
        }
    }

    /**
     * Whether a read at {@code readAt} falls within the bound after the tenant's last write; a write after the read
     * started (concurrent with it) counts too.
     */
    public boolean covers(Optional<Instant> lastWrite, Instant readAt) {
        return lastWrite.map(w -> !w.plus(bound).isBefore(readAt)).orElse(false);
    }

    /** When new may be read again after a read at {@code readAt}. */
    public Instant recheckAt(Instant readAt) {
        return readAt.plus(bound);
    }
}
