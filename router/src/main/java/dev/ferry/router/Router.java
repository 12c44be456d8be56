package dev.ferry.router;

import dev.ferry.router.admin.AdminServer;
import dev.ferry.router.admin.Readiness;
import dev.ferry.router.config.LimitsConfig;
import dev.ferry.router.config.ListenConfig;
import dev.ferry.router.config.ListenConfig.Protocol;
import dev.ferry.router.config.RouterConfig;
import dev.ferry.router.cutover.Cutover;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.forwarding.BackendClients;
import dev.ferry.router.forwarding.LookalikeHeaders;
import dev.ferry.router.forwarding.ProxyHeaders;
import dev.ferry.router.forwarding.RelayBuffers;
import dev.ferry.router.metrics.RouterMeters;
import dev.ferry.router.pipeline.ErrorResponses;
import dev.ferry.router.pipeline.Pipeline;
import dev.ferry.router.resilience.BackendBreakers;
import dev.ferry.router.routing.UnleashRoutingPolicy;
import dev.ferry.router.shadowing.ShadowReads;
import dev.ferry.router.telemetry.AccessLog;
import dev.ferry.router.telemetry.Tracing;
import dev.ferry.router.tenant.TenantIdRules;
import dev.ferry.router.tenant.TenantResolvers;
import dev.ferry.router.transport.AfterAlpn;
import dev.ferry.router.transport.ClientConnections;
import dev.ferry.router.transport.FastPath;
import dev.ferry.router.transport.HeadDeadlines;
import dev.ferry.router.transport.Http2Edge;
import dev.ferry.router.transport.LingeringClose;
import dev.ferry.router.transport.ReactorTransport;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.File;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.tcp.SslProvider;

/**
 * A running router: every part built once from the config, the proxy and admin ports bound. {@link #shutdown()} is
 * what SIGTERM does: not ready first, then stop accepting, then let in-flight requests finish up to the timeout.
 */
