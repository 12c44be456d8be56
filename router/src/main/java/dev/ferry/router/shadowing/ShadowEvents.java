package dev.ferry.router.shadowing;

import dev.ferry.router.shadow.DiffVerdict;

/** What shadow reads report to metrics. */
public interface ShadowEvents {
    /** A shadowed request was judged. */
    void judged(DiffVerdict verdict);

    /** A request that would have been shadowed was not, for this reason. */
    void dropped(DropReason reason);

    /** The shadow flag lists these tenants now. */
    void shadowedTenants(java.util.Set<String> tenants);

    /** Why a shadow read was not made, or not finished. */
    enum DropReason {
        /** {@code shadow.max-rate} was reached this second. */
        RATE,
        /** {@code shadow.max-queued} requests were already waiting. */
        QUEUE_FULL,
        /** As many re-reads after the lag bound were already waiting. */
        RECHECK_FULL,
        /** Neither backend answered (both failed): nothing was compared. */
        BOTH_FAILED,
        /** The request's body was not kept: larger than {@code shadow.max-body}, or on a safe method. */
        HAS_BODY;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    ShadowEvents NONE = new ShadowEvents() {
        @Override
        public void judged(DiffVerdict verdict) {}

        @Override
        public void dropped(DropReason reason) {}

        @Override
        public void shadowedTenants(java.util.Set<String> tenants) {}
    };
}
