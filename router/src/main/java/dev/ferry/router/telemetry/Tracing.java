package dev.ferry.router.telemetry;

import dev.ferry.router.config.TracingConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.exchange.TraceParent;
import dev.ferry.router.routing.RoutingDecision.Reason;
import dev.ferry.router.tenant.TenantId;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Ferry's own spans (OpenTelemetry SDK), one SERVER span per request, exported over OTLP/HTTP in batches by the SDK's
 * own thread. Off (no endpoint): no span objects at all, and {@code traceparent} passes to the backend unchanged.
 */
public final class Tracing implements AutoCloseable {
    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> PROTOCOL = AttributeKey.stringKey("network.protocol.version");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> TENANT = AttributeKey.stringKey("ferry.tenant");
    static final AttributeKey<String> BACKEND = AttributeKey.stringKey("ferry.backend");
    static final AttributeKey<String> REASON = AttributeKey.stringKey("ferry.decision.reason");
    static final AttributeKey<String> RULE = AttributeKey.stringKey("ferry.decision.rule");
    static final AttributeKey<String> FERRY_ERROR = AttributeKey.stringKey("ferry.error");
    static final AttributeKey<String> TRANSPORT = AttributeKey.stringKey("ferry.transport");
    /** Spans reach the collector within about this long (the SDK's default is 5 s). */
    private static final Duration EXPORT_DELAY = Duration.ofSeconds(1);

    private static final Tracing OFF = new Tracing(null);
    private static final TextMapGetter<HttpHeaders> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.names();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    private Tracing(SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider == null ? null : provider.get("dev.ferry.router");
    }

    public static Tracing off() {
        return OFF;
    }

    /** Spans exported to the configured endpoint; {@link #off()} without one. */
    public static Tracing of(TracingConfig config) {
        if (!config.on()) {
            return OFF;
        }
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(config.otlpEndpoint().orElseThrow().toString())
                .build();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault()
                        .merge(Resource.create(
                                Attributes.of(AttributeKey.stringKey("service.name"), config.serviceName()))))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter)
                        .setScheduleDelay(EXPORT_DELAY)
                        .build())
                .build();
        return new Tracing(provider);
    }

    public boolean on() {
        return provider != null;
    }

    /**
     * Starts Ferry's span, a child of the client's {@code traceparent} when it is valid (a new trace otherwise), as
     * of {@code startNanos} ({@link System#nanoTime()} when the head was read). Null when tracing is off.
     */
    public ExchangeSpan start(String method, String target, String protocol, HttpHeaders headers, long startNanos) {
        if (provider == null) {
            return null;
        }
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, HEADERS);
        boolean joined = Span.fromContext(parent).getSpanContext().isValid();
        int query = target.indexOf('?');
        long ago = System.nanoTime() - startNanos;
        Span span = tracer.spanBuilder(method)
                .setSpanKind(SpanKind.SERVER)
                .setParent(parent)
                .setStartTimestamp(epochNanos() - ago, TimeUnit.NANOSECONDS)
                .setAttribute(METHOD, method)
                .setAttribute(PATH, query < 0 ? target : target.substring(0, query))
                .setAttribute(PROTOCOL, protocol)
                .startSpan();
        return new ExchangeSpan(span, new TraceParent(traceparent(span.getSpanContext()), joined));
    }

    /** Ends the span with what the exchange came to. */
    public static void end(
            ExchangeSpan exchange,
            String transport,
            TenantId tenant,
            Backend backend,
            Reason reason,
            String rule,
            int status,
            ProxyFailure failure,
            boolean clientClosed) {
        Span span = exchange.span();
        span.setAttribute(TRANSPORT, transport);
        if (tenant != null) {
            span.setAttribute(TENANT, tenant.value());
        }
        if (backend != null) {
            span.setAttribute(BACKEND, backend.tag());
        }
        if (reason != null) {
            span.setAttribute(REASON, reason.tag());
        }
        if (rule != null) {
            span.setAttribute(RULE, rule);
        }
        if (status != 0) {
            span.setAttribute(STATUS, (long) status);
        }
        if (failure != null) {
            span.setAttribute(FERRY_ERROR, failure.kind());
            span.setAttribute(ERROR_TYPE, failure.kind());
            if (failure.status().code() >= 500) { // a client's mistake is no error of the server's (semconv)
                span.setStatus(StatusCode.ERROR, failure.kind());
            }
        } else if (status >= 500) {
            span.setAttribute(ERROR_TYPE, Integer.toString(status));
            span.setStatus(StatusCode.ERROR);
        } else if (clientClosed) {
            span.setAttribute(ERROR_TYPE, "client_closed");
        }
        span.end();
    }

    private static String traceparent(SpanContext context) {
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-"
                + context.getTraceFlags().asHex();
    }

    private static long epochNanos() {
        java.time.Instant now = java.time.Instant.now();
        return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
    }

    /** Exports what is left (up to a few seconds) and stops the exporter's thread. */
    @Override
    public void close() {
        if (provider != null) {
            provider.shutdown().join(5, TimeUnit.SECONDS);
        }
    }
}
