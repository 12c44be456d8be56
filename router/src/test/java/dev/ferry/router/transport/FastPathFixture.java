package dev.ferry.router.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.config.ConfigLoader;
import dev.ferry.router.config.InvalidConfigException;
import dev.ferry.router.config.RouterConfig;
import dev.ferry.router.cutover.Cutover;
import dev.ferry.router.exchange.Backend;
import dev.ferry.router.forwarding.BackendClients;
import dev.ferry.router.forwarding.BackendPool;
import dev.ferry.router.forwarding.LookalikeHeaders;
import dev.ferry.router.forwarding.ProxyHeaders;
import dev.ferry.router.metrics.RouterMeters;
import dev.ferry.router.pipeline.ErrorResponses;
import dev.ferry.router.pipeline.Pipeline;
import dev.ferry.router.resilience.BackendBreakers;
import dev.ferry.router.routing.UnleashRoutingPolicy;
import dev.ferry.router.telemetry.AccessLog;
import dev.ferry.router.telemetry.Tracing;
import dev.ferry.router.tenant.TenantIdRules;
import dev.ferry.router.tenant.TenantResolvers;
import dev.ferry.router.testing.LeakDetection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import reactor.netty.NettyPipeline;

/**
 * One client connection's fast path on {@link EmbeddedChannel}s, built from the real parts the way {@code Router}
 * builds them (pipeline, routing on a flags file, breakers, pools, meters); only the sockets are simulated:
 *
 * <pre>
 *   test --bytes--> [socket | HttpServerCodec | FastConnection | Reactor Netty stand-in]     the client connection
 *                                                   | BackendPool, through a test BackendConnector
 *   test <--bytes-- [socket | HttpClientCodec | BackendConnection]                           one per backend connection
 * </pre>
 *
 * A {@link Socket} delivers what its peer sent only when a read is asked for (client: auto-read off, as Reactor Netty
 * sets it; backends: auto-read on unless Ferry turns it off), one peer write per read, and can stop taking writes
 * (it holds flushes, so written bytes pile up in the channel's outbound buffer past its high water mark). Everything
 * runs on the test's thread: {@link #settle()} runs pending tasks and delivers what may be delivered until nothing
 * moves.
 */
final class FastPathFixture implements AutoCloseable {
    static final String TENANT_ON_NEW = "acme";
    static final String TENANT_ON_LEGACY = "globex";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TenantResolvers tenants;
    private final BackendClients clients;
    private final Pipeline pipeline;
    private final FastPath fastPath;
    private final Socket clientSocket = new Socket();
    private final ReactorNettyStandIn reactorNetty = new ReactorNettyStandIn();
    private final Map<Backend, List<BackendSide>> backends = new EnumMap<>(Backend.class);
    private final EmbeddedChannel client;
    private boolean connectsHeld;
    private final Cutover cutover;

