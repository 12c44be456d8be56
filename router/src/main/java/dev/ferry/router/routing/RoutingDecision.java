package dev.ferry.router.routing;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.tenant.TenantId;

/** Which backend serves a tenant, and why. Decisions are cached per tenant, so they are immutable and shared. */
public record RoutingDecision(TenantId tenant, Backend backend, Reason reason) {
    public RoutingDecision {
        requireNonNull(backend, "backend");
        requireNonNull(reason, "reason");
    }

    /** Why a backend was chosen. The {@link #tag()} is the {@code reason} tag of {@code ferry.routing.decisions}. */
    public enum Reason {
        /** The routing flag is enabled for the tenant. */
        FLAG_ON("flag_on"),
        /** The routing flag is disabled for the tenant (or disabled outright): the tenant stays on legacy. */
        FLAG_OFF("flag_off"),
        /** The request carried no tenant and {@code tenant.when-missing} is {@code legacy}. */
        NO_TENANT_DEFAULT("no_tenant_default");

        private final String tag;

        Reason(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }
}
