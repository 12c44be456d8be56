package dev.ferry.router.resilience;

import dev.ferry.router.exchange.ProxyFailure;
import java.util.Set;

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
     * Whether an error is the backend's fault, by the one table in {@link ProxyFailure}; a failure status stands as a
     * {@link BackendStatusException}.
     */
    public static boolean isBackendFailure(Throwable error) {
        return error instanceof BackendStatusException || ProxyFailure.isBackendsFault(error);
    }

    /** Stands for a failure status in the breaker's record. */
    public static final class BackendStatusException extends RuntimeException {
        public BackendStatusException(int status) {
            super("backend answered " + status, null, false, false);
        }
    }
}