public final class Router implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);
    private static final int H2C_UPGRADE_MAX_BODY = 64 * 1024;

    private final RouterConfig config;
    private final PrometheusMeterRegistry registry;
    private final UnleashRoutingPolicy routing;
    private final Cutover cutover;
    private final TenantResolvers tenants;
    private final BackendClients clients;
    private final Readiness readiness;
    private final Pipeline pipeline;
    private final FastPath fastPath;
    private final ClientConnections clientConnections;
    private final RouterMeters meters;
    private final AccessLog accessLog;
    private final ShadowReads shadow;
    private final Tracing tracing;
    /** Every open client connection, closed at the end of a graceful shutdown. */
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    /** Why plain HTTP/1.1 requests do not take the fast path, or null when they do. */
    private final String fastPathOff;

    private final DisposableServer proxy;
    private final DisposableServer admin;
    private volatile boolean stopped;

    private Router(RouterConfig config, Clock clock) {
        this.config = config;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RouterMeters meters = new RouterMeters(registry);
        TenantIdRules rules = new TenantIdRules(
                config.tenant().idPattern(),
                config.tenant().maxLength(),
                config.tenant().lowercase());
        this.tenants = new TenantResolvers(config.tenant(), rules);
        this.routing = new UnleashRoutingPolicy(config.flags(), config.cutover().windowFlag(), meters, clock);
        this.cutover = new Cutover(config.cutover(), routing, meters, clock);
        this.clients = new BackendClients(config.backends(), config.pool(), config.timeouts());
        BackendBreakers breakers = new BackendBreakers(config.breaker());
        LookalikeHeaders lookalikes = LookalikeHeaders.of(config.tenant(), config.forwarding());
        ProxyHeaders headers = new ProxyHeaders(
                config.forwarding(), lookalikes, config.listen().secure());
        ErrorResponses errors = new ErrorResponses(breakers.retryAfterSeconds());
        this.accessLog = AccessLog.open(config.accessLog());
        this.tracing = Tracing.of(config.tracing());
        this.shadow = new ShadowReads(config.shadow(), config.backends(), headers, meters, accessLog);
        routing.onDocument(shadow::flagDocument);
        this.pipeline = new Pipeline(
                tenants,
                config.tenant().whenMissing(),
                routing,
                cutover,
                lookalikes,
                config.limits().maxRequestBody(),
                breakers,
                meters,
                accessLog,
                tracing,
                shadow);
        ReactorTransport reactor = new ReactorTransport(pipeline, clients, headers, errors);
        this.fastPathOff = fastPathOff(config, clients);
        this.fastPath = fastPathOff == null
                ? new FastPath(
                        pipeline,
                        clients,
                        headers,
                        errors,
                        config.timeouts().clientRead(),
                        config.limits().keepAliveTimeout())
                : null;
        HeadDeadlines heads = new HeadDeadlines(config.limits().requestHeadTimeout(), errors, meters);
        this.readiness = new Readiness(routing);
        // Every meter is registered by RouterMeters; the parts only expose what is measured.
        meters.bindRouting(routing);
        meters.bindCutover(cutover, routing::windowOpen);
        meters.bindBreakers(breakers.all());
        for (Backend backend : Backend.values()) {
            meters.bindPool(
                    backend,
                    () -> clients.active(backend),
                    () -> clients.idle(backend),
                    () -> clients.pending(backend));
        }
        meters.bindReadiness(readiness::ready);
        this.clientConnections = new ClientConnections(
                config.descriptors().maxClientConnections(), config.listen().secure(), errors);
        meters.bindClientConnections(clientConnections::open, clientConnections.max(), clientConnections::refused);
        meters.bindProcess(RelayBuffers::usedDirectMemory);
        meters.bindAccessLog(accessLog::dropped);
        meters.bindShadow(shadow);
        this.meters = meters;
        HttpServer server = HttpServer.create()
                .childOption(ChannelOption.ALLOCATOR, RelayBuffers.allocator())
                .host(config.listen().host())
                .port(config.listen().port())
                .protocol(protocols(config))
                // Tracks open connections so that shutdown can wait for in-flight requests.
                .channelGroup(connections)
                .idleTimeout(idleTimeout(config))
                .http2Settings(h2 -> h2.maxConcurrentStreams(config.limits().h2MaxConcurrentStreams())
                        .maxDecodedRstFramesPerWindow(
                                config.limits().h2MaxResets(), LimitsConfig.H2_RESET_WINDOW_SECONDS))
                // A client that stops sending mid-request must not hold a pooled backend connection for ever.
                .readTimeout(config.timeouts().clientRead())
                // An h2c upgrade (HTTP/1.1 Upgrade: h2c) may carry a body up to this size; larger ones need prior
                // knowledge or HTTP/1.1.
                .httpRequestDecoder(spec -> spec.h2cMaxContentLength(H2C_UPGRADE_MAX_BODY))
                .handle(reactor::handle);
        if (config.listen().secure()) {
            server = server.secure(spec -> spec.sslContext(sslContext(config.listen())));
        }
        boolean http2 = config.listen().http2();
        // HTTP/1.1's own handlers: at a connection's start, or (TLS with ALPN) once the handshake has picked HTTP/1.1.
        Consumer<ChannelPipeline> http1 = pipeline -> {
            heads.install(pipeline);
            if (fastPath != null) {
                fastPath.install(pipeline);
            }
        };
        server = server.doOnChannelInit((observer, channel, address) -> {
            if (!clientConnections.admit(channel)) {
                return;
            }
            // Before the HTTP/2 edge, which goes in front of it on cleartext ports: while a close lingers, that
            // edge still sees what an HTTP/2 client floods on, and a protocol error there ends the lingering
            LingeringClose.install(channel.pipeline());
            if (http2) {
                Http2Edge.install(channel.pipeline());
            }
            if (!AfterAlpn.install(channel.pipeline(), http1)) {
                http1.accept(channel.pipeline());
            }
        });
        this.proxy = server.bindNow();
        this.admin = new AdminServer(config.admin(), readiness, registry, routing, rules, cutover, shadow).start();
    }

    /** Builds every part and binds both ports. */
    public static Router start(RouterConfig config, Clock clock) {
        Router router = new Router(config, clock);
        LOG.info(
                "Ferry listening on {}:{} (admin on {}:{}), flags from {}, fast path {}; {}",
                config.listen().host(),
                router.port(),
                config.admin().host(),
                router.adminPort(),
                config.flags().source().name().toLowerCase(),
                router.fastPathOff == null ? "on" : "off (" + router.fastPathOff + ")",
                router.readiness.ready() ? "ready" : "not ready yet: " + router.readiness.whyNotReady());
        if (config.accessLog().enabled() || config.tracing().on()) {
            LOG.info(
                    "Access log {}; spans {}",
                    config.accessLog().enabled()
                            ? "to "
                                    + config.accessLog()
                                            .file()
                                            .map(Object::toString)
                                            .orElse("stdout") + ", sample "
                                    + config.accessLog().sample()
                            : "off",
                    config.tracing().otlpEndpoint().map(Object::toString).orElse("off"));
        }
        LOG.info(
                "At most {} client connections at once ({})",
                config.descriptors().maxClientConnections(),
                config.descriptors().explain());
        return router;
    }

    private static String fastPathOff(RouterConfig config, BackendClients clients) {
        if (!config.forwarding().fastPath()) {
            return "forwarding.fast-path: false";
        }
        if (!config.listen().protocols().contains(Protocol.HTTP1)) {
            return "the listener serves no HTTP/1.1";
        }
        for (Backend backend : Backend.values()) {
            if (clients.target(backend).pool() == null) {
                return "backend '" + backend.tag() + "' is HTTPS; the fast path speaks plain HTTP to backends";
            }
        }
        return null;
    }

    /**
     * How long a client connection may sit without traffic on Reactor Netty's path: the keep-alive timeout, or longer
     * than the longest silence an exchange may have (a backend thinking, a client pausing its upload), which have their
     * own timeouts: one timer covers an HTTP/2 connection while its streams wait.
     */
    private static Duration idleTimeout(RouterConfig config) {
        Duration idle = config.limits().keepAliveTimeout();
        Duration exchange =
                config.timeouts().response().compareTo(config.timeouts().clientRead()) > 0
                        ? config.timeouts().response()
                        : config.timeouts().clientRead();
        return exchange.compareTo(idle) >= 0 ? exchange.plusSeconds(1) : idle;
    }

    private static HttpProtocol[] protocols(RouterConfig config) {
        List<HttpProtocol> out = new ArrayList<>();
        if (config.listen().protocols().contains(Protocol.HTTP1)) {
            out.add(HttpProtocol.HTTP11);
        }
        if (config.listen().http2()) {
            out.add(config.listen().secure() ? HttpProtocol.H2 : HttpProtocol.H2C);
        }
        return out.toArray(HttpProtocol[]::new);
    }

    /** The port's TLS: ALPN offers h2 and http/1.1 when it serves HTTP/2. Read and checked when config was loaded. */
    private static SslProvider.GenericSslContextSpec<?> sslContext(ListenConfig listen) {
        File certificate = listen.tls().certificate().toFile();
        File key = listen.tls().privateKey().toFile();
        if (!listen.http2()) {
            return Http11SslContextSpec.forServer(certificate, key);
        }
        if (listen.protocols().contains(Protocol.HTTP1)) {
            return Http2SslContextSpec.forServer(certificate, key);
        }
        // HTTP/2 only: ALPN offers h2 alone, so a client that wants HTTP/1.1 learns it in the handshake.
        return Http2SslContextSpec.forServer(certificate, key)
                .configure(builder -> builder.applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2)));
    }

    public int port() {
        return proxy.port();
    }

    public int adminPort() {
        return admin.port();
    }

    public Readiness readiness() {
        return readiness;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Blocks until the proxy port is closed. */
    public void awaitShutdown() {
        proxy.onDispose().block();
    }

    /** Graceful: not ready, wait the drain delay, stop accepting, let in-flight requests finish, release the rest. */
    public synchronized void shutdown() {
        if (stopped) {
            return;
        }
        stopped = true;
        readiness.shuttingDown();
        LOG.info(
                "Shutting down: not ready; closing the listener in {}, in-flight requests get up to {}",
                config.shutdown().drainDelay(),
                config.shutdown().timeout());
        // Clients are told to go elsewhere from now on, while the listener still takes whoever a load balancer sends
        // before it sees the replica not ready: every HTTP/1.x response closes its connection (both transports'
        // exchanges are the pipeline's), and every HTTP/2 connection gets a GOAWAY that lets its open streams finish.
        pipeline.closing();
        goAway();
        sleep(config.shutdown().drainDelay());
        // No connection is accepted; what is in flight gets up to the timeout.
        long deadline = System.nanoTime() + config.shutdown().timeout().toNanos();
        proxy.channel().close().awaitUninterruptibly();
        goAway(); // to HTTP/2 connections opened during the drain delay
        while (pipeline.inFlight() > 0 && System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(10));
        }
        if (pipeline.inFlight() > 0) {
            LOG.warn(
                    "{} request(s) still in flight after {}: closed",
                    pipeline.inFlight(),
                    config.shutdown().timeout());
        }
        connections.close().awaitUninterruptibly();
        proxy.disposeNow(Duration.ofSeconds(1));
        admin.disposeNow(Duration.ofSeconds(2));
        cutover.close();
        shadow.close(); // its last lines go to the access log
        accessLog.close();
        tracing.close();
        clients.close();
        routing.close();
        tenants.close();
        meters.close();
        LOG.info("Ferry stopped");
    }

    /**
     * A graceful GOAWAY (NO_ERROR, the last stream the client opened) on every HTTP/2 connection that has not had
     * one: no new streams there, the open ones finish.
     */
    private void goAway() {
        for (Channel connection : connections) {
            Http2FrameCodec codec = connection.pipeline().get(Http2FrameCodec.class);
            if (codec != null) {
                connection.eventLoop().execute(() -> {
                    if (!codec.connection().goAwaySent()) {
                        connection.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
                    }
                });
            }
        }
    }

    private static void sleep(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        shutdown();
    }
}
