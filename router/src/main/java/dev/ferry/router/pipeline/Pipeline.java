package dev.ferry.router.pipeline;

import dev.ferry.router.config.Durations;
import dev.ferry.router.config.TenantConfig.WhenMissing;
import dev.ferry.router.cutover.Cutover;
import dev.ferry.router.cutover.Cutover.Gate;
import dev.ferry.router.cutover.Hold;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ClientAbortException;
import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.forwarding.LookalikeHeaders;
import dev.ferry.router.forwarding.ProxyHeaders;
import dev.ferry.router.metrics.RouterMeters;
import dev.ferry.router.pipeline.Admission.Admitted;
import dev.ferry.router.pipeline.Admission.Held;
import dev.ferry.router.pipeline.Admission.Refused;
import dev.ferry.router.resilience.BackendBreakers;
import dev.ferry.router.resilience.BreakerCall;
import dev.ferry.router.routing.RoutingDecision;
import dev.ferry.router.routing.RoutingDecision.Reason;
import dev.ferry.router.routing.UnleashRoutingPolicy;
import dev.ferry.router.shadowing.ShadowReads;
import dev.ferry.router.telemetry.AccessLog;
import dev.ferry.router.telemetry.ExchangeSpan;
import dev.ferry.router.telemetry.Tracing;
import dev.ferry.router.tenant.TenantId;
import dev.ferry.router.tenant.TenantResolution;
import dev.ferry.router.tenant.TenantResolvers;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.atomic.LongAdder;

/**
 * The request path, once, in order. Read this first. Both transports call these steps and only do I/O around them:
 *
 * <pre>
 *   Admission a = pipeline.admit(head);        0. only paths  1. tenant  2. routing  2b. cutover  3a. breaker permit
 *   a is Held      -> wait for a.hold(), then a = pipeline.resume(a)   (a moving tenant, a stale replica)
 *   a is Refused   -> answer a.refusal()                       (ErrorResponses)
 *   a is Admitted  -> forward to a.backend()                   (the transport: bytes, backpressure, pool)
 *                     pipeline.responded(a, status)            the backend's verdict, at its response head
 *                     pipeline.failed(a, error) -> Refusal     what went wrong, named once
 *   pipeline.finish(outcome)                                   exactly once: breaker settled, metrics, span,
 *                                                              access log, 5. shadow read (docs/shadow.md)
 * </pre>
 *
 * Everything here runs on Netty event loops and never blocks.
 */
public final class Pipeline {
    private final TenantResolvers tenants;
    private final WhenMissing whenMissing;
    private final UnleashRoutingPolicy routing;
    private final Cutover cutover;
    private final LookalikeHeaders lookalikes;
    private final long maxRequestBody;
    private final BackendBreakers breakers;
    private final RouterMeters meters;
    private final AccessLog accessLog;
    private final Tracing tracing;
    private final ShadowReads shadow;
    private final FailureLog failureLog = new FailureLog();
    /** Exchanges admitted or refused and not finished yet, on both transports. */
    private final LongAdder inFlight = new LongAdder();

    private volatile boolean closing;

    public Pipeline(
            TenantResolvers tenants,
            WhenMissing whenMissing,
            UnleashRoutingPolicy routing,
            Cutover cutover,
            LookalikeHeaders lookalikes,
            long maxRequestBody,
            BackendBreakers breakers,
            RouterMeters meters,
            AccessLog accessLog,
            Tracing tracing,
            ShadowReads shadow) {
        this.tenants = tenants;
        this.whenMissing = whenMissing;
        this.routing = routing;
        this.cutover = cutover;
        this.lookalikes = lookalikes;
        this.maxRequestBody = maxRequestBody;
        this.breakers = breakers;
        this.meters = meters;
        this.accessLog = accessLog;
        this.tracing = tracing;
        this.shadow = shadow;
    }

