package dev.ferry.router.forwarding;

import dev.ferry.router.config.ForwardingConfig;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.tenant.TenantId;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
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
 *   <li>{@code X-Forwarded-For/Proto/Host} and {@code Via} are set.
 * </ul>
 */
public final class ProxyHeaders {
    private static final String[] HOP_BY_HOP = {
        "connection",
        "proxy-connection",
        "keep-alive",
        "te",
        "transfer-encoding",
        "upgrade",
        "trailer",
        "proxy-authenticate",
        "proxy-authorization",
        "expect"
    };
    private static final String PSEUDONYM = "ferry";
    private static final String FERRY_PREFIX = "x-ferry-";
    private static final String HTTP2_PREFIX = "x-http2-";

    private final ForwardingConfig config;

    public ProxyHeaders(ForwardingConfig config) {
        this.config = config;
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
        if (!config.tenantHeader().isEmpty()) {
            if (tenant == null) {
                out.remove(config.tenantHeader());
            } else {
                out.set(config.tenantHeader(), tenant.value());
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
        if (!config.tenantHeader().isEmpty() && equalsIgnoreCase(name, config.tenantHeader())) {
            return true;
        }
        return !config.trustForwardedHeaders()
                && (startsWithIgnoreCase(name, "x-forwarded-") || equalsIgnoreCase(name, "forwarded"));
    }

    private static boolean isHopByHop(CharSequence name, List<String> connectionListed) {
        for (String hop : HOP_BY_HOP) {
            if (equalsIgnoreCase(name, hop)) {
                return true;
            }
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
        List<String> out = null;
        for (String connection : in.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : connection.split(",")) {
                String name = token.trim();
                if (!name.isEmpty()) {
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
        List<String> connectionListed = connectionListed(headers);
        if (connectionListed != null) {
            connectionListed.forEach(headers::remove);
        }
        for (String name : HOP_BY_HOP) {
            headers.remove(name);
        }
        appendVia(headers, headers, "1.1");
        if (!config.servedByHeader().isEmpty()) {
            headers.set(config.servedByHeader(), backend.tag());
        }
    }

    private void forwardedFor(HttpHeaders in, HttpHeaders out, String clientAddress, String clientHost) {
        if (config.trustForwardedHeaders()) {
            String prior = joined(in, "X-Forwarded-For");
            out.set("X-Forwarded-For", prior == null || prior.isBlank() ? clientAddress : prior + ", " + clientAddress);
            if (!in.contains("X-Forwarded-Proto")) {
                out.set("X-Forwarded-Proto", "http");
            }
            if (!in.contains("X-Forwarded-Host") && clientHost != null) {
                out.set("X-Forwarded-Host", clientHost);
            }
            return;
        }
        out.remove("Forwarded");
        out.set("X-Forwarded-For", clientAddress);
        out.set("X-Forwarded-Proto", "http");
        if (clientHost == null) {
            out.remove("X-Forwarded-Host");
        } else {
            out.set("X-Forwarded-Host", clientHost);
        }
    }

    /** RFC 9110 §7.6.3: the protocol version the message was received with, and Ferry's pseudonym. */
    private static void appendVia(HttpHeaders in, HttpHeaders out, String protocol) {
        String via = protocol + " " + PSEUDONYM;
        String prior = joined(in, HttpHeaderNames.VIA.toString());
        out.set(HttpHeaderNames.VIA, prior == null || prior.isBlank() ? via : prior + ", " + via);
    }

    /** Every line of a list-valued header, as one comma-separated value (RFC 9110 §5.3). */
    private static String joined(HttpHeaders headers, String name) {
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
