package dev.ferry.router.pipeline;

import dev.ferry.router.config.TenantConfig.WhenMissing;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ClientAbortException;
import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.forwarding.ProxyHeaders;
import dev.ferry.router.metrics.RouterMeters;
import dev.ferry.router.pipeline.Admission.Admitted;
import dev.ferry.router.pipeline.Admission.Refused;
import dev.ferry.router.resilience.BackendBreakers;
import dev.ferry.router.resilience.BreakerCall;
import dev.ferry.router.routing.RoutingDecision;
import dev.ferry.router.routing.RoutingDecision.Reason;
import dev.ferry.router.routing.UnleashRoutingPolicy;
import dev.ferry.router.tenant.TenantId;
import dev.ferry.router.tenant.TenantResolution;
import dev.ferry.router.tenant.TenantResolvers;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.atomic.LongAdder;

/**
 * The request path, once, in order. Read this first. Both transports call these steps and only do I/O around them:
 *
 * <pre>
 *   Admission a = pipeline.admit(head);        0. only paths  1. tenant  2. routing  3a. breaker permit
 *   a is Refused   -> answer a.refusal()                       (ErrorResponses)
 *   a is Admitted  -> forward to a.backend()                   (the transport: bytes, backpressure, pool)
 *                     pipeline.responded(a, status)            the backend's verdict, at its response head
 *                     pipeline.failed(a, error) -> Refusal     what went wrong, named once
 *   pipeline.finish(outcome)                                   exactly once: breaker settled, metrics
 * </pre>
 *
 * Everything here runs on Netty event loops and never blocks.
 */
public final class Pipeline {
    private final TenantResolvers tenants;
    private final WhenMissing whenMissing;
    private final UnleashRoutingPolicy routing;
    private final BackendBreakers breakers;
    private final RouterMeters meters;
    private final FailureLog failureLog = new FailureLog();
    /** Exchanges admitted or refused and not finished yet, on both transports. */
    private final LongAdder inFlight = new LongAdder();

    private volatile boolean closing;

    public Pipeline(
            TenantResolvers tenants,
            WhenMissing whenMissing,
            UnleashRoutingPolicy routing,
            BackendBreakers breakers,
            RouterMeters meters) {
        this.tenants = tenants;
        this.whenMissing = whenMissing;
        this.routing = routing;
        this.breakers = breakers;
        this.meters = meters;
    }

    /** Steps 0 to 3a: which backend, if any, may take this request. Never throws. */
    public Admission admit(RequestHead head) {
        inFlight.increment();
        TenantId tenant = null;
        RoutingDecision decision = null;
        try {
            String target = RequestTarget.originForm(head.method(), head.uri()); // 0. only paths
            TenantResolution resolved = tenants.resolve(head.headers(), target); // 1. who
            tenant = resolved.tenant();
            decision = decide(resolved); // 2. where
            checkUpgrade(head.headers());
            BreakerCall permit = breakers.permit(decision.backend()); // 3a. may we send there now
            return new Admitted(head, decision, resolved.uri(), permit);
        } catch (RuntimeException e) {
            Backend backend = decision == null ? null : decision.backend();
            return new Refused(head, tenant, backend, refusal(head, tenant, backend, e));
        }
    }

    private RoutingDecision decide(TenantResolution resolved) {
        if (resolved.tenant() != null) {
            return routing.decide(resolved.tenant());
        }
        if (whenMissing == WhenMissing.LEGACY) {
            meters.decided(Backend.LEGACY, Reason.NO_TENANT_DEFAULT);
            return new RoutingDecision(null, Backend.LEGACY, Reason.NO_TENANT_DEFAULT);
        }
        throw new ProxyException(
                ProxyFailure.TENANT_MISSING,
                "the request names no tenant (expected: " + tenants.describeSources() + ")");
    }

    /** A WebSocket upgrade must be one a backend can accept: it is relayed frame by frame once accepted. */
    private static void checkUpgrade(HttpHeaders headers) {
        if (ProxyHeaders.isWebSocketUpgrade(headers)
                && !(headers.contains("Sec-WebSocket-Key") && "13".equals(headers.get("Sec-WebSocket-Version")))) {
            throw new ProxyException(
                    ProxyFailure.REQUEST_INVALID,
                    "the WebSocket upgrade lacks Sec-WebSocket-Key or Sec-WebSocket-Version: 13"
                            + " (expected: an RFC 6455 handshake)");
        }
    }

    /** The backend's response head arrived: its verdict for the breaker (a long body is not held against it). */
    public void responded(Admitted admitted, int status) {
        admitted.permit().answered(status);
    }

    /**
     * An admitted exchange failed: its breaker permit settled at once (counted against the backend when it is the
     * backend's fault, by the one table in ProxyFailure, else released), logged
     * (rate-limited), and named for the client. The transport answers with it, or closes the connection when the
     * response has started.
     */
    public Refusal failed(Admitted admitted, Throwable error) {
        admitted.permit().failed(error); // against the backend when it is its fault, else released
        return refusal(admitted.head(), admitted.tenant(), admitted.backend(), error);
    }

    private Refusal refusal(RequestHead head, TenantId tenant, Backend backend, Throwable error) {
        ProxyFailure failure = ProxyFailure.of(error);
        String message = error.getMessage() == null ? failure.kind() : error.getMessage();
        if (failure == ProxyFailure.INTERNAL) {
            message = "internal error in Ferry; see its log";
        } else if (backend != null && failure != ProxyFailure.BREAKER_OPEN) {
            message = "backend '" + backend.tag() + "': " + message;
        }
        failureLog.log(failure, tenant, backend, head.method().name(), head.uri(), message, error);
        return new Refusal(failure, message);
    }

    /** Exchanges between {@link #admit} and {@link #finish}, on both transports. */
    public long inFlight() {
        return inFlight.sum();
    }

    /** The router is shutting down: from now on every HTTP/1.x response closes its connection. */
    public void closing() {
        closing = true;
    }

    public boolean isClosing() {
        return closing;
    }

    /** Whether an error means the client went away (nothing to answer, nothing against the backend). */
    public static boolean isClientAbort(Throwable error) {
        return error instanceof ClientAbortException;
    }

    /** The exchange ended: its breaker permit is settled (released unless a verdict was taken) and it is recorded. */
    public void finish(Outcome outcome) {
        inFlight.decrement();
        if (outcome.admission() instanceof Admitted admitted) {
            admitted.permit().release();
        }
        meters.recordExchange(
                outcome.transport(),
                outcome.backend(),
                outcome.admission().head().method(),
                outcome.status(),
                outcome.failure(),
                outcome.clientClosed(),
                outcome.requestBytes(),
                outcome.responseBytes(),
                outcome.nanos());
    }
}
