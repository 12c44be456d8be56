package dev.ferry.router.pipeline;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.tenant.TenantId;

/**
 * How one exchange ended, whichever transport carried it: built once, at its end, and consumed by
 * {@link Pipeline#finish} (metrics, breaker, in time access logs).
 *
 * @param status the status the client got, or 0 when none was sent
 * @param failure what went wrong, or null
 * @param clientClosed the client went away before the exchange was complete
 * @param requestBytes body bytes received from the client
 * @param responseBytes body bytes sent to the client
 * @param endNanos {@link System#nanoTime()} at the end
 */
public record Outcome(
        Admission admission,
        int status,
        ProxyFailure failure,
        boolean clientClosed,
        long requestBytes,
        long responseBytes,
        long endNanos) {
    public Outcome {
        requireNonNull(admission, "admission");
    }

    /** A refused request, answered with its refusal's status (the client may have gone before it was sent). */
    public static Outcome refused(Admission.Refused refused, boolean clientClosed) {
        ProxyFailure failure = refused.refusal().failure();
        return new Outcome(refused, failure.status().code(), failure, clientClosed, 0, 0, System.nanoTime());
    }

    /** A held request whose client went away before it was sent anywhere. */
    public static Outcome abandoned(Admission.Held held) {
        return new Outcome(held, 0, null, true, 0, 0, System.nanoTime());
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

    public long nanos() {
        return endNanos - admission.head().startNanos();
    }
}
