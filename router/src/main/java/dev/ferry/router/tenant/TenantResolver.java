package dev.ferry.router.tenant;

import io.netty.handler.codec.http.HttpHeaders;

/** One place a request can name its tenant: a header, the Host, the path, a signed token. */
public interface TenantResolver {
    /**
     * @param headers the request headers, as received
     * @param uri the request target, as received (path and query)
     * @return the tenant this source names, or {@code null} when the request does not name one here
     * @throws dev.ferry.router.exchange.ProxyException when the request names a tenant here that is invalid or ambiguous
     */
    TenantId resolve(HttpHeaders headers, String uri);
}