    /** Steps 0 to 3a: which backend, if any, may take this request. Never throws. */
    public Admission admit(RequestHead head) {
        inFlight.increment();
        if (tracing.on()) { // off: no span, no parsing; traceparent passes as any header
            head = head.withSpan(tracing.start(
                    head.method().name(), head.uri(), head.protocol(), head.headers(), head.startNanos()));
        }
        TenantId tenant = null;
        RoutingDecision decision = null;
        try {
            String target = RequestTarget.originForm(head.method(), head.uri()); // 0. only paths, one authority,
            RequestTarget.checkHost(head.version(), head.uri(), head.headers()); //    no lookalike headers
            checkLookalikes(head.headers());
            checkDeclaredLength(head.headers());
            TenantResolution resolved = tenants.resolve(head.headers(), target); // 1. who
            tenant = resolved.tenant();
            decision = decide(resolved); // 2. where
            checkUpgrade(head.headers());
            return gate(head, decision, resolved.uri(), 0); // 2b, 3a
        } catch (RuntimeException e) {
            Backend backend = decision == null ? null : decision.backend();
            return new Refused(head, tenant, backend, refusal(head, tenant, backend, e));
        }
    }

    /**
     * A held request's hold ended: refused when it timed out, else routed and gated again (its tenant's move is done
     * now, or the flag state fresh again), and held again if it still may not go, within its hold timeout. Never
     * throws; a request whose client went away is not resumed.
     */
    public Admission resume(Held held) {
        RequestHead head = held.head();
        TenantId tenant = held.tenant();
        try {
            Hold hold = held.hold();
            if (hold.result() == Hold.Result.TIMED_OUT) {
                throw holdTimedOut(hold);
            }
            RoutingDecision decision = routing.decide(tenant);
            return gate(head, decision, held.uri(), hold.firstHeldNanos());
        } catch (RuntimeException e) {
            return new Refused(head, tenant, null, refusal(head, tenant, null, e));
        }
    }

    /** 2b. may it go now (else held), 3a. may we send there now (the breaker). */
    private Admission gate(RequestHead head, RoutingDecision decision, String uri, long heldSince) {
        Gate gate = cutover.gate(decision);
        if (gate != Gate.PASS) {
            long first = heldSince == 0 ? System.nanoTime() : heldSince;
            if (heldSince != 0 && !cutover.timeLeft(heldSince)) {
                throw holdTimedOut(gate);
            }
            Hold hold = cutover.hold(decision, gate, first);
            if (hold == null) {
                throw new ProxyException(
                        ProxyFailure.HOLD_LIMIT,
                        "too many requests are held (cutover.max-held "
                                + cutover.config().maxHeld()
                                + ", cutover.max-held-per-tenant "
                                + cutover.config().maxHeldPerTenant()
                                + "); retry shortly");
            }
            return new Held(head, decision, uri, hold);
        }
        BreakerCall permit = breakers.permit(decision.backend());
        return new Admitted(
                head, decision, uri, permit, cutover.deadlineNanos(decision), shadow.copyBody(head, decision, uri));
    }

    private ProxyException holdTimedOut(Hold hold) {
        return holdTimedOut(hold.cause() == Hold.Cause.MOVE ? Gate.MOVE : Gate.STALE);
    }

    private ProxyException holdTimedOut(Gate gate) {
        String timeout = Durations.format(cutover.config().holdTimeout());
        if (gate == Gate.STALE) {
            return new ProxyException(
                    ProxyFailure.ROUTING_STALE,
                    "this replica's flag state is older than its lease (cutover.lease "
                            + Durations.format(cutover.config().lease()) + ") and did not come back within " + timeout
                            + "; Ferry does not guess where a moving tenant lives. Retry shortly");
        }
        return new ProxyException(
                ProxyFailure.CUTOVER_HOLD_TIMEOUT,
                "the tenant is moving to another backend and it did not open within " + timeout
                        + (cutover.config().checkUrl().isPresent()
                                ? " (the pre-activation check cutover.check-url has not passed)"
                                : "")
                        + "; retry shortly");
    }

