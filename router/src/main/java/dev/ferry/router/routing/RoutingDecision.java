package dev.ferry.router.routing;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.exchange.Backend;
import dev.ferry.router.tenant.TenantId;

/**
 * Which backend serves a tenant, and why. Decisions are cached per tenant, so they are immutable and shared.
 *
 * @param tenant the tenant, or null for a request that named none
 * @param backend where it goes
 * @param reason why, from a closed set (a metric tag)
 * @param rule the name of the flag rule that decided (a wave, "pinned", ...), or null; never a metric tag
 * @param move the scheduled move that changes (or lately changed) this tenant's backend, or null; the cutover step
 *     holds the tenant's requests around its time
 */
public record RoutingDecision(TenantId tenant, Backend backend, Reason reason, String rule, Move move) {
    public RoutingDecision {
        requireNonNull(backend, "backend");
        requireNonNull(reason, "reason");
    }

    public RoutingDecision(TenantId tenant, Backend backend, Reason reason) {
        this(tenant, backend, reason, null, null);
    }

    public RoutingDecision(TenantId tenant, Backend backend, Reason reason, String rule) {
        this(tenant, backend, reason, rule, null);
    }

    /** The same decision, with the scheduled move near it. */
    public RoutingDecision withMove(Move move) {
        return new RoutingDecision(tenant, backend, reason, rule, move);
    }

    /**
     * A scheduled move of one tenant: from {@code atMillis} (Unix milliseconds) on, it goes to {@code to}. Ahead of
     * the decision while {@code to} differs from the decision's backend, done when they are the same.
     *
     * @param rule the name of the rule that moves it, or null
     */
    public record Move(long atMillis, Backend to, String rule) {
        public Move {
            requireNonNull(to, "to");
        }

        public Move(long atMillis, Backend to) {
            this(atMillis, to, null);
        }
    }

    /**
     * The rule this decision is counted under in {@code ferry.routing.decisions}: the rule that sends the tenant where
     * it goes, or, for a tenant still on legacy that a scheduled rule is about to move, that rule (so that a wave's
     * legacy traffic is visible until its time and then drains). Null when no rule is involved: no rule matches, a
     * strategy without a payload, a tenant held on new against the flag, a request without a tenant.
     */
    public String countedRule() {
        return switch (reason) {
            case WAVE, PINNED, MOVED_BACK -> rule;
            case FLAG_OFF -> move != null && move.to() != backend ? move.rule() : null;
            case FLAG_ON, FLIP_BACK_REFUSED, NO_TENANT_DEFAULT -> null;
        };
    }

    /** Whether the decision was made before its move's time and that time has come: it must be made again. */
    public boolean outdated(long nowMillis) {
        return move != null && move.to() != backend && nowMillis > move.atMillis(); // DATE_AFTER: strictly after
    }

    /** Why a backend was chosen. The {@link #tag()} is the {@code reason} tag of {@code ferry.routing.decisions}. */
    public enum Reason {
        /** The routing flag is on for the tenant, through a strategy without a rule payload. */
        FLAG_ON("flag_on"),
        /** The routing flag is off for the tenant (no rule matches, or the flag is disabled): legacy. */
        FLAG_OFF("flag_off"),
        /** A rule (an explicit list or a percentage wave) sends the tenant to the backend its payload names. */
        WAVE("wave"),
        /** A pin keeps the tenant on legacy, whatever the waves say. */
        PINNED("pinned"),
        /** A deliberate move back to legacy, recorded with the marker; the only way back. */
        MOVED_BACK("moved_back"),
        /** The flag now says legacy for a tenant that was on new, without the marker: Ferry keeps it on new. */
        FLIP_BACK_REFUSED("flip_back_refused"),
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
