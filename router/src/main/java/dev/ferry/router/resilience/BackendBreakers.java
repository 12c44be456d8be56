package dev.ferry.router.resilience;

import dev.ferry.router.config.BreakerConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Resilience4j circuit breaker per backend. An open breaker answers 503 {@code breaker_open}; it never sends the
 * request to the other backend, because the other backend does not hold that tenant's data.
 *
 * <pre>
 *   CLOSED --(failure rate >= threshold over the window)--> OPEN --(wait-in-open)--> HALF_OPEN
 *   HALF_OPEN --(trial calls succeed)--> CLOSED        HALF_OPEN --(trial calls fail)--> OPEN
 * </pre>
 */
public final class BackendBreakers {
    private static final Logger LOG = LoggerFactory.getLogger(BackendBreakers.class);

    private final Map<Backend, CircuitBreaker> breakers = new EnumMap<>(Backend.class);
    private final BackendFailurePolicy failurePolicy;
    private final long retryAfterSeconds;

    public BackendBreakers(BreakerConfig config) {
        CircuitBreakerConfig breakerConfig = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(config.slidingWindowSize())
                .minimumNumberOfCalls(config.minimumCalls())
                .failureRateThreshold(config.failureRateThreshold())
                .waitDurationInOpenState(config.waitInOpen())
                .permittedNumberOfCallsInHalfOpenState(config.halfOpenCalls())
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .recordException(BackendFailurePolicy::isBackendFailure)
                .build();
        CircuitBreakerRegistry registry = CircuitBreakerRegistry.of(breakerConfig);
        for (Backend backend : Backend.values()) {
            CircuitBreaker breaker = registry.circuitBreaker(backend.tag());
            // No event consumers: with one, Resilience4j builds an event (and reads the wall clock) for every call.
            // Transitions are logged by the calls that cause them (tryAcquire, BreakerCall).
            breakers.put(backend, breaker);
        }
        this.failurePolicy = new BackendFailurePolicy(config.failureStatuses());
        this.retryAfterSeconds = Math.max(1, (config.waitInOpen().toMillis() + 999) / 1000);
    }

    public CircuitBreaker of(Backend backend) {
        return breakers.get(backend);
    }

    /** Every backend's breaker, for the state gauges. */
    public Map<Backend, CircuitBreaker> all() {
        return Map.copyOf(breakers);
    }

    public BackendFailurePolicy failurePolicy() {
        return failurePolicy;
    }

    /**
     * A permission to call the backend, settled exactly once by whoever holds it.
     *
     * @throws ProxyException {@code BREAKER_OPEN} when the breaker does not permit a call now
     */
    public BreakerCall permit(Backend backend) {
        CircuitBreaker breaker = breakers.get(backend);
        if (!tryAcquire(breaker)) {
            throw openError(backend);
        }
        return new BreakerCall(breaker, failurePolicy);
    }

    /** Asks the breaker for a call, logging the transition to half-open that the asking may cause. */
    private static boolean tryAcquire(CircuitBreaker breaker) {
        CircuitBreaker.State before = breaker.getState();
        boolean permitted = breaker.tryAcquirePermission();
        logIfChanged(breaker, before);
        return permitted;
    }

    /** Logs a state change of a backend's breaker, seen by the call that recorded its outcome. */
    public static void logIfChanged(CircuitBreaker breaker, CircuitBreaker.State before) {
        CircuitBreaker.State after = breaker.getState();
        if (after != before) {
            LOG.warn("Circuit breaker of backend {}: {} -> {}", breaker.getName(), before, after);
        }
    }

    /** What a request gets when the backend's breaker is open. */
    private ProxyException openError(Backend backend) {
        return new ProxyException(
                ProxyFailure.BREAKER_OPEN,
                "the circuit breaker of backend '" + backend.tag() + "' is open after repeated failures; retry after "
                        + retryAfterSeconds + " s (requests are never sent to the other backend)");
    }

    /** The {@code Retry-After} an open breaker answers with: its whole wait, rounded up to seconds. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