    private RoutingDecision decide(TenantResolution resolved) {
        if (resolved.tenant() != null) {
            return routing.decide(resolved.tenant());
        }
        if (whenMissing == WhenMissing.LEGACY) {
            meters.decided(Backend.LEGACY, Reason.NO_TENANT_DEFAULT, null);
            return new RoutingDecision(null, Backend.LEGACY, Reason.NO_TENANT_DEFAULT);
        }
        throw new ProxyException(
                ProxyFailure.TENANT_MISSING,
                "the request names no tenant (expected: " + tenants.describeSources() + ")");
    }

    /** A declared body larger than the limit is refused before anything is sent. */
    private void checkDeclaredLength(HttpHeaders headers) {
        String length = headers.get(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH);
        if (length == null) {
            return;
        }
        long declared;
        try {
            declared = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            declared = -1;
        }
        if (declared < 0) {
            throw new ProxyException(
                    ProxyFailure.REQUEST_INVALID,
                    "Content-Length '" + dev.ferry.router.tenant.TenantIdRules.printable(length)
                            + "' is not a length (expected: a number of bytes)");
        }
        if (declared > maxRequestBody) {
            throw bodyTooLarge(declared + " bytes declared");
        }
    }

    /**
     * The largest request body forwarded: a transport streaming a body counts it and, past this, cuts the backend's
     * request off and answers {@link #bodyTooLarge}.
     */
    public long maxRequestBody() {
        return maxRequestBody;
    }

    /** The error for a body over the limit, {@code what} saying how large it is (or grew). */
    public ProxyException bodyTooLarge(String what) {
        return new ProxyException(
                ProxyFailure.BODY_TOO_LARGE,
                "the request body is larger than limits.max-request-body, "
                        + dev.ferry.router.config.Sizes.format(maxRequestBody) + " (" + what
                        + "); nothing of it reached a backend as a complete request");
    }

    /** A header that only looks like one Ferry sets or trusts ({@code X_Tenant_Id}), when such are refused. */
    private void checkLookalikes(HttpHeaders headers) {
        if (lookalikes.rejects()) {
            String lookalike = lookalikes.find(headers);
            if (lookalike != null) {
                throw new ProxyException(
                        ProxyFailure.REQUEST_INVALID,
                        "header '" + lookalike + "' differs from one Ferry sets or trusts only by '_' for '-', and many"
                                + " backends read both as one (expected: no such header; see"
                                + " forwarding.lookalike-headers)");
            }
        }
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

    /**
     * A part of the request body is on its way to the backend: copied when the request was chosen for a shadow read
     * (a route declared idempotent). Both transports call this for every part they forward.
     */
    public static void requestBody(Admission admission, io.netty.buffer.ByteBuf part) {
        if (admission instanceof Admitted admitted && admitted.bodyCopy() != null) {
            admitted.bodyCopy().add(part);
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

    /** A held request failed before it was sent anywhere (its body was malformed): named for the client. */
    public Refusal failed(Held held, Throwable error) {
        return refusal(held.head(), held.tenant(), null, error);
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
        } else if (outcome.admission() instanceof Held held) {
            held.hold().abandon(); // the client went away while held
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
        ExchangeSpan span = outcome.admission().head().span();
        if (span != null) {
            RoutingDecision decision = outcome.decision();
            Tracing.end(
                    span,
                    outcome.transport().tag(),
                    outcome.tenant(),
                    outcome.backend(),
                    decision == null ? null : decision.reason(),
                    decision == null ? null : decision.rule(),
                    outcome.status(),
                    outcome.failure(),
                    outcome.clientClosed());
        }
        if (accessLog.sampled()) {
            accessLog.offer(outcome.accessRecord(routing.revision()));
        }
        shadow.finished(outcome); // 5. after the answer: a shadowed tenant's read, asked again of both backends
    }
}
