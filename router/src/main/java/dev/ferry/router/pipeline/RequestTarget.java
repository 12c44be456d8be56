package dev.ferry.router.pipeline;

import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Iterator;

/**
 * Only paths are forwarded. A request target in absolute form ({@code GET http://host/path}, RFC 9112 §3.2.2) is
 * reduced to its path and query: the backend is Ferry's choice, never the client's, or any client could reach any
 * host (and a tenant on legacy could name the new backend). Authority form, {@code *} and CONNECT are refused.
 */
final class RequestTarget {
    private RequestTarget() {}

    static String originForm(HttpMethod method, String target) {
        if (method == HttpMethod.CONNECT) {
            throw invalid("CONNECT is not proxied");
        }
        if (target.startsWith("/")) {
            return target;
        }
        int scheme = target.indexOf("://");
        if (scheme > 0 && target.regionMatches(true, 0, "http", 0, 4)) {
            int path = target.indexOf('/', scheme + 3);
            int query = target.indexOf('?', scheme + 3);
            if (path < 0 || (query >= 0 && query < path)) {
                return query < 0 ? "/" : "/" + target.substring(query);
            }
            return target.substring(path);
        }
        throw invalid("request target '" + dev.ferry.router.tenant.TenantIdRules.printable(target)
                + "' is not a path (expected: origin form, such as /orders?id=7)");
    }

    /**
     * The request's authority, checked as RFC 9112 §3.2 asks of a server: an HTTP/1.1 request has exactly one
     * {@code Host} (HTTP/1.0 and HTTP/2 at most one), its value is a host and an optional port, and an absolute-form
     * target names the same authority. Anything else is refused before it is routed or forwarded: two parties (Ferry
     * and a backend, or two backends) must never read a request's authority differently.
     */
    static void checkHost(HttpVersion version, String target, HttpHeaders headers) {
        // On every request: no list, no regular expression; one look-up, and a second only to count duplicates
        String host = headers.get(HttpHeaderNames.HOST);
        if (host == null) {
            if (version.majorVersion() == 1 && version.minorVersion() == 1) {
                throw invalid("the request has no Host header (expected: one, as every HTTP/1.1 request must)");
            }
            return;
        }
        int count = 0;
        for (Iterator<String> it = headers.valueStringIterator(HttpHeaderNames.HOST); it.hasNext(); it.next()) {
            count++;
        }
        if (count > 1) {
            throw invalid("the request has " + count + " Host headers (expected: exactly one)");
        }
        if (!host.isEmpty() && !isHostAndPort(host)) {
            throw invalid("Host '" + dev.ferry.router.tenant.TenantIdRules.printable(host)
                    + "' is not a host with an optional port (expected: such as api.example.com or 10.0.0.5:8080)");
        }
        if (!target.startsWith("/")) {
            int scheme = target.indexOf("://");
            if (scheme > 0) {
                int end = scheme + 3;
                while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) {
                    end++;
                }
                String authority = target.substring(scheme + 3, end);
                if (!authority.equalsIgnoreCase(host)) {
                    throw invalid("the request target names '"
                            + dev.ferry.router.tenant.TenantIdRules.printable(authority) + "' but Host says '"
                            + dev.ferry.router.tenant.TenantIdRules.printable(host)
                            + "' (expected: the same authority in both)");
                }
            }
        }
    }

    /**
     * uri-host [":" port]: a registered name or IPv4 address ({@code A-Z a-z 0-9 . _ ~ % -}), or an IP literal in
     * brackets ({@code [::1]}), and a port of one to five digits. RFC 3986 would let a registered name carry
     * sub-delimiters ({@code ,;=!$&'()*+}); no real host does, and {@code a,b} is what two Host lines merged by an
     * intermediary look like.
     */
    static boolean isHostAndPort(String host) {
        int i = 0;
        int n = host.length();
        if (host.charAt(0) == '[') {
            i = 1;
            while (i < n && isLiteralChar(host.charAt(i))) {
                i++;
            }
            if (i == 1 || i >= n || host.charAt(i) != ']') {
                return false;
            }
            i++;
        } else {
            while (i < n && isNameChar(host.charAt(i))) {
                i++;
            }
            if (i == 0) {
                return false;
            }
        }
        if (i == n) {
            return true;
        }
        if (host.charAt(i) != ':' || n - i - 1 < 1 || n - i - 1 > 5) {
            return false;
        }
        for (int d = i + 1; d < n; d++) {
            if (host.charAt(d) < '0' || host.charAt(d) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || ".-_~%".indexOf(c) >= 0;
    }

    private static boolean isLiteralChar(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || ":.vV".indexOf(c) >= 0;
    }

    private static ProxyException invalid(String message) {
        return new ProxyException(ProxyFailure.REQUEST_INVALID, message);
    }
}
