package dev.ferry.router.pipeline;

import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.tenant.TenantId;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs failures an operator must see (backend errors, open breakers, unknown routing), at most one line per kind per
 * second: an outage at thousands of requests per second must not become thousands of log lines. Lines that were held
 * back are counted in the next one. Client mistakes (bad tenants) are not logged; metrics count them. Ferry's own bugs
 * are logged with their stack trace, as rarely.
 */
final class FailureLog {
    private static final Logger LOG = LoggerFactory.getLogger(FailureLog.class);
    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final AtomicLongArray lastLogged = new AtomicLongArray(ProxyFailure.values().length);
    private final AtomicLong[] suppressed = new AtomicLong[ProxyFailure.values().length];

    FailureLog() {
        for (int i = 0; i < suppressed.length; i++) {
            suppressed[i] = new AtomicLong();
            lastLogged.set(i, System.nanoTime() - INTERVAL_NANOS);
        }
    }

    void log(
            ProxyFailure failure,
            TenantId tenant,
            Backend backend,
            String method,
            String uri,
            String message,
            Throwable error) {
        if (!worthLogging(failure)) {
            return;
        }
        int i = failure.ordinal();
        long now = System.nanoTime();
        long last = lastLogged.get(i);
        if (now - last < INTERVAL_NANOS || !lastLogged.compareAndSet(i, last, now)) {
            suppressed[i].incrementAndGet();
            return;
        }
        long held = suppressed[i].getAndSet(0);
        if (failure == ProxyFailure.INTERNAL) {
            // a bug in Ferry: the client is told to see the log, so the log must show where
            LOG.error(
                    "{} tenant={} backend={} {} {}{}",
                    failure.kind(),
                    tenant,
                    backend == null ? "none" : backend.tag(),
                    method,
                    uri,
                    held == 0 ? "" : " (+" + held + " more of this kind in the last second(s))",
                    error);
            return;
        }
        LOG.warn(
                "{} tenant={} backend={} {} {}: {}{}",
                failure.kind(),
                tenant,
                backend == null ? "none" : backend.tag(),
                method,
                uri,
                message,
                held == 0 ? "" : " (+" + held + " more of this kind in the last second(s))");
    }

    private static boolean worthLogging(ProxyFailure failure) {
        return switch (failure) {
            case REQUEST_INVALID, TENANT_MISSING, TENANT_INVALID, TENANT_AMBIGUOUS, TENANT_TOKEN_INVALID -> false;
            default -> true;
        };
    }
}
