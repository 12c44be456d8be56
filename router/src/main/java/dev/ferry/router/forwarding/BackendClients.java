package dev.ferry.router.forwarding;

import dev.ferry.router.config.BackendsConfig;
import dev.ferry.router.config.PoolConfig;
import dev.ferry.router.config.TimeoutConfig;
import dev.ferry.router.exchange.Backend;
import io.netty.channel.ChannelOption;
import java.net.URI;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionPoolMetrics;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.ConnectionProvider.MeterRegistrar;
import reactor.netty.resources.LoopResources;

/**
 * One pooled {@link HttpClient} per backend, built once at start-up: clients and pools are immutable and shared by
 * every request. Every call has a connect timeout, a response timeout and a bounded wait for a pooled connection.
 */
public final class BackendClients implements AutoCloseable {
    private final Map<Backend, Target> targets = new EnumMap<>(Backend.class);

    /** How the fast path's pools reach each backend. */
    @FunctionalInterface
    public interface Connectors {
        BackendConnector connector(Backend backend, String host, int port);
    }

    public BackendClients(BackendsConfig backends, PoolConfig pool, TimeoutConfig timeouts) {
        this(backends, pool, timeouts, (backend, host, port) -> BackendConnector.tcp(host, port, timeouts.connect()));
    }

    /**
     * @param connectors how the fast path's pools open connections: TCP, or in-memory channels in a test that drives
     *     the fast path byte by byte
     */
    public BackendClients(BackendsConfig backends, PoolConfig pool, TimeoutConfig timeouts, Connectors connectors) {
        for (Backend backend : Backend.values()) {
            URI url = backends.url(backend);
            AtomicReference<ConnectionPoolMetrics> poolMetrics = new AtomicReference<>();
            ConnectionProvider provider = ConnectionProvider.builder("ferry-" + backend.tag())
                    .maxConnections(pool.maxConnections())
                    .pendingAcquireMaxCount(pool.pendingAcquireMaxCount())
                    .pendingAcquireTimeout(pool.pendingAcquireTimeout())
                    .maxIdleTime(pool.maxIdleTime())
                    .maxLifeTime(pool.maxLifeTime())
                    .evictInBackground(pool.maxIdleTime())
                    .metrics(true, () -> recorder(poolMetrics))
                    .build();
            HttpClient client = HttpClient.create(provider)
                    .baseUrl(baseUrl(url))
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                            timeouts.connect().toMillis())
                    .responseTimeout(timeouts.response())
                    .keepAlive(true)
                    // Exactly what the backend sent: no redirects followed, no decompression, no cookies parsed.
                    .followRedirect(false)
                    .compress(false);
            if ("https".equalsIgnoreCase(url.getScheme())) {
                client = client.secure();
            }
            BackendPool direct = "http".equalsIgnoreCase(url.getScheme())
                    ? new BackendPool(
                            backend,
                            connectors.connector(backend, host(url), url.getPort() < 0 ? 80 : url.getPort()),
                            pool,
                            timeouts.response(),
                            LoopResources.DEFAULT_IO_WORKER_COUNT)
                    : null;
            targets.put(backend, new Target(client, provider, direct, authority(url), pathPrefix(url), poolMetrics));
        }
    }

    private static MeterRegistrar recorder(AtomicReference<ConnectionPoolMetrics> sink) {
        return new MeterRegistrar() {
            @Override
            public void registerMetrics(
                    String poolName, String id, java.net.SocketAddress address, ConnectionPoolMetrics metrics) {
                sink.set(metrics);
            }
        };
    }

    /** Connections to a backend serving a request: Reactor Netty's pool and the fast path's. */
    public int active(Backend backend) {
        Target t = targets.get(backend);
        ConnectionPoolMetrics m = t.poolMetrics().get();
        return (m == null ? 0 : m.acquiredSize())
                + (t.pool() == null ? 0 : t.pool().active());
    }

    /** Idle connections to a backend, in both pools. */
    public int idle(Backend backend) {
        Target t = targets.get(backend);
        ConnectionPoolMetrics m = t.poolMetrics().get();
        return (m == null ? 0 : m.idleSize()) + (t.pool() == null ? 0 : t.pool().idle());
    }

    /** Requests waiting for a connection to a backend, in both pools. */
    public int pending(Backend backend) {
        Target t = targets.get(backend);
        ConnectionPoolMetrics m = t.poolMetrics().get();
        return (m == null ? 0 : m.pendingAcquireSize())
                + (t.pool() == null ? 0 : t.pool().pending());
    }

    /** {@code http://host:port/base} without a trailing slash, so that request paths append to it. */
    private static String baseUrl(URI url) {
        String s = url.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** The URL's path without a trailing slash, put in front of every request path; empty for none. */
    private static String pathPrefix(URI url) {
        String path = url.getRawPath();
        if (path == null) {
            return "";
        }
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static String host(URI url) {
        String host = url.getHost();
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static String authority(URI url) {
        return url.getPort() < 0 ? url.getHost() : url.getHost() + ":" + url.getPort();
    }

    public Target target(Backend backend) {
        return targets.get(backend);
    }

    @Override
    public void close() {
        targets.values().forEach(t -> {
            if (t.pool() != null) {
                t.pool().close();
            }
            t.provider().disposeLater().block(java.time.Duration.ofSeconds(5));
        });
    }

    /**
     * A backend's client, its fast-path pool (null for HTTPS) and what requests need to know about it.
     *
     * @param pathPrefix the backend URL's path, without a trailing slash, for every request path
     */
    public record Target(
            HttpClient client,
            ConnectionProvider provider,
            BackendPool pool,
            String authority,
            String pathPrefix,
            AtomicReference<ConnectionPoolMetrics> poolMetrics) {}
}
