package dev.ferry.router.exchange;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.function.Predicate;

/**
 * Everything that can go wrong while proxying, closed: each kind carries the status the client gets, the value of
 * {@code X-Ferry-Error}, the {@code outcome} tag of {@code ferry.requests}, and whether it counts against the backend's
 * circuit breaker. Adding a kind means adding a line here (and a row in docs/troubleshooting.md).
 *
 * <p>{@link #of(Throwable)} is the one table from errors to kinds: failure naming, logging and the breaker's policy
 * ({@link #isBackendsFault(Throwable)}) all read it.
 */
public enum ProxyFailure {
    /** A request target Ferry does not forward: absolute-form to a host, authority-form, {@code *}, CONNECT. */
    REQUEST_INVALID(HttpResponseStatus.BAD_REQUEST, "request_invalid", false),
    /** A request body larger than {@code limits.max-request-body}, declared or streamed. */
    BODY_TOO_LARGE(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large", false),
    /**
     * A request's head (request line and headers) did not arrive whole within {@code limits.request-head-timeout} of
     * its first byte: a client trickling header lines. Answered before the head is decoded; the connection closes.
     */
    REQUEST_HEAD_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "request_head_timeout", false),
    TENANT_MISSING(HttpResponseStatus.BAD_REQUEST, "tenant_missing", false),
    TENANT_INVALID(HttpResponseStatus.BAD_REQUEST, "tenant_invalid", false),
    TENANT_AMBIGUOUS(HttpResponseStatus.BAD_REQUEST, "tenant_ambiguous", false),
    TENANT_TOKEN_INVALID(HttpResponseStatus.UNAUTHORIZED, "tenant_token_invalid", false),
    /** No flag state has been loaded yet (or it lacks the routing flag): fail closed, never guess legacy. */
    ROUTING_UNKNOWN(HttpResponseStatus.SERVICE_UNAVAILABLE, "routing_unknown", false),
    /**
     * The replica's flag state is older than its lease (its flag source unreachable) while strict: a legacy-bound
     * request was held and the state did not come back in time. Never guessed, never sent to the other backend.
     */
    ROUTING_STALE(HttpResponseStatus.SERVICE_UNAVAILABLE, "routing_stale", false),
    /** The tenant is moving and new did not open within the hold timeout (the pre-activation check did not pass). */
    CUTOVER_HOLD_TIMEOUT(HttpResponseStatus.SERVICE_UNAVAILABLE, "cutover_hold_timeout", false),
    /** Too many requests held at once, overall or of one tenant ({@code cutover.max-held*}). */
    HOLD_LIMIT(HttpResponseStatus.SERVICE_UNAVAILABLE, "hold_limit", false),
    /**
     * A moving tenant's request to the backend it leaves ran past the legacy deadline: cut, so that new can open with
     * nothing of the tenant in flight on the old side.
     */
    CUTOVER_DEADLINE(HttpResponseStatus.GATEWAY_TIMEOUT, "cutover_deadline", false),
    /**
     * The router holds as many client connections as its descriptor budget allows ({@code limits.max-client-connections}):
     * a new one is answered at once and closed, before any request is read, so that Ferry keeps descriptors for its
     * own files and its admin port.
     */
    CONNECTION_LIMIT(HttpResponseStatus.SERVICE_UNAVAILABLE, "connection_limit", false),
    BREAKER_OPEN(HttpResponseStatus.SERVICE_UNAVAILABLE, "breaker_open", false),
    POOL_EXHAUSTED(HttpResponseStatus.SERVICE_UNAVAILABLE, "pool_exhausted", false),
    BACKEND_CONNECT_FAILED(HttpResponseStatus.BAD_GATEWAY, "backend_connect_failed", true),
    BACKEND_CLOSED(HttpResponseStatus.BAD_GATEWAY, "backend_closed", true),
    BACKEND_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "backend_timeout", true),
    /** A bug in Ferry: logged with its stack trace, answered without one. */
    INTERNAL(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error", false);

    /** Errors from the transports and libraries, by type, most specific first. The first match names the kind. */
    private static final List<Rule> RULES = List.of(
            rule(io.netty.handler.codec.http.websocketx.WebSocketHandshakeException.class, REQUEST_INVALID),
            rule(io.github.resilience4j.circuitbreaker.CallNotPermittedException.class, BREAKER_OPEN),
            rule(io.netty.channel.ConnectTimeoutException.class, BACKEND_TIMEOUT),
            rule(io.netty.handler.timeout.TimeoutException.class, BACKEND_TIMEOUT),
            rule(java.net.SocketTimeoutException.class, BACKEND_TIMEOUT),
            rule(java.net.ConnectException.class, BACKEND_CONNECT_FAILED),
            // A new backend connection read before its connect completed (epoll): the exchange fails, its request is
            // never sent (ReactorTransport's BackendRequestClaim). The backend's connection, not Ferry's fault.
            rule(java.nio.channels.NotYetConnectedException.class, BACKEND_CONNECT_FAILED),
            rule(java.net.NoRouteToHostException.class, BACKEND_CONNECT_FAILED),
            rule(java.net.UnknownHostException.class, BACKEND_CONNECT_FAILED),
            rule(reactor.netty.http.client.PrematureCloseException.class, BACKEND_CLOSED),
            rule(java.io.IOException.class, BACKEND_CLOSED),
            // Reactor Netty's pool shades its exceptions: matched by name.
            new Rule(e -> e.getClass().getName().endsWith("PoolAcquireTimeoutException"), POOL_EXHAUSTED),
            new Rule(e -> e.getClass().getName().endsWith("PoolAcquirePendingLimitException"), POOL_EXHAUSTED));

    private final HttpResponseStatus status;
    private final String kind;
    private final boolean backendsFault;

    ProxyFailure(HttpResponseStatus status, String kind, boolean backendsFault) {
        this.status = status;
        this.kind = kind;
        this.backendsFault = backendsFault;
    }

    /**
     * What kind of failure an error on the request path is. Errors Ferry raises itself carry their kind; the rest come
     * from the transport and are classified by type; anything unknown is Ferry's own bug.
     */
    public static ProxyFailure of(Throwable error) {
        if (error instanceof ProxyException p) {
            return p.failure();
        }
        for (Rule rule : RULES) {
            if (rule.matches().test(error)) {
                return rule.failure();
            }
        }
        return INTERNAL;
    }

    /**
     * Whether an error says the backend is unhealthy (it counts against its breaker): a refused connect, a timeout, an
     * early close. A client that goes away, a full local pool, an open breaker or Ferry's own refusals say nothing
     * about the backend.
     */
    public static boolean isBackendsFault(Throwable error) {
        return !(error instanceof ProxyException) && of(error).backendsFault;
    }

    public HttpResponseStatus status() {
        return status;
    }

    /** The value of {@code X-Ferry-Error}, of the {@code error} field in the JSON body and of the metric tag. */
    public String kind() {
        return kind;
    }

    /** Whether this kind of failure counts against the backend's circuit breaker. */
    public boolean backendsFault() {
        return backendsFault;
    }

    private static Rule rule(Class<? extends Throwable> type, ProxyFailure failure) {
        return new Rule(type::isInstance, failure);
    }

    private record Rule(Predicate<Throwable> matches, ProxyFailure failure) {}
}
