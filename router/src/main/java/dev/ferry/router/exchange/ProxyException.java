package dev.ferry.router.exchange;

import static java.util.Objects.requireNonNull;

/**
 * A failure the router answers itself. Carries no stack trace: these are expected outcomes (a bad tenant, an open
 * breaker), thrown on the request path, and a stack trace would cost more than the request.
 */
public final class ProxyException extends RuntimeException {
    private final ProxyFailure failure;

    public ProxyException(ProxyFailure failure, String message) {
        super(message, null, false, false);
        this.failure = requireNonNull(failure, "failure");
    }

    public ProxyException(ProxyFailure failure, String message, Throwable cause) {
        super(message, cause, false, false);
        this.failure = requireNonNull(failure, "failure");
    }

    public ProxyFailure failure() {
        return failure;
    }
}