    FastPathFixture(RouterConfig config, UnleashRoutingPolicy routing) {
        RouterMeters meters = new RouterMeters(registry);
        TenantIdRules rules = new TenantIdRules(
                config.tenant().idPattern(),
                config.tenant().maxLength(),
                config.tenant().lowercase());
        this.tenants = new TenantResolvers(config.tenant(), rules);
        for (Backend backend : Backend.values()) {
            backends.put(backend, new ArrayList<>());
        }
        BackendClients.Connectors connectors = (backend, host, port) -> (loop, epoll) -> {
            BackendSide side = new BackendSide(this);
            backends.get(backend).add(side);
            if (connectsHeld) {
                side.connecting = side.channel.newPromise();
                return side.connecting;
            }
            return side.channel.newSucceededFuture();
        };
        this.clients = new BackendClients(config.backends(), config.pool(), config.timeouts(), connectors);
        BackendBreakers breakers = new BackendBreakers(config.breaker());
        this.cutover = new Cutover(config.cutover(), routing, meters, Clock.systemUTC());
        LookalikeHeaders lookalikes = LookalikeHeaders.of(config.tenant(), config.forwarding());
        this.pipeline = new Pipeline(
                tenants,
                config.tenant().whenMissing(),
                routing,
                cutover,
                lookalikes,
                config.limits().maxRequestBody(),
                breakers,
                meters,
                AccessLog.off(),
                Tracing.off(),
                dev.ferry.router.shadowing.ShadowReads.off());
        this.fastPath = new FastPath(
                pipeline,
                clients,
                new ProxyHeaders(config.forwarding(), lookalikes),
                new ErrorResponses(breakers.retryAfterSeconds()),
                config.timeouts().clientRead(),
                Duration.ofSeconds(60));
        this.client = new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.config().setAutoRead(false); // as Reactor Netty's server sets it
                channel.pipeline()
                        .addLast("socket", clientSocket)
                        .addLast("codec", new HttpServerCodec())
                        .addLast(NettyPipeline.HttpTrafficHandler, reactorNetty);
                fastPath.install(channel.pipeline());
            }
        });
        client.freezeTime(); // timeouts come due only when a test moves the clock
    }

    /** A router config of two plain-HTTP backends and a flags file, loaded like a user's keys. */
    static RouterConfig config(Path flagsFile, Path dir) {
        Map<String, String> keys = Map.of(
                "backends.legacy.url", "http://legacy.internal:8081",
                "backends.new.url", "http://new.internal:8082",
                "flags.source", "file",
                "flags.file", flagsFile.toString(),
                "flags.held-file", dir.resolve("held-tenants.json").toString());
        try {
            return ConfigLoader.load(keys, Optional.empty(), Map.of()).config();
        } catch (InvalidConfigException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    // ---- the client ----

    /** The client writes these bytes (one socket read's worth); delivered once Ferry asks for a read. */
    void clientSends(String raw) {
        clientSocket.peerSends(raw);
        settle();
    }

    /** The client closes its end: Ferry sees it when it next reads. */
    void clientCloses() {
        clientSocket.peerCloses();
        settle();
    }

    /** What Ferry sent the client since the last call. */
    String clientReceived() {
        return drainOutbound(client);
    }

    boolean clientOpen() {
        return client.isActive();
    }

    /** Whether Ferry asked for the client's next bytes (and has not got them yet). */
    boolean clientReadPending() {
        return clientSocket.readAsked;
    }

    /** Writes the client sent that Ferry has not read. */
    int clientUnread() {
        return clientSocket.unread.size();
    }

    Socket clientSocket() {
        return clientSocket;
    }

    EmbeddedChannel clientChannel() {
        return client;
    }

    FastConnection.State state() {
        return client.pipeline().get(FastConnection.class).state();
    }

    ReactorNettyStandIn reactorNetty() {
        return reactorNetty;
    }

    /** Reactor Netty writes (part of) its response to a request handed to it. */
    void reactorNettyWrites(Object... messages) {
        reactorNetty.writes(messages);
        settle();
    }

    // ---- the backends ----

    /** The connections Ferry opened to a backend, oldest first. */
    List<BackendSide> connections(Backend backend) {
        return backends.get(backend);
    }

    BackendSide connection(Backend backend, int index) {
        assertThat(backends.get(backend))
                .as("connections Ferry opened to backend %s", backend)
                .hasSizeGreaterThan(index);
        return backends.get(backend).get(index);
    }

    /** From now on a backend connection is open only when the test says so ({@link BackendSide#connects()}). */
    void holdConnects() {
        connectsHeld = true;
    }

    BackendPool pool(Backend backend) {
        return clients.target(backend).pool();
    }

    /** Exchanges not finished yet (the pipeline's count, which graceful shutdown waits for). */
    long inFlight() {
        return pipeline.inFlight();
    }

    /** The router begins its graceful shutdown: every response from now on closes its connection. */
    void shutdownBegins() {
        pipeline.closing();
    }

    // ---- meters ----

    /** {@code ferry.requests} recorded with these tags. */
    long requests(String backend, String method, String statusClass, String outcome) {
        Timer timer = registry.find(RouterMeters.REQUESTS)
                .tags(
                        RouterMeters.TAG_BACKEND, backend,
                        RouterMeters.TAG_METHOD, method,
                        RouterMeters.TAG_STATUS_CLASS, statusClass,
                        RouterMeters.TAG_OUTCOME, outcome)
                .timer();
        return timer == null ? 0 : timer.count();
    }

    /** {@code ferry.requests} recorded in all, whatever the tags. */
    long requests() {
        return registry.find(RouterMeters.REQUESTS).timers().stream()
                .mapToLong(Timer::count)
                .sum();
    }

    double exchanges(String transport) {
        Counter counter = registry.find(RouterMeters.TRANSPORT_EXCHANGES)
                .tag(RouterMeters.TAG_TRANSPORT, transport)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    // ---- driving ----

    /** Runs pending tasks and delivers what the sockets may deliver, until nothing moves. */
    void settle() {
        boolean moved;
        do {
            moved = false;
            client.runPendingTasks();
            for (List<BackendSide> sides : backends.values()) {
                for (BackendSide side : List.copyOf(sides)) {
                    side.channel.runPendingTasks();
                    moved |= side.socket.deliver(side.channel);
                }
            }
            moved |= clientSocket.deliver(client);
        } while (moved);
        client.checkException();
    }

    static String drainOutbound(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            try {
                out.append(((ByteBuf) msg).toString(StandardCharsets.ISO_8859_1));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        try {
            clients.close();
            client.runPendingTasks(); // the pool closes its idle connections on the client's loop
            client.finishAndReleaseAll();
        } finally {
            for (List<BackendSide> sides : backends.values()) {
                sides.forEach(side -> side.channel.finishAndReleaseAll());
            }
            tenants.close();
            cutover.close();
        }
    }

    /**
     * Leaks Netty reported so far. A leak is reported when its buffer has been collected and the detector runs next
     * (on an allocation): collect, allocate, a few times.
     */
    static List<String> leaks() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            for (int i = 0; i < 64; i++) {
                PooledByteBufAllocator.DEFAULT.buffer(1024).release();
            }
        }
        return LeakDetection.drain();
    }

    /**
     * The socket under a channel, seen from Ferry: what the peer sent waits here until Ferry reads, and Ferry's writes
     * wait here while the peer does not take them.
     */
    static final class Socket extends ChannelOutboundHandlerAdapter {
        private static final byte[] EOF = new byte[0];

        private final ArrayDeque<byte[]> unread = new ArrayDeque<>();
        private boolean readAsked;
        private boolean full;
        private boolean flushHeld;
        private ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void read(ChannelHandlerContext ctx) {
            readAsked = true;
            ctx.read();
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (full) {
                flushHeld = true;
                return;
            }
            ctx.flush();
        }

        void peerSends(String raw) {
            unread.add(raw.getBytes(StandardCharsets.ISO_8859_1));
        }

        void peerCloses() {
            unread.add(EOF);
        }

        /**
         * From now on the peer takes nothing: written bytes stay in the channel's outbound buffer, which is not
         * writable past its high water mark.
         */
        void stopTaking(int lowWaterMark, int highWaterMark) {
            ctx.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(lowWaterMark, highWaterMark));
            full = true;
        }

        /** The peer takes everything written so far, and from now on (nothing else runs: no {@link #settle()}). */
        void takeAll() {
            full = false;
            if (flushHeld) {
                flushHeld = false;
                ctx.flush();
            }
        }

        int unread() {
            return unread.size();
        }

        /** One read's worth, when the channel reads: asked to, or auto-read. */
        private boolean deliver(EmbeddedChannel channel) {
            if (unread.isEmpty()
                    || !channel.isOpen()
                    || !(readAsked || channel.config().isAutoRead())) {
                return false;
            }
            readAsked = false;
            byte[] next = unread.poll();
            if (next == EOF) {
                channel.unsafe().close(channel.voidPromise()); // as on a read of -1: no close() through the pipeline
                channel.runPendingTasks();
                return true;
            }
            channel.writeInbound(channel.alloc().buffer(next.length).writeBytes(next));
            return true;
        }
    }

    /** One connection Ferry opened to a backend. */
    static final class BackendSide {
        private final FastPathFixture fixture;
        final Socket socket = new Socket();
        final EmbeddedChannel channel = new EmbeddedChannel(socket);
        private ChannelPromise connecting;

        BackendSide(FastPathFixture fixture) {
            this.fixture = fixture;
            channel.freezeTime(); // timeouts come due only when a test moves the clock
        }

        /** A held connect succeeds. */
        void connects() {
            connecting.setSuccess();
            fixture.settle();
        }

        /** A held connect fails. */
        void connectFails(Throwable error) {
            connecting.setFailure(error);
            fixture.settle();
        }

        /** What Ferry sent this connection since the last call. */
        String received() {
            return drainOutbound(channel);
        }

        /** The backend writes these bytes; delivered while Ferry reads the connection. */
        void sends(String raw) {
            socket.peerSends(raw);
            fixture.settle();
        }

        /** The backend closes the connection. */
        void closes() {
            socket.peerCloses();
            fixture.settle();
        }

        boolean open() {
            return channel.isOpen();
        }

        boolean autoRead() {
            return channel.config().isAutoRead();
        }
    }

    /**
     * Stands in for Reactor Netty's {@code HttpTrafficHandler}, the handler after the fast path: like it, asks for the
     * connection's first read when added and reads on through a request it serves. Records what it is handed.
     */
    static final class ReactorNettyStandIn extends ChannelDuplexHandler {
        final List<HttpRequest> requests = new ArrayList<>();
        final StringBuilder body = new StringBuilder();
        boolean requestEnded;
        private ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest request) {
                    requests.add(request);
                }
                if (msg instanceof HttpContent content) {
                    body.append(content.content().toString(StandardCharsets.ISO_8859_1));
                }
                requestEnded = msg instanceof LastHttpContent;
            } finally {
                ReferenceCountUtil.release(msg);
            }
            if (!requestEnded) {
                ctx.read();
            }
        }

        /** Answers (part of) the request it serves, and asks for the next read as Reactor Netty does. */
        void writes(Object... messages) {
            for (Object message : messages) {
                ctx.write(message);
            }
            ctx.flush();
            ctx.read();
        }
    }

    /** An HTTP/1.1 message as it went over the wire: its start line, its headers, and every byte after its head. */
    record Message(String startLine, HttpHeaders headers, String rest) {
        static Message parse(String raw) {
            int end = raw.indexOf("\r\n\r\n");
            assertThat(end).as("the end of a message head in %s", raw).isNotNegative();
            String[] lines = raw.substring(0, end).split("\r\n");
            HttpHeaders headers = new DefaultHttpHeaders();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.add(
                        lines[i].substring(0, colon),
                        lines[i].substring(colon + 1).trim());
            }
            return new Message(lines[0], headers, raw.substring(end + 4));
        }
    }
}
