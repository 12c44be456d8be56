package dev.ferry.router.telemetry;

import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.exchange.Transport;
import dev.ferry.router.routing.RoutingDecision.Reason;
import dev.ferry.router.tenant.TenantId;
import java.net.SocketAddress;

/**
 * One request as the access log shows it: captured on the event loop when the exchange ends, from values that are
 * immutable already (header values are copied as strings), and turned into JSON by the writer's thread.
 *
 * @param startMillis when the request's head was read, Unix milliseconds
 * @param target the request target as received (path and query)
 * @param protocol the HTTP version: {@code 1.0}, {@code 1.1} or {@code 2}
 * @param client the client's address, or null
 * @param host the {@code Host} (or {@code :authority}) the client named, or null
 * @param status the status the client got, or 0 when none was sent
 * @param failure what went wrong, or null
 * @param outcome {@code forwarded}, {@code refused} (Ferry answered before any backend), {@code failed} (after one was
 *     chosen) or {@code client_closed}
 * @param tenant the tenant, or null when the request named none
 * @param backend the backend chosen, or null
 * @param reason why, or null when no decision was made
 * @param rule the flag rule that decided, or null
 * @param revision the revision of the flag state applied when the request ended, or null
 * @param firstByteNanos from the head read to the response's head handed to the client, or -1 when none was
 * @param totalNanos from the head read to the end of the exchange
 * @param traceparent the client's {@code traceparent}, or null (its ids are logged when Ferry records no span)
 * @param traceId Ferry's span's trace id, or null when Ferry records no span
 * @param spanId Ferry's span's id, or null
 * @param shadow for a shadow request (outcome {@code shadow}): which copy it was and what was judged; else null
 */
public record AccessRecord(
        long startMillis,
        String method,
        String target,
        String protocol,
        SocketAddress client,
        String userAgent,
        String host,
        long requestBytes,
        long responseBytes,
        int status,
        ProxyFailure failure,
        String outcome,
        Transport transport,
        TenantId tenant,
        Backend backend,
        Reason reason,
        String rule,
        String revision,
        long firstByteNanos,
        long totalNanos,
        String traceparent,
        String traceId,
        String spanId,
        Shadow shadow) {

    /**
     * A shadow request's part in its comparison.
     *
     * @param role {@code legacy}, {@code new}, {@code legacy2} (the noise sample) or {@code new_reread} (after the lag
     *     bound)
     * @param route the route template it was counted under
     * @param verdict the verdict of the comparison it was part of
     */
    public record Shadow(String role, String route, String verdict) {}
}
