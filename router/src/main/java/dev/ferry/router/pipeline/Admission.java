package dev.ferry.router.pipeline;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.cutover.Hold;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.TraceParent;
import dev.ferry.router.resilience.BreakerCall;
import dev.ferry.router.routing.RoutingDecision;
import dev.ferry.router.tenant.TenantId;

/**
 * What the pipeline's first step makes of a request head: admitted to one backend, with a breaker permit, or refused
 * with the answer to give. Both are immutable; a transport switches on them and does the I/O.
 */
public sealed interface Admission permits Admission.Admitted, Admission.Refused, Admission.Held {
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
     * @param deadlineNanos when the exchange must have ended ({@link System#nanoTime()}), or 0: a moving tenant's
     *     request to the backend it leaves (failed with {@code cutover_deadline} past it)
     * @param bodyCopy where the body is copied for its shadow read, or null (nearly always: only a request with a
     *     body on a route declared idempotent, chosen to be shadowed, has one)
     */
    record Admitted(
            RequestHead head,
            RoutingDecision decision,
            String uri,
            BreakerCall permit,
            long deadlineNanos,
            dev.ferry.router.shadowing.BodyCopy bodyCopy)
            implements Admission {
        public Admitted {
            requireNonNull(head, "head");
            requireNonNull(decision, "decision");
            requireNonNull(uri, "uri");
            requireNonNull(permit, "permit");
        }

        /** Ferry's span as the backend's parent, or null when Ferry records none (the client's context passes). */
        public TraceParent traceParent() {
            return head.span() == null ? null : head.span().toBackend();
        }

        /** Whether the exchange has a deadline of its own. */
        public boolean hasDeadline() {
            return deadlineNanos != 0;
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

    /**
     * A request held, sent nowhere yet: its tenant moves now, or the replica's flag state is stale. The transport stops
     * reading its body, waits for {@code hold} to end (on its own event loop), then asks
     * {@link Pipeline#resume(Held)} for the admission to act on.
     *
     * @param uri the request target to send once admitted
     */
    record Held(RequestHead head, RoutingDecision decision, String uri, Hold hold) implements Admission {
        public Held {
            requireNonNull(head, "head");
            requireNonNull(decision, "decision");
            requireNonNull(uri, "uri");
            requireNonNull(hold, "hold");
        }

        @Override
        public TenantId tenant() {
            return decision.tenant();
        }

        /** None yet: a held request is sent nowhere. */
        @Override
        public Backend backend() {
            return null;
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
