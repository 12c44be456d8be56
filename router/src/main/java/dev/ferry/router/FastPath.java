package dev.ferry.router;

import dev.ferry.router.forwarding.BackendClients;
import dev.ferry.router.forwarding.BackendPool;
import dev.ferry.router.forwarding.ProxyHeaders;
import dev.ferry.router.resilience.BackendBreakers;
import dev.ferry.router.routing.Backend;
import dev.ferry.router.tenant.TenantResolvers;
import io.netty.channel.ChannelPipeline;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import reactor.netty.NettyPipeline;

/**
 * The common case on Netty directly: an HTTP/1.1 request that is not an upgrade and does not {@code Expect} anything,
 * to a plain-HTTP backend. Its messages are relayed as they are decoded, on the client connection's event loop, over a
 * {@link BackendPool} connection of the same loop, with the same tenant resolution, routing decision, breaker, header
 * rules, error responses and metrics as {@link ProxyHandler}. Everything else (HTTP/2, WebSockets, h2c upgrades,
 * {@code Expect: 100-continue}, HTTP/1.0, HTTPS backends) passes on to Reactor Netty and {@link ProxyHandler}.
 *
 * <p>Why: Reactor Netty builds a client configuration and a chain of operators for every exchange; relaying the
 * decoded messages directly costs about half the CPU per request (docs/performance.md).
 */
public final class FastPath {
    static final String HANDLER_NAME = "ferry.fastPath";

    final TenantResolvers tenants;
    final ProxyHandler proxy;
    final BackendBreakers breakers;
    final BackendClients clients;
    final ProxyHeaders headers;
    final ErrorResponses errors;
    final long clientReadNanos;
    final long idleNanos;
    private final LongAdder inFlight = new LongAdder();
    private volatile boolean closing;

    FastPath(
            TenantResolvers tenants,
            ProxyHandler proxy,
            BackendBreakers breakers,
            BackendClients clients,
            ProxyHeaders headers,
            ErrorResponses errors,
            Duration clientRead,
            Duration idle) {
        this.tenants = tenants;
        this.proxy = proxy;
        this.breakers = breakers;
        this.clients = clients;
        this.headers = headers;
        this.errors = errors;
        this.clientReadNanos = clientRead.toNanos();
        this.idleNanos = idle.toNanos();
    }

    /** Puts the fast path in front of Reactor Netty's HTTP/1.1 handling of a new connection. */
    void install(ChannelPipeline pipeline) {
        if (pipeline.get(NettyPipeline.HttpTrafficHandler) != null) {
            pipeline.addBefore(NettyPipeline.HttpTrafficHandler, HANDLER_NAME, new FastPathConnection(this));
        }
    }

    BackendPool pool(Backend backend) {
        return clients.target(backend).pool();
    }

    /** The request target toward the backend: under the backend URL's path, if it has one. */
    String backendUri(Backend backend, String uri) {
        String prefix = clients.target(backend).pathPrefix();
        return prefix.isEmpty() ? uri : prefix + uri;
    }

    String authority(Backend backend) {
        return clients.target(backend).authority();
    }

    void started() {
        inFlight.increment();
    }

    void finished() {
        inFlight.decrement();
    }

    /** Exchanges on the fast path not finished yet. */
    long inFlight() {
        return inFlight.sum();
    }

    /** From now on every response closes its connection: the router is shutting down. */
    void closing() {
        closing = true;
    }

    boolean isClosing() {
        return closing;
    }
}
