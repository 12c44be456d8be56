package dev.ferry.router.exchange;

import static java.util.Objects.requireNonNull;

/**
 * The W3C trace context a backend gets when Ferry records a span of its own: Ferry's span as the parent.
 *
 * @param traceparent {@code 00-<trace id>-<Ferry's span id>-<flags>}
 * @param keepTracestate whether the client's {@code tracestate} goes on unchanged: it does when its {@code traceparent}
 *     was valid (Ferry adds no entry of its own), and is dropped when Ferry started a new trace (W3C Trace Context
 *     §3.3: a vendor that could not parse {@code traceparent} must not pass its {@code tracestate} on)
 */
public record TraceParent(String traceparent, boolean keepTracestate) {
    public TraceParent {
        requireNonNull(traceparent, "traceparent");
    }
}
