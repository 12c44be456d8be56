package dev.ferry.router.transport;

import dev.ferry.router.exchange.Backend;
import dev.ferry.router.forwarding.BackendClients;
import dev.ferry.router.forwarding.BackendPool;
import dev.ferry.router.forwarding.ProxyHeaders;
import dev.ferry.router.pipeline.ErrorResponses;
import dev.ferry.router.pipeline.Pipeline;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import reactor.netty.NettyPipeline;

/**
 * The Netty transport for the common case: an HTTP/1.1 request that is not an upgrade and does not {@code Expect}
 * anything, to a plain-HTTP backend. Its messages are relayed as they are decoded, on the client connection's event
 * loop, over a {@link BackendPool} connection of the same loop, after the same {@link Pipeline} steps as on
 * {@link ReactorTransport}. Everything else (HTTP/2, WebSockets, h2c upgrades, {@code Expect: 100-continue}, HTTP/1.0,
 * HTTPS backends) is handed to Reactor Netty.
 *
 * <p>Why: Reactor Netty builds a client configuration and a chain of operators for every exchange; relaying the
 * decoded messages directly costs about half the CPU per request (docs/performance.md).
 */
public final class FastPath {
    static final String HANDLER_NAME = "ferry.fastPath";

    final Pipeline pipeline;
    final BackendClients clients;
    final ProxyHeaders headers;
    final ErrorResponses errors;
    final long clientReadNanos;
    final long idleNanos;

    public FastPath(
            Pipeline pipeline,
            BackendClients clients,
            ProxyHeaders headers,
            ErrorResponses errors,
            Duration clientRead,
            Duration idle) {
        this.pipeline = pipeline;
        this.clients = clients;
        this.headers = headers;
        this.errors = errors;
        this.clientReadNanos = clientRead.toNanos();
        this.idleNanos = idle.toNanos();
    }

    /** Puts the fast path in front of Reactor Netty's HTTP/1.1 handling of a new connection. */
    public void install(ChannelPipeline pipeline) {
        if (pipeline.get(NettyPipeline.HttpTrafficHandler) != null) {
            pipeline.addBefore(NettyPipeline.HttpTrafficHandler, HANDLER_NAME, new FastConnection(this));
        }
    }

    /** Whether the fast path serves a request: well-formed HTTP/1.1, no upgrade, no {@code Expect}. */
    static boolean eligible(HttpRequest request) {
        HttpHeaders headers = request.headers();
        return request.decoderResult().isSuccess()
                && request.protocolVersion() == HttpVersion.HTTP_1_1
                && !headers.contains(HttpHeaderNames.UPGRADE)
                && !headers.contains(HttpHeaderNames.EXPECT);
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

    /** The router is shutting down: every response closes its connection. */
    boolean isClosing() {
        return pipeline.isClosing();
    }
}
