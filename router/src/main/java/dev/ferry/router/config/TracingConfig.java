package dev.ferry.router.config;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.Optional;

/**
 * Ferry's own spans (OpenTelemetry), sent over OTLP/HTTP when an endpoint is set; without one Ferry records no span and
 * only passes the client's trace context on.
 *
 * @param otlpEndpoint the collector's traces URL ({@code http://collector:4318/v1/traces}), or empty: no spans
 * @param serviceName the {@code service.name} of Ferry's spans
 */
public record TracingConfig(Optional<URI> otlpEndpoint, String serviceName) {
    public TracingConfig {
        requireNonNull(otlpEndpoint, "otlpEndpoint");
        requireNonNull(serviceName, "serviceName");
        Require.require(
                !serviceName.isBlank(),
                "tracing.service-name: empty (expected: a name such as ferry-router, for service.name)");
    }

    public boolean on() {
        return otlpEndpoint.isPresent();
    }

    public static TracingConfig off() {
        return new TracingConfig(Optional.empty(), "ferry-router");
    }
}
