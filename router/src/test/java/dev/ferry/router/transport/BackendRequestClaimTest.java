package dev.ferry.router.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpMethod;
import java.net.SocketAddress;
import java.nio.channels.NotYetConnectedException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.NettyOutbound;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * A Reactor Netty exchange that fails while its new connection is still connecting: the error Netty does not close
 * the channel for ({@link NotYetConnectedException}, from epoll reporting a read on a socket still connecting) fails
 * the exchange, and once the connect completes Reactor Netty still sends the request, whose response then waits unread
 * (its buffers never released). The exchange here is built as {@link ReactorTransport} builds its own, with the
 * connect failing every time.
 */
class BackendRequestClaimTest {
    private final AtomicInteger received = new AtomicInteger();
    private DisposableServer backend;
    private ConnectionProvider pool;

    @BeforeEach
    void start() {
        backend = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle((request, response) -> {
                    received.incrementAndGet();
                    // No answer to the exchanges that failed: nothing would read it (and its buffers would leak)
                    return request.uri().equals("/answer")
                            ? response.sendString(Flux.just("first chunk\n").concatWith(Flux.never()))
                            : Mono.never();
                })
                .bindNow();
        pool = ConnectionProvider.create("claim-test", 4);
    }

    @AfterEach
    void stop() {
        pool.disposeLater().block(Duration.ofSeconds(5));
        backend.disposeNow(Duration.ofSeconds(5));
    }

    @Test
    void withoutTheClaimReactorNettySendsTheRequestOfAnExchangeThatAlreadyFailed() throws Exception {
        CompletableFuture<Channel> connection = new CompletableFuture<>();

        assertThatThrownBy(() -> exchange(connection, null).block(Duration.ofSeconds(5)))
                .isInstanceOf(NotYetConnectedException.class);

        // What the claim guards against: the request goes out anyway, and its connection stays open for a response
        assertThat(awaitReceived(1)).isEqualTo(1);
        Channel channel = connection.get(5, TimeUnit.SECONDS);
        assertThat(channel.isActive()).isTrue();
        channel.close().await(5, TimeUnit.SECONDS);
    }

    @Test
    void anExchangeThatFailedBeforeItsConnectionWasReadyNeverSendsItsRequestAndClosesTheConnection() throws Exception {
        CompletableFuture<Channel> connection = new CompletableFuture<>();
        BackendRequestClaim claim = new BackendRequestClaim();

        assertThatThrownBy(() -> exchange(connection, claim).block(Duration.ofSeconds(5)))
                .isInstanceOf(NotYetConnectedException.class);

        Channel channel = connection.get(5, TimeUnit.SECONDS);
        assertThat(channel.closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(received.get()).isZero();
    }

    @Test
    void anExchangeThatTookItsResponseKeepsItsConnection() throws Exception {
        BackendRequestClaim claim = new BackendRequestClaim();

        String first = client(null)
                .request(HttpMethod.GET)
                .uri("/answer")
                .send((request, outbound) -> sent(outbound, claim))
                .response((response, body) -> {
                    claim.responseTaken();
                    return body.asString().take(1);
                })
                .doFinally(signal -> claim.ended())
                .blockFirst(Duration.ofSeconds(5));

        assertThat(first).isEqualTo("first chunk\n");
        assertThat(received.get()).isEqualTo(1);
    }

    /** One exchange whose connect reports {@link NotYetConnectedException} first, guarded by the claim if given. */
    private Mono<Void> exchange(CompletableFuture<Channel> connection, BackendRequestClaim claim) {
        return client(connection)
                .request(HttpMethod.GET)
                .uri("/hang")
                .send((request, outbound) -> sent(outbound, claim))
                .response((response, body) -> {
                    if (claim != null) {
                        claim.responseTaken();
                    }
                    return body.retain().doOnNext(b -> b.release());
                })
                .then()
                .doFinally(signal -> {
                    if (claim != null) {
                        claim.ended();
                    }
                });
    }

    /** What {@link ReactorTransport} does in its send callback (without a claim: what Reactor Netty does alone). */
    private static Publisher<Void> sent(NettyOutbound outbound, BackendRequestClaim claim) {
        if (claim != null && !claim.send(outbound)) {
            return Mono.empty();
        }
        return outbound;
    }

    private HttpClient client(CompletableFuture<Channel> connection) {
        HttpClient client = HttpClient.create(pool).baseUrl("http://127.0.0.1:" + backend.port());
        if (connection == null) {
            return client;
        }
        return client.doOnChannelInit((observer, channel, address) -> {
            connection.complete(channel);
            channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
                @Override
                public void connect(
                        ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local, ChannelPromise promise) {
                    ctx.fireExceptionCaught(new NotYetConnectedException());
                    ctx.connect(remote, local, promise);
                }
            });
        });
    }

    private int awaitReceived(int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (received.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return received.get();
    }
}
