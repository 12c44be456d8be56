package dev.ferry.router.forwarding;

import dev.ferry.router.config.ForwardingConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.exchange.TraceParent;
import dev.ferry.router.tenant.TenantId;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Header rewriting in both directions.
 *
 * <ul>
 *   <li>Hop-by-hop headers (RFC 9110 §7.6.1: Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding,
 *       Upgrade, and every header the Connection header names) describe one connection and are never forwarded.
 *       {@code Expect} is answered by the router itself. Netty's {@code x-http2-*} conversion headers are internal.
 *   <li>Headers that could fake the routing decision are not the client's to send: every {@code X-Ferry-*} header is
 *       dropped, the tenant header the backend sees is set to the tenant Ferry resolved, and {@code X-Forwarded-*} /
 *       {@code Forwarded} are replaced unless the operator trusts the hop in front of Ferry.
 *   <li>Headers that only look like one of those ({@code X_Tenant_Id}: many backends read it as {@code X-Tenant-Id})
 *       are never forwarded ({@link LookalikeHeaders}).
 *   <li>{@code X-Forwarded-For/Proto/Host} and {@code Via} are set.
 *   <li>W3C {@code traceparent} and {@code tracestate} pass unchanged, unless Ferry records a span of its own: then
 *       the backend's {@code traceparent} names Ferry's span.
 * </ul>
 */
public final class ProxyHeaders {
    private static final AsciiString[] HOP_BY_HOP = {
        HttpHeaderNames.CONNECTION,
        HttpHeaderNames.PROXY_CONNECTION,
        HttpHeaderNames.KEEP_ALIVE,
        HttpHeaderNames.TE,
        HttpHeaderNames.TRANSFER_ENCODING,
        HttpHeaderNames.UPGRADE,
        HttpHeaderNames.TRAILER,
        HttpHeaderNames.PROXY_AUTHENTICATE,
        HttpHeaderNames.PROXY_AUTHORIZATION,
        HttpHeaderNames.EXPECT
    };
    private static final String PSEUDONYM = "ferry";
    private static final String FERRY_PREFIX = "x-ferry-";
    private static final String HTTP2_PREFIX = "x-http2-";
    // Names and values set on every exchange, as AsciiString: their hash is computed once, not per look-up.
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");
    private static final AsciiString VIA_1_1 = AsciiString.cached("1.1 " + PSEUDONYM);
    private static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    private static final AsciiString TRACESTATE = AsciiString.cached("tracestate");

    private final ForwardingConfig config;
    private final LookalikeHeaders lookalikes;
    /** The scheme clients use to reach Ferry. */
    private final AsciiString proto;

    private final AsciiString tenantHeader;
    private final AsciiString servedByHeader;
    private final AsciiString[] backendTags = new AsciiString[Backend.values().length];

    /** Lookalikes of the forwarding headers are stripped, the tenant header the client names being X-Tenant-Id. */
    public ProxyHeaders(ForwardingConfig config) {
        this(
                config,
                new LookalikeHeaders(false, List.of(config.tenantHeader(), config.servedByHeader(), "X-Tenant-Id")));
    }

    /** @param lookalikes which client headers only look like one Ferry sets or trusts: never forwarded */
    public ProxyHeaders(ForwardingConfig config, LookalikeHeaders lookalikes) {
        this(config, lookalikes, false);
    }

    /**
     * @param lookalikes which client headers only look like one Ferry sets or trusts: never forwarded
     * @param tls whether clients reach Ferry over TLS: {@code X-Forwarded-Proto} is then {@code https}
     */
    public ProxyHeaders(ForwardingConfig config, LookalikeHeaders lookalikes, boolean tls) {
        this.config = config;
        this.proto = tls ? HTTPS : HTTP;
        this.lookalikes = lookalikes;
        this.tenantHeader = AsciiString.of(config.tenantHeader());
        this.servedByHeader = AsciiString.of(config.servedByHeader());
        for (Backend backend : Backend.values()) {
            backendTags[backend.ordinal()] = AsciiString.cached(backend.tag());
        }
    }

    /**
     * Fills the backend request's headers from the client's.
     *
     * @param in the client's headers
     * @param out the backend request's headers (emptied first)
     * @param tenant the resolved tenant, or null
     * @param clientAddress the client's IP address, as text
     * @param backendAuthority {@code host:port} of the backend, for Host
     */
    public void toBackend(
            HttpHeaders in, HttpHeaders out, TenantId tenant, String clientAddress, String backendAuthority) {
        toBackend(in, out, tenant, clientAddress, backendAuthority, "1.1");
    }

    /**
     * @param protocol the protocol version the client's request came in on, for Via ({@code 1.1}, {@code 2})
     */
    public void toBackend(
            HttpHeaders in,
            HttpHeaders out,
            TenantId tenant,
            String clientAddress,
            String backendAuthority,
            String protocol) {
        toBackend(in, out, tenant, clientAddress, backendAuthority, protocol, null);
    }

