package dev.ferry.router;

import dev.ferry.router.routing.Backend;
import dev.ferry.router.tenant.TenantId;
import io.netty.handler.codec.http.HttpMethod;

/**
 * What one request did, filled in as it travels and recorded once at its end. Only touched by the request's own event
 * loop, one signal at a time.
 */
public final class Exchange {
    final long startNanos = System.nanoTime();
    final HttpMethod method;
    TenantId tenant;
    Backend backend;
    int status;
    ProxyFailure failure;
    boolean clientClosed;

    Exchange(HttpMethod method) {
        this.method = method;
    }

    public void backend(Backend backend) {
        this.backend = backend;
    }

    public void status(int status) {
        this.status = status;
    }
}
