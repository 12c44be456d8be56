package dev.ferry.router.shadow;

/** What one compared request says about a tenant's readiness. */
public enum DiffVerdict {
    /** The answers are equal under the route's rules. */
    MATCH,
    /** They differ, and neither noise nor replication lag explains it. */
    DIFFERENT,
    /** Every difference is in a field that differs as often between legacy and legacy2. */
    NOISE,
    /** They differ, the tenant wrote within the lag bound, and new has not been read again yet. */
    LAG_PENDING_RECHECK,
    /** They differed, the tenant had just written, and new read again after the lag bound matches. */
    LAG
}