    /**
     * @param trace Ferry's span as the backend's parent, or null: the client's {@code traceparent} and
     *     {@code tracestate} pass unchanged, as through any proxy that takes no part in the trace
     */
    public void toBackend(
            HttpHeaders in,
            HttpHeaders out,
            TenantId tenant,
            String clientAddress,
            String backendAuthority,
            String protocol,
            TraceParent trace) {
        // One pass: copy what may pass, then set what Ferry owns. Cheaper than copying all and deleting.
        out.clear();
        List<String> connectionListed = connectionListed(in);
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            CharSequence name = header.getKey();
            if (!isHopByHop(name, connectionListed) && !isOwnedByFerry(name)) {
                out.add(name, header.getValue());
            }
        }
        String clientHost = in.get(HttpHeaderNames.HOST);
        out.set(HttpHeaderNames.HOST, config.preserveHost() && clientHost != null ? clientHost : backendAuthority);
        forwardedFor(in, out, clientAddress, clientHost);
        appendVia(in, out, protocol);
        if (!tenantHeader.isEmpty() && tenant != null) {
            out.set(tenantHeader, tenant.value()); // a client's own was not copied (isOwnedByFerry)
        }
        if (trace != null) {
            out.set(TRACEPARENT, trace.traceparent());
            if (!trace.keepTracestate()) {
                out.remove(TRACESTATE);
            }
        }
    }

    /** Headers Ferry sets itself toward the backend, whatever the client sent. */
    private boolean isOwnedByFerry(CharSequence name) {
        if (startsWithIgnoreCase(name, FERRY_PREFIX) || startsWithIgnoreCase(name, HTTP2_PREFIX)) {
            return true;
        }
        if (equalsIgnoreCase(name, "host") || equalsIgnoreCase(name, "via")) {
            return true; // set below (Host from the backend unless preserved; Via extended)
        }
        if (!tenantHeader.isEmpty() && tenantHeader.contentEqualsIgnoreCase(name)) {
            return true;
        }
        if (lookalikes.isLookalike(name)) {
            return true; // X_Tenant_Id: many backends read it as X-Tenant-Id
        }
        return !config.trustForwardedHeaders()
                && (startsWithIgnoreCase(name, "x-forwarded-") || equalsIgnoreCase(name, "forwarded"));
    }

    /** The index of a hop-by-hop header name in {@link #HOP_BY_HOP}, or -1. */
    private static int hopIndex(CharSequence name) {
        for (int i = 0; i < HOP_BY_HOP.length; i++) {
            if (HOP_BY_HOP[i].length() == name.length() && HOP_BY_HOP[i].contentEqualsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isHopByHop(CharSequence name, List<String> connectionListed) {
        if (hopIndex(name) >= 0) {
            return true;
        }
        if (connectionListed != null) {
            for (String listed : connectionListed) {
                if (equalsIgnoreCase(name, listed)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The header names the Connection header lists (RFC 9110 §7.6.1), or null when it lists none. */
    private static List<String> connectionListed(HttpHeaders in) {
        if (!in.contains(HttpHeaderNames.CONNECTION)) {
            return null;
        }
        List<String> out = null;
        for (String connection : in.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : connection.split(",")) {
                String name = token.trim();
                if (!name.isEmpty() && !isHopByHop(name, null)) {
                    if (out == null) {
                        out = new ArrayList<>(2);
                    }
                    out.add(name);
                }
            }
        }
        return out;
    }

    private static boolean equalsIgnoreCase(CharSequence a, String b) {
        return a.length() == b.length() && io.netty.util.AsciiString.contentEqualsIgnoreCase(a, b);
    }

    /** Fills the client response's headers from the backend's. */
    public void toClient(HttpHeaders in, HttpHeaders out, Backend backend) {
        out.set(in);
        toClientInPlace(out, backend);
    }

    /** Rewrites a backend response's headers where they are, so that the same message can go on to the client. */
    public void toClientInPlace(HttpHeaders headers, Backend backend) {
        // One look at the response's few headers, then a removal per hop-by-hop name actually there.
        List<String> connectionListed = connectionListed(headers);
        int present = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            int hop = hopIndex(it.next().getKey());
            if (hop >= 0) {
                present |= 1 << hop;
            }
        }
        for (int hop = 0; present != 0; hop++, present >>>= 1) {
            if ((present & 1) != 0) {
                headers.remove(HOP_BY_HOP[hop]);
            }
        }
        if (connectionListed != null) {
            connectionListed.forEach(headers::remove);
        }
        appendVia(headers, headers, "1.1");
        if (!servedByHeader.isEmpty()) {
            headers.set(servedByHeader, backendTags[backend.ordinal()]);
        }
    }

    private void forwardedFor(HttpHeaders in, HttpHeaders out, String clientAddress, String clientHost) {
        if (config.trustForwardedHeaders()) {
            String prior = joined(in, X_FORWARDED_FOR);
            out.set(X_FORWARDED_FOR, prior == null || prior.isBlank() ? clientAddress : prior + ", " + clientAddress);
            if (!in.contains(X_FORWARDED_PROTO)) {
                out.set(X_FORWARDED_PROTO, proto);
            }
            if (!in.contains(X_FORWARDED_HOST) && clientHost != null) {
                out.set(X_FORWARDED_HOST, clientHost);
            }
            return;
        }
        // The client's own Forwarded and X-Forwarded-* were not copied (isOwnedByFerry).
        out.set(X_FORWARDED_FOR, clientAddress);
        out.set(X_FORWARDED_PROTO, proto);
        if (clientHost != null) {
            out.set(X_FORWARDED_HOST, clientHost);
        }
    }

    /** RFC 9110 §7.6.3: the protocol version the message was received with, and Ferry's pseudonym. */
    private static void appendVia(HttpHeaders in, HttpHeaders out, String protocol) {
        CharSequence via = "1.1".equals(protocol) ? VIA_1_1 : protocol + " " + PSEUDONYM;
        String prior = in.contains(HttpHeaderNames.VIA) ? joined(in, HttpHeaderNames.VIA) : null;
        out.set(HttpHeaderNames.VIA, prior == null || prior.isBlank() ? via : prior + ", " + via);
    }

    /** Every line of a list-valued header, as one comma-separated value (RFC 9110 §5.3). */
    private static String joined(HttpHeaders headers, CharSequence name) {
        List<String> all = headers.getAll(name);
        return all.isEmpty() ? null : String.join(", ", all);
    }

    private static boolean startsWithIgnoreCase(CharSequence name, String lowerPrefix) {
        if (name.length() < lowerPrefix.length()) {
            return false;
        }
        for (int i = 0; i < lowerPrefix.length(); i++) {
            if (Character.toLowerCase(name.charAt(i)) != lowerPrefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Frames a response toward the client on the fast path: a body without {@code Content-Length} (chunked, or
     * delimited by the backend's close) is sent chunked; {@code close} ends the connection after it.
     */
    public static void frameResponse(HttpHeaders toClient, int status, HttpMethod method, boolean close) {
        boolean mayHaveBody = status != 204 && status != 304 && !HttpMethod.HEAD.equals(method);
        if (mayHaveBody && !toClient.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            toClient.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (close) {
            toClient.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
    }

    /**
     * {@link HttpUtil#isKeepAlive}, with the common case first: an HTTP/1.1 message without a Connection header stays
     * open (one hash look-up instead of a scan of the header's values).
     */
    public static boolean keepAlive(HttpMessage message) {
        return message.protocolVersion() == HttpVersion.HTTP_1_1
                        && !message.headers().contains(HttpHeaderNames.CONNECTION)
                || HttpUtil.isKeepAlive(message);
    }

    /** Trailers are not forwarded either way: they would slip past the header rules. */
    public static void dropTrailers(LastHttpContent last) {
        if (!last.trailingHeaders().isEmpty()) {
            last.trailingHeaders().clear();
        }
    }

    /**
     * Frames a request body toward the backend: the client's own framing ({@code Transfer-Encoding}) is hop-by-hop and
     * was dropped, so a body without {@code Content-Length} is sent chunked.
     */
    public static void frameBody(HttpHeaders toBackend, boolean hasBody) {
        if (hasBody && !toBackend.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            toBackend.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }

    /**
     * Whether a request has a body to stream. HTTP/1.1 says so with Content-Length or Transfer-Encoding; a body-less
     * request gets none, not an empty chunked one. HTTP/2 need not say, so there a body is streamed unless
     * Content-Length is 0 or the method never carries one.
     */
    public static boolean hasBody(HttpHeaders headers, HttpMethod method, HttpVersion version) {
        String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null) {
            return !length.equals("0");
        }
        if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return true; // chunked, or another coding that frames a body
        }
        return version.majorVersion() == 2
                && method != HttpMethod.GET
                && method != HttpMethod.HEAD
                && method != HttpMethod.OPTIONS
                && method != HttpMethod.TRACE;
    }

    /** The client's IP address as text, for X-Forwarded-For. */
    public static String clientAddress(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() == null
                    ? inet.getHostString()
                    : inet.getAddress().getHostAddress();
        }
        return "unknown";
    }

    /** Whether the request asks to become a WebSocket ({@code Connection: upgrade} and {@code Upgrade: websocket}). */
    public static boolean isWebSocketUpgrade(HttpHeaders headers) {
        String upgrade = headers.get(HttpHeaderNames.UPGRADE);
        return upgrade != null
                && upgrade.toLowerCase(Locale.ROOT).contains("websocket")
                && headers.containsValue(HttpHeaderNames.CONNECTION, "upgrade", true);
    }
}
