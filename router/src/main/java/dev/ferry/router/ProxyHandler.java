package dev.ferry.router;

import dev.ferry.router.config.TenantConfig.WhenMissing;
import dev.ferry.router.forwarding.Forwarder;
import dev.ferry.router.metrics.RouterMeters;
import dev.ferry.router.routing.Backend;
import dev.ferry.router.routing.RoutingDecision;
import dev.ferry.router.routing.RoutingDecision.Reason;
import dev.ferry.router.routing.UnleashRoutingPolicy;
import dev.ferry.router.tenant.TenantResolution;
import dev.ferry.router.tenant.TenantResolvers;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The request path, in order. Read this first.
 *
 * <pre>
 *   1. tenant    headers/path/token -> TenantId         (tenant/)
 *   2. routing   TenantId -> RoutingDecision            (routing/, in memory)
 *   3. forward   stream to that backend and back        (forwarding/, guarded per backend by resilience/)
 * </pre>
 *
 * Everything here runs on Netty event loops and never blocks.
 */
public final class ProxyHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);

    private final TenantResolvers tenants;
    private final WhenMissing whenMissing;
    private final UnleashRoutingPolicy routing;
    private final Forwarder forwarder;
    private final ErrorResponses errors;
    private final RouterMeters meters;
    private final FailureLog failureLog = new FailureLog();

    public ProxyHandler(
            TenantResolvers tenants,
            WhenMissing whenMissing,
            UnleashRoutingPolicy routing,
            Forwarder forwarder,
            ErrorResponses errors,
            RouterMeters meters) {
        this.tenants = tenants;
        this.whenMissing = whenMissing;
        this.routing = routing;
        this.forwarder = forwarder;
        this.errors = errors;
        this.meters = meters;
    }

    public Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        Exchange exchange = new Exchange(request.method());
        Mono<Void> result;
        try {
            String target = RequestTarget.originForm(request.method(), request.uri()); // 0. only paths
            TenantResolution resolved = tenants.resolve(request.requestHeaders(), target); // 1. who
            exchange.tenant = resolved.tenant();
            RoutingDecision decision = decide(resolved); // 2. where
            result = forwarder.forward(decision, resolved.uri(), request, response, exchange); // 3. send
        } catch (RuntimeException e) {
            result = Mono.error(e);
        }
        return result.onErrorResume(error -> fail(request, response, exchange, error))
                .doFinally(signal -> record(exchange, response, signal));
    }

    RoutingDecision decide(TenantResolution resolved) {
        if (resolved.tenant() != null) {
            return routing.decide(resolved.tenant());
        }
        if (whenMissing == WhenMissing.LEGACY) {
            meters.recordDecision(Backend.LEGACY, Reason.NO_TENANT_DEFAULT);
            return new RoutingDecision(null, Backend.LEGACY, Reason.NO_TENANT_DEFAULT);
        }
        throw new ProxyException(
                ProxyFailure.TENANT_MISSING,
                "the request names no tenant (expected: " + tenants.describeSources() + ")");
    }

    private Mono<Void> fail(
            HttpServerRequest request, HttpServerResponse response, Exchange exchange, Throwable error) {
        if (error instanceof ClientAbortException) {
            exchange.clientClosed = true;
            return Mono.empty();
        }
        String message = failed(exchange, request.method().name(), request.uri(), error);
        if (response.hasSentHeaders()) {
            // Too late for an error response: close the connection so that a cut body never looks complete.
            response.withConnection(connection -> connection.channel().close());
            return Mono.empty();
        }
        exchange.status = exchange.failure.status().code();
        return Mono.from(errors.respond(response, exchange.failure, message));
    }

    /** Classifies and logs (rate-limited) a failed exchange; returns the message for the client. */
    String failed(Exchange exchange, String method, String uri, Throwable error) {
        ProxyFailure failure = ProxyFailure.of(error);
        String message = error.getMessage() == null ? failure.kind() : error.getMessage();
        if (failure == ProxyFailure.INTERNAL) {
            message = "internal error in Ferry; see its log";
        } else if (exchange.backend != null) {
            message = "backend '" + exchange.backend.tag() + "': " + message;
        }
        failureLog.log(failure, exchange.tenant, exchange.backend, method, uri, message, error);
        exchange.failure = failure;
        return message;
    }

    private void record(Exchange exchange, HttpServerResponse response, SignalType signal) {
        if (signal == SignalType.CANCEL) {
            exchange.clientClosed = true;
        }
        if (exchange.status == 0 && response.hasSentHeaders()) {
            exchange.status = response.status().code();
        }
        record(exchange);
    }

    /** Records a finished exchange in {@code ferry.requests}. */
    void record(Exchange exchange) {
        meters.recordRequest(
                exchange.backend,
                exchange.method,
                exchange.status,
                exchange.failure,
                exchange.clientClosed,
                System.nanoTime() - exchange.startNanos);
    }
}
