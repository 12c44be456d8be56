package dev.ferry.router.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.router.metrics.RouterMeters;
import dev.ferry.router.pipeline.ErrorResponses;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The request-head deadline on an {@code EmbeddedChannel}: a connection's bytes in, its responses out, time moved. */
class HeadDeadlineTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private EmbeddedChannel client;

    @BeforeEach
    void connect() {
        client = new EmbeddedChannel();
        client.freezeTime(); // deadlines come due only when a test moves the clock
        client.pipeline().addLast("codec", new HttpServerCodec()).addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg); // the server behind: requests are answered by the test
            }
        });
        new HeadDeadlines(Duration.ofMillis(500), new ErrorResponses(1), new RouterMeters(registry))
                .install(client.pipeline());
    }

    @AfterEach
    void close() {
        client.finishAndReleaseAll();
    }

    @Test
    void answers408AndClosesWhenAHeadTricklesInPastTheDeadline() {
        send("GET / HTTP/1.1\r\nHost: a\r\n");
        after(300);
        send("X-One: 1\r\n");
        after(300);

        assertThat(written()).startsWith("HTTP/1.1 408").contains("X-Ferry-Error: request_head_timeout");
        assertThat(client.isOpen()).isFalse();
        assertThat(count("request_head")).isEqualTo(1);
    }

    @Test
    void closesWithoutAWordAConnectionThatSendsNothing() {
        after(499);
        assertThat(client.isOpen()).isTrue();

        after(2);

        assertThat(client.isOpen()).isFalse();
        assertThat(written()).isEmpty();
        assertThat(count("no_request")).isEqualTo(1);
    }

    @Test
    void leavesAConnectionAloneOnceItsHeadIsDecoded() {
        send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab");
        after(5_000);

        assertThat(client.isOpen())
                .as("the body's pauses are timeouts.client-read's")
                .isTrue();
    }

    @Test
    void countsTheNextHeadFromItsFirstByteNotFromTheIdleTimeBefore() {
        send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        respond(HttpResponseStatus.OK);
        after(10_000);
        assertThat(client.isOpen())
                .as("idle between requests is the keep-alive timeout's")
                .isTrue();

        send("GET /next HTTP/1.1\r\n");
        after(499);
        assertThat(client.isOpen()).isTrue();
        after(2);

        assertThat(written()).startsWith("HTTP/1.1 408");
    }

    @Test
    void startsAPipelinedHeadsDeadlineWhenTheResponseBeforeItEnds() {
        send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        send("GET /pipelined HTTP/1.1\r\n");
        after(2_000);
        assertThat(client.isOpen())
                .as("a backend still answering the first request")
                .isTrue();

        respond(HttpResponseStatus.OK);
        after(499);
        assertThat(client.isOpen()).isTrue();
        after(2);

        assertThat(written()).startsWith("HTTP/1.1 408");
    }

    @Test
    void leavesAnIdleConnectionToTheKeepAliveTimeoutWhenAReadEndedWithItsRequest() {
        send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        respond(HttpResponseStatus.OK);
        after(5_000);

        assertThat(written()).isEmpty();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void stepsAsideWhenTheConnectionSwitchesProtocols() {
        send("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n");
        respond(HttpResponseStatus.SWITCHING_PROTOCOLS);

        assertThat(client.pipeline().get(HeadDeadline.ARRIVAL)).isNull();
        assertThat(client.pipeline().get(HeadDeadline.DECODED)).isNull();
        after(5_000);
        assertThat(client.isOpen()).isTrue();
    }

    private void send(String bytes) {
        client.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
    }

    private void respond(HttpResponseStatus status) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        client.writeOutbound(response);
        written(); // what the test already expects: cleared
    }

    private void after(long millis) {
        client.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
    }

    /** Everything written to the client since the last look. */
    private String written() {
        StringBuilder out = new StringBuilder();
        ByteBuf buf;
        while ((buf = client.readOutbound()) != null) {
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    private double count(String limit) {
        return registry.get(RouterMeters.CLIENT_TIMEOUTS)
                .tag(RouterMeters.TAG_LIMIT, limit)
                .counter()
                .count();
    }
}
