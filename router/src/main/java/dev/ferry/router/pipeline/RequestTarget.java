package dev.ferry.router.pipeline;

import dev.ferry.router.exchange.ProxyException;
import dev.ferry.router.exchange.ProxyFailure;
import io.netty.handler.codec.http.HttpMethod;

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

    private static ProxyException invalid(String message) {
        return new ProxyException(ProxyFailure.REQUEST_INVALID, message);
    }
}
