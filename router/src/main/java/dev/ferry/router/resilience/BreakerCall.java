package dev.ferry.router.resilience;

import dev.ferry.router.resilience.BackendFailurePolicy.BackendStatusException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * One breaker permission: recorded exactly once, as success, failure, or released unused. Only touched by the
 * request's own event loop.
 */
public final class BreakerCall {
    private final CircuitBreaker breaker;
    private final BackendFailurePolicy policy;
    private final long start;
    private boolean done;

    public BreakerCall(CircuitBreaker breaker, BackendFailurePolicy policy) {
        this.breaker = breaker;
        this.policy = policy;
        this.start = breaker.getCurrentTimestamp();
    }

    /** The backend answered with this status: a success, or a failure when the policy says so. */
    public void answered(int status) {
        if (done) {
            return;
        }
        done = true;
        long took = breaker.getCurrentTimestamp() - start;
        CircuitBreaker.State before = breaker.getState();
        if (policy.isFailure(status)) {
            breaker.onError(took, breaker.getTimestampUnit(), new BackendStatusException(status));
        } else {
            breaker.onSuccess(took, breaker.getTimestampUnit());
        }
        BackendBreakers.logIfChanged(breaker, before);
    }

    /** The call failed: counted against the backend when the error is the backend's fault, else released. */
    public void failed(Throwable error) {
        if (BackendFailurePolicy.isBackendFailure(error)) {
            backendFailed(error);
        } else {
            release();
        }
    }

    /** The call failed through the backend's fault (a refused connect, a timeout, an early close). */
    public void backendFailed(Throwable error) {
        if (done) {
            return;
        }
        done = true;
        CircuitBreaker.State before = breaker.getState();
        breaker.onError(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit(), error);
        BackendBreakers.logIfChanged(breaker, before);
    }

    /** Gives the permission back unused, unless the call was recorded already. */
    public void release() {
        if (!done) {
            done = true;
            breaker.releasePermission();
        }
    }
}
