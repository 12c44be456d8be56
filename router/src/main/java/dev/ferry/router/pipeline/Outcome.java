package dev.ferry.router.pipeline;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.routing.RoutingDecision;
import dev.ferry.router.telemetry.AccessRecord;
import dev.ferry.router.telemetry.ExchangeSpan;
import dev.ferry.router.tenant.TenantId;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;

/**
 * How one exchange ended, whichever transport carried it: built once, at its end, and consumed by
 * {@link Pipeline#finish} (metrics, breaker, span, access log).
 *
 * @param status the status the client got, or 0 when none was sent
 * @param failure what went wrong, or null
 * @param clientClosed the client went away before the exchange was complete
 * @param requestBytes body bytes received from the client
 * @param responseBytes body bytes sent to the client
 * @param firstByteNanos {@link System#nanoTime()} when the response's head was handed to the client, or 0 when none was
 * @param endNanos {@link System#nanoTime()} at the end
 */
public record Outcome(
        Admission admission,
        int status,
        ProxyFailure failure,
        boolean clientClosed,
        long requestBytes,
        long responseBytes,
        long firstByteNanos,
        long endNanos) {
    private static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");

    public Outcome {
        requireNonNull(admission, "admission");
    }

    /** A refused request, answered with its refusal's status (the client may have gone before it was sent). */
    public static Outcome refused(Admission.Refused refused, boolean clientClosed) {
        ProxyFailure failure = refused.refusal().failure();
        long now = System.nanoTime();
        return new Outcome(refused, failure.status().code(), failure, clientClosed, 0, 0, clientClosed ? 0 : now, now);
    }

    /** A held request whose client went away before it was sent anywhere. */
    public static Outcome abandoned(Admission.Held held) {
        return new Outcome(held, 0, null, true, 0, 0, 0, System.nanoTime());
    }

    public Transport transport() {
        return admission.head().transport();
    }

    public Backend backend() {
        return admission.backend();
    }

    public TenantId tenant() {
        return admission.tenant();
    }

    /** From the head read to the response's head handed to the client, or -1 when none was. */
    public long firstByteNanosFromStart() {
        return firstByteNanos == 0 ? -1 : firstByteNanos - admission.head().startNanos();
    }

    public long nanos() {
        return endNanos - admission.head().startNanos();
    }

    /** The routing decision the request was sent (or held) by, or null when it was refused before one. */
    public RoutingDecision decision() {
        if (admission instanceof Admission.Admitted admitted) {
            return admitted.decision();
        }
        return admission instanceof Admission.Held held ? held.decision() : null;
    }

    /**
     * {@code forwarded}, {@code refused} (answered by Ferry before any backend), {@code failed} (after one was chosen)
     * or {@code client_closed}.
     */
    public String kind() {
        if (admission instanceof Admission.Refused) {
            return "refused";
        }
        if (failure != null) {
            return "failed";
        }
        return clientClosed ? "client_closed" : "forwarded";
    }

    /**
     * The access log's record of this exchange: header values copied now, on the event loop, so that the writer's
     * thread reads nothing the connection still owns.
     *
     * @param revision the revision of the flag state applied now, or null
     */
    public AccessRecord accessRecord(String revision) {
        RequestHead head = admission.head();
        RoutingDecision decision = decision();
        long total = nanos();
        ExchangeSpan span = head.span();
        return new AccessRecord(
                System.currentTimeMillis() - total / 1_000_000,
                head.method().name(),
                head.uri(),
                head.protocol(),
                head.client(),
                head.headers().get(HttpHeaderNames.USER_AGENT),
                head.headers().get(HttpHeaderNames.HOST), // HTTP/2's :authority too, as Netty converts it
                requestBytes,
                responseBytes,
                status,
                failure,
                kind(),
                head.transport(),
                tenant(),
                backend(),
                decision == null ? null : decision.reason(),
                decision == null ? null : decision.rule(),
                revision,
                firstByteNanosFromStart(),
                total,
                head.headers().get(TRACEPARENT),
                span == null ? null : span.traceId(),
                span == null ? null : span.spanId(),
                null);
    }
}
