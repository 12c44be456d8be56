package dev.ferry.router.pipeline;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.exchange.Backend;
import dev.ferry.router.resilience.BreakerCall;
import dev.ferry.router.routing.RoutingDecision;
import dev.ferry.router.tenant.TenantId;

/**
 * What the pipeline's first step makes of a request head: admitted to one backend, with a breaker permit, or refused
 * with the answer to give. Both are immutable; a transport switches on them and does the I/O.
 */
public sealed interface Admission permits Admission.Admitted, Admission.Refused {
    RequestHead head();

    /** The tenant the request named, or null when it named none (or naming it failed). */
    TenantId tenant();

    /** The backend chosen, or null when the request was refused before one was. */
    Backend backend();

    /**
     * A request on its way to {@code decision.backend()}.
     *
     * @param uri the request target to send, in origin form (without {@code /t/{tenant}} where that is stripped)
     * @param permit the backend breaker's permission, settled exactly once by the pipeline
     */
    record Admitted(RequestHead head, RoutingDecision decision, String uri, BreakerCall permit) implements Admission {
        public Admitted {
            requireNonNull(head, "head");
            requireNonNull(decision, "decision");
            requireNonNull(uri, "uri");
            requireNonNull(permit, "permit");
        }

        @Override
        public TenantId tenant() {
            return decision.tenant();
        }

        @Override
        public Backend backend() {
            return decision.backend();
        }
    }

    /** A request Ferry answers itself: a bad tenant, unknown routing, an open breaker. */
    record Refused(RequestHead head, TenantId tenant, Backend backend, Refusal refusal) implements Admission {
        public Refused {
            requireNonNull(head, "head");
            requireNonNull(refusal, "refusal");
        }
    }
}
