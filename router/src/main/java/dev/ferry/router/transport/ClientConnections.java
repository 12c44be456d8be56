package dev.ferry.router.transport;

import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.pipeline.ErrorResponses;
import dev.ferry.router.pipeline.Refusal;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The client connections the descriptor budget allows, counted as they are accepted and closed, on both transports
 * (every connection starts here, whatever it turns out to speak). Past the limit a new connection is answered 503
 * {@code connection_limit} with {@code Retry-After} before anything is read, and closed: a fast, clear answer, and the
 * process keeps the descriptors its own files and its admin port need.
 */
public final class ClientConnections {
    private final int max;
    private final boolean tls;
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder refused = new LongAdder();
    /** The whole HTTP/1.1 answer, encoded once. */
    private final byte[] refusal;

    public ClientConnections(int max, boolean tls, ErrorResponses errors) {
        this.max = max;
        this.tls = tls;
        this.refusal = encode(errors.response(
                ByteBufAllocator.DEFAULT,
                new Refusal(
                        ProxyFailure.CONNECTION_LIMIT,
                        "Ferry holds its most client connections (" + max + "); retry, or ask its operator to raise"
                                + " limits.max-client-connections")));
    }

    /**
     * Counts a new connection in, or answers and closes it. Returns whether it was let in; a connection let in is
     * counted out when it closes.
     */
    public boolean admit(Channel channel) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            refused.increment();
            if (tls) {
                // Before the handshake there is no way to answer in HTTP.
                channel.close();
            } else {
                // Straight to the socket, past every handler: nothing has been read or decoded.
                channel.pipeline()
                        .firstContext()
                        .writeAndFlush(Unpooled.wrappedBuffer(refusal))
                        .addListener(ChannelFutureListener.CLOSE);
            }
            return false;
        }
        channel.closeFuture().addListener(f -> open.decrementAndGet());
        return true;
    }

    public int open() {
        return open.get();
    }

    public int max() {
        return max;
    }

    public long refused() {
        return refused.sum();
    }

    private static byte[] encode(FullHttpResponse response) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        EmbeddedChannel encoder = new EmbeddedChannel(new HttpResponseEncoder());
        encoder.writeOutbound(response);
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b = encoder.readOutbound(); b != null; b = encoder.readOutbound()) {
            all.writeBytes(b);
            b.release();
        }
        encoder.finishAndReleaseAll();
        byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        all.release();
        return bytes;
    }
}
