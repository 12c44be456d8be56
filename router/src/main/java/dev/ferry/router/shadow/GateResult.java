package dev.ferry.router.shadow;

import static java.util.Objects.requireNonNull;

/** One readiness gate: passed or not, and why, in words an operator reads. */
public record GateResult(Gate gate, boolean passed, String reason) {
    /** What a tenant must pass to be ready to move. */
    public enum Gate {
        /** Wilson's lower bound of the match rate reaches the bar. */
        MATCH_LOWER_BOUND,
        /** Enough compared requests. */
        MIN_COMPARED,
        /** Every route the tenant used compared often enough. */
        ROUTE_COVERAGE,
        /** No standing status-class difference (2xx against 4xx). */
        NO_STATUS_CLASS_MISMATCH,
        /** New's p99 latency within the margin of legacy's. */
        LATENCY_P99,
        /** New's error rate within the margin of legacy's. */
        ERROR_RATE
    }

    public GateResult {
        requireNonNull(gate, "gate");
        requireNonNull(reason, "reason");
    }
}
