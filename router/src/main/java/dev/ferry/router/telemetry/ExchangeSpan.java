package dev.ferry.router.telemetry;

import dev.ferry.router.exchange.TraceParent;
import io.opentelemetry.api.trace.Span;

/**
 * Ferry's span for one request, started when its head is read and ended with the exchange; only made when tracing is
 * on.
 *
 * @param toBackend the trace context the backend gets: this span as its parent
 */
public record ExchangeSpan(Span span, TraceParent toBackend) {
    public String traceId() {
        return span.getSpanContext().getTraceId();
    }

    public String spanId() {
        return span.getSpanContext().getSpanId();
    }
}
