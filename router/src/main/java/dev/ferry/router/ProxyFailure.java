package dev.ferry.router;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Everything that can go wrong while proxying, closed: each kind carries the status the client gets, the value of
 * {@code X-Ferry-Error} and the {@code outcome} tag of {@code ferry.requests}. Adding a kind means adding a line here
 * (and a row in docs/troubleshooting.md).
 */
public enum ProxyFailure {
    /** A request target Ferry does not forward: absolute-form to a host, authority-form, {@code *}, CONNECT. */
    REQUEST_INVALID(HttpResponseStatus.BAD_REQUEST, "request_invalid"),
    TENANT_MISSING(HttpResponseStatus.BAD_REQUEST, "tenant_missing"),
    TENANT_INVALID(HttpResponseStatus.BAD_REQUEST, "tenant_invalid"),
    TENANT_AMBIGUOUS(HttpResponseStatus.BAD_REQUEST, "tenant_ambiguous"),
    TENANT_TOKEN_INVALID(HttpResponseStatus.UNAUTHORIZED, "tenant_token_invalid"),
    /** No flag state has been loaded yet (or it lacks the routing flag): fail closed, never guess legacy. */
    ROUTING_UNKNOWN(HttpResponseStatus.SERVICE_UNAVAILABLE, "routing_unknown"),
    BREAKER_OPEN(HttpResponseStatus.SERVICE_UNAVAILABLE, "breaker_open"),
    POOL_EXHAUSTED(HttpResponseStatus.SERVICE_UNAVAILABLE, "pool_exhausted"),
    BACKEND_CONNECT_FAILED(HttpResponseStatus.BAD_GATEWAY, "backend_connect_failed"),
    BACKEND_CLOSED(HttpResponseStatus.BAD_GATEWAY, "backend_closed"),
    BACKEND_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "backend_timeout"),
    /** A bug in Ferry: logged with its stack trace, answered without one. */
    INTERNAL(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error");

    /**
     * What kind of failure an error on the request path is. Errors Ferry raises itself carry their kind; the rest come
     * from the transport and are classified by type.
     */
    public static ProxyFailure of(Throwable error) {
        if (error instanceof ProxyException p) {
            return p.failure();
        }
        if (error instanceof io.netty.handler.codec.http.websocketx.WebSocketHandshakeException) {
            return REQUEST_INVALID;
        }
        if (error instanceof io.github.resilience4j.circuitbreaker.CallNotPermittedException) {
            return BREAKER_OPEN;
        }
        if (error instanceof io.netty.channel.ConnectTimeoutException
                || error instanceof io.netty.handler.timeout.TimeoutException) {
            return BACKEND_TIMEOUT;
        }
        if (error instanceof java.net.ConnectException
                || error instanceof java.net.NoRouteToHostException
                || error instanceof java.net.UnknownHostException) {
            return BACKEND_CONNECT_FAILED;
        }
        if (error instanceof reactor.netty.http.client.PrematureCloseException
                || error instanceof java.io.IOException) {
            return BACKEND_CLOSED;
        }
        String type = error.getClass().getName();
        if (type.endsWith("PoolAcquireTimeoutException") || type.endsWith("PoolAcquirePendingLimitException")) {
            return POOL_EXHAUSTED;
        }
        return INTERNAL;
    }

    private final HttpResponseStatus status;
    private final String kind;

    ProxyFailure(HttpResponseStatus status, String kind) {
        this.status = status;
        this.kind = kind;
    }

    public HttpResponseStatus status() {
        return status;
    }

    /** The value of {@code X-Ferry-Error}, of the {@code error} field in the JSON body and of the metric tag. */
    public String kind() {
        return kind;
    }
}
