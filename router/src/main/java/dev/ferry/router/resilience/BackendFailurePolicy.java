package dev.ferry.router.resilience;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.TimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.Set;
import reactor.netty.http.client.PrematureCloseException;

/** What counts against a backend's breaker: connect errors, timeouts, early closes and the configured statuses. */
public final class BackendFailurePolicy {
    private final boolean[] failureStatus = new boolean[600];

    public BackendFailurePolicy(Set<Integer> failureStatuses) {
        failureStatuses.forEach(s -> failureStatus[s] = true);
    }

    /** Whether a backend's status counts as a failure (it is still passed to the client untouched). */
    public boolean isFailure(int status) {
        return status >= 0 && status < failureStatus.length && failureStatus[status];
    }

    /**
     * Whether an error is the backend's fault. A client that goes away, or a full local pool, says nothing about the
     * backend's health and does not count.
     */
    public static boolean isBackendFailure(Throwable error) {
        return error instanceof ConnectException
                || error instanceof ConnectTimeoutException
                || error instanceof NoRouteToHostException
                || error instanceof UnknownHostException
                || error instanceof TimeoutException
                || error instanceof PrematureCloseException
                || error instanceof java.io.IOException
                || error instanceof BackendStatusException;
    }

    /** Stands for a failure status in the breaker's record. */
    public static final class BackendStatusException extends RuntimeException {
        public BackendStatusException(int status) {
            super("backend answered " + status, null, false, false);
        }
    }
}
