package dev.ferry.router.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a client connection the way nginx's lingering close does: when Ferry closes a connection the client may still
 * be sending on (a 413 while the body streams in, a GOAWAY to a client flooding frames), closing the socket outright
 * with unread bytes in it makes the kernel answer with a reset, and a reset can destroy, at the client, the answer that
 * was already sent. So the close first ends Ferry's side only (a FIN after the last byte written), then reads and drops
 * what the client still sends until it closes its side, goes quiet for {@link #QUIET_MILLIS}, or {@link #MAX_MILLIS}
 * have passed, however much it sends meanwhile (bounded by time, as nginx's is: a client uploading fast must still be
 * able to finish its write and read the answer). It sits in front of TLS and the HTTP/1.1 codec, so nothing read while
 * lingering reaches them; on a cleartext HTTP/2 port the HTTP/2 edge's frame scanner is in front of it, and a flood
 * it finds malformed ends the lingering at once.
 */
public final class LingeringClose extends ChannelDuplexHandler {
    static final String NAME = "ferry.lingeringClose";
    /** Quiet this long while lingering: the client has nothing more to send. */
    static final long QUIET_MILLIS = 500;
    /** Lingering never lasts longer than this. */
    static final long MAX_MILLIS = 2_000;

    private ChannelPromise closing;
    private ScheduledFuture<?> quiet;
    private ScheduledFuture<?> max;

    private LingeringClose() {}

    public static void install(ChannelPipeline pipeline) {
        pipeline.addFirst(NAME, new LingeringClose());
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        Channel channel = ctx.channel();
        if (closing != null) {
            if (!promise.isVoid()) {
                closing.addListener(f -> promise.trySuccess());
            }
            return;
        }
        if (!(channel instanceof DuplexChannel duplex)
                || !channel.isActive()
                || duplex.isInputShutdown()
                || duplex.isOutputShutdown()) {
            ctx.close(promise);
            return;
        }
        closing = promise.unvoid();
        ctx.flush();
        duplex.shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                finish(ctx);
            }
        });
        max = ctx.executor().schedule(() -> finish(ctx), MAX_MILLIS, TimeUnit.MILLISECONDS);
        restartQuiet(ctx);
        channel.config().setAutoRead(true);
        ctx.read();
    }

    private void restartQuiet(ChannelHandlerContext ctx) {
        if (quiet != null) {
            quiet.cancel(false);
        }
        quiet = ctx.executor().schedule(() -> finish(ctx), QUIET_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void finish(ChannelHandlerContext ctx) {
        if (quiet != null) {
            quiet.cancel(false);
        }
        if (max != null) {
            max.cancel(false);
        }
        ChannelPromise promise = closing;
        ctx.close(promise.isDone() ? ctx.newPromise() : promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing != null) {
            ReferenceCountUtil.release(msg);
            restartQuiet(ctx);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (closing == null) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (closing != null) {
            if (evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete) {
                finish(ctx); // the client closed its side: nothing more will come
            } else {
                ReferenceCountUtil.release(evt);
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (closing != null) {
            finish(ctx);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (closing != null) {
            finish(ctx); // a reset while lingering: the connection is gone
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
