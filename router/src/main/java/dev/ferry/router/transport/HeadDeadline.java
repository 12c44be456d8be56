package dev.ferry.router.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import reactor.netty.NettyPipeline;

/**
 * One HTTP/1.x client connection's deadline for request heads, on both transports: the request line and headers must
 * arrive whole within {@code limits.request-head-timeout} of their first byte, so that a client trickling header lines
 * is cut off, not only one that goes silent. On a new connection the deadline counts from the accept: a connection
 * that never sends a request is closed at it.
 *
 * <pre>
 *   bytes ──▶ [arrival] ──▶ H2C detection, HTTP codec ──▶ [decoded] ──▶ fast path, Reactor Netty
 *               first byte of a head:                       head decoded: timer cancelled
 *               timer started                               response written: the next head may start
 * </pre>
 *
 * <p>Two handlers share this state: one in front of every decoder sees bytes arrive, one behind the HTTP codec sees
 * heads decoded and responses end. One timer per connection, and only while a head is awaited. A head pipelined
 * behind a response still owed gets its deadline from that response's end (the router may not read it before). What
 * the client sees: 408 {@code request_head_timeout} and a close when part of a head had arrived, a plain close when
 * nothing had. The connection leaves this deadline when it stops being HTTP/1.x (h2c, WebSocket).
 */
final class HeadDeadline {
    static final String ARRIVAL = "ferry.headArrival";
    static final String DECODED = "ferry.headDecoded";
    /** How long a connection cut at its head deadline may still send, dropped, before it is closed. */
    static final Duration LINGER = Duration.ofSeconds(2);

    private final HeadDeadlines shared;
    private final Arrival arrival = new Arrival();
    private final Decoded decoded = new Decoded();
    private final Runnable expiry = this::expired;

    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    /** Bytes of a head not decoded yet have arrived. */
    private boolean headStarted;
    /** Between a head and the end of its request's body: bytes that arrive are the body's. */
    private boolean readingBody;
    /** Requests whose final response has not been written yet. */
    private int responsesOwed;
    /** The 408 is written and the output shut: what the client still sends is dropped until the close. */
    private boolean lingering;

    private HeadDeadline(HeadDeadlines shared) {
        this.shared = shared;
    }

    /** Puts the deadline around the HTTP codec of a new connection, if it has one (an HTTP/2-only listener has none). */
    static void install(ChannelPipeline pipeline, HeadDeadlines shared) {
        if (pipeline.get(HttpServerCodec.class) == null) {
            return;
        }
        String codec = pipeline.context(HttpServerCodec.class).name();
        String first = pipeline.get(NettyPipeline.H2CUpgradeHandler) != null ? NettyPipeline.H2CUpgradeHandler : codec;
        HeadDeadline deadline = new HeadDeadline(shared);
        pipeline.addBefore(first, ARRIVAL, deadline.arrival);
        pipeline.addAfter(codec, DECODED, deadline.decoded);
    }

    private void start() {
        if (timer == null) {
            timer = ctx.executor().schedule(expiry, shared.timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expired() {
        timer = null;
        if (!ctx.channel().isActive() || responsesOwed > 0 || readingBody) {
            return;
        }
        if (!headStarted) {
            shared.meters.noRequestTimedOut(); // a new connection that sent nothing: nobody to answer
            ctx.close();
            return;
        }
        shared.meters.requestHeadTimedOut();
        FullHttpResponse response = shared.errors.response(ctx.alloc(), shared.refusal);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(written -> linger());
    }

    /**
     * Closes after the 408 without losing it: a client still sending when the connection closes gets a reset, which
     * may discard the answer before it is read. So the output is shut (the client reads the 408, then the end), what
     * the client still sends is dropped, and the connection closes when the client does or after {@link #LINGER}.
     */
    private void linger() {
        if (!(ctx.channel() instanceof DuplexChannel duplex) || !duplex.isActive()) {
            ctx.close();
            return;
        }
        lingering = true;
        duplex.shutdownOutput();
        duplex.config().setAutoRead(true);
        ctx.executor().schedule(() -> ctx.close(), LINGER.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The connection is no longer HTTP/1.x: its new protocol has limits of its own. */
    private void off() {
        cancel();
        ChannelPipeline pipeline = ctx.pipeline();
        if (pipeline.context(arrival) != null) {
            pipeline.remove(arrival);
        }
        if (pipeline.context(decoded) != null) {
            pipeline.remove(decoded);
        }
    }

    /** In front of every decoder: the first byte of a head starts its deadline. */
    private final class Arrival extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            start(); // the accept: a connection must send its first request within the deadline too
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (lingering) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!(msg instanceof ByteBuf bytes)) {
                ctx.fireChannelRead(msg);
                return;
            }
            if (!headStarted && !readingBody && bytes.isReadable()) {
                headStarted = true;
                if (responsesOwed == 0) {
                    start();
                }
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancel();
            ctx.fireChannelInactive();
        }
    }

    /** Behind the HTTP codec: a decoded head ends its deadline; the end of a response lets the next one start. */
    private final class Decoded extends ChannelDuplexHandler {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            HeadDeadline.this.ctx = ctx;
            // Over TLS the first request can only come once the handshake is done (it has its own timeout): the
            // deadline starts then, when Reactor Netty passes the channel's activation on.
            SslHandler tls = ctx.pipeline().get(SslHandler.class);
            if (ctx.channel().isActive()
                    && (tls == null || tls.handshakeFuture().isSuccess())) {
                start();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                cancel();
                headStarted = false;
                readingBody = true;
                responsesOwed++;
            }
            if (msg instanceof LastHttpContent) {
                readingBody = false;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof HttpResponse response && response.status().code() < 200) {
                if (response.status().code() == 101) {
                    off(); // switching protocols (h2c, WebSocket)
                }
            } else if (msg instanceof LastHttpContent && responsesOwed > 0 && --responsesOwed == 0 && headStarted) {
                start(); // a head pipelined behind this response: its deadline from now
            }
            ctx.write(msg, promise);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent
                    || evt instanceof CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent) {
                off();
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
