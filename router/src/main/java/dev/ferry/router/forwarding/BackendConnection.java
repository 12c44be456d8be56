package dev.ferry.router.forwarding;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One keep-alive connection to the backend. Lent to one listener at a time; silence longer than the response
 * timeout while armed fails the listener.
 */
public final class BackendConnection extends ChannelInboundHandlerAdapter implements Runnable {
    private final LoopPool pool;
    private final long responseTimeoutNanos;
    private final Channel channel;
    /** On the pool's clock. */
    final long created;

    long idleSince;
    boolean reused;
    BackendPool.Listener listener;
    private boolean armed;
    private long lastRead;
    private ScheduledFuture<?> check;
    private Throwable cause;
    private boolean reading;
    private boolean releaseAfterRead;

    BackendConnection(LoopPool pool, Channel channel, long responseTimeoutNanos, long created) {
        this.pool = pool;
        this.channel = channel;
        this.created = created;
        this.responseTimeoutNanos = responseTimeoutNanos;
    }

    /** Whether the connection served a request before this one (and may have been closed by the backend since). */
    public boolean reused() {
        return reused;
    }

    public void listen(BackendPool.Listener listener) {
        this.listener = listener;
    }

    public Channel channel() {
        return channel;
    }

    public void write(Object message) {
        channel.write(message, channel.voidPromise());
    }

    public void writeAndFlush(Object message) {
        channel.writeAndFlush(message, channel.voidPromise());
    }

    public void flush() {
        channel.flush();
    }

    /**
     * Gives the connection back: kept for the next request when {@code reusable}, else closed. Released while the
     * response's last bytes are being decoded, it rejoins the pool only after that read: bytes a backend sends
     * beyond its response then close it instead of reaching the next request.
     */
    public void release(boolean reusable) {
        if (reusable && reading) {
            listener = null;
            disarm();
            releaseAfterRead = true;
            return;
        }
        pool.release(this, reusable);
    }

    /** The event loop's clock: the timers' own, so a test can move it ({@code EmbeddedChannel.advanceTimeBy}). */
    long now() {
        return channel.eventLoop().ticker().nanoTime();
    }

    /** The error that broke the connection, if any: an end of response seen after it is a cut body. */
    public Throwable failure() {
        return cause;
    }

    /** From now on, the backend may not stay silent longer than the response timeout. */
    public void arm() {
        lastRead = now();
        armed = true;
        if (check == null) {
            check = channel.eventLoop().schedule(this, responseTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The response is complete: silence is fine again. */
    public void disarm() {
        armed = false;
    }

    /** The response timeout's check: reschedules itself while reads keep coming. */
    @Override
    public void run() {
        check = null;
        if (!armed || listener == null) {
            return;
        }
        long silent = now() - lastRead;
        if (silent < responseTimeoutNanos) {
            check = channel.eventLoop().schedule(this, responseTimeoutNanos - silent, TimeUnit.NANOSECONDS);
            return;
        }
        BackendPool.Listener failed = listener;
        listener = null;
        channel.close();
        failed.backendFailed(
                // A JDK type the failure table knows as backend_timeout (Netty's ReadTimeoutException with a message
                // trips an assertion in Netty 4.2).
                new java.net.SocketTimeoutException("sent nothing for "
                        + Duration.ofNanos(responseTimeoutNanos).toMillis() + " ms (timeouts.response)"));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        lastRead = now();
        reading = true;
        BackendPool.Listener l = listener;
        if (l == null) {
            // Nothing was asked: a backend talking out of turn cannot be trusted with the next request.
            ReferenceCountUtil.release(message);
            ctx.close();
            return;
        }
        l.backendMessage(message);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (releaseAfterRead) {
            releaseAfterRead = false;
            pool.release(this, true);
            return;
        }
        BackendPool.Listener l = listener;
        if (l != null) {
            l.backendReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        BackendPool.Listener l = listener;
        if (l != null) {
            l.backendWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        reading = false;
        releaseAfterRead = false;
        BackendPool.Listener l = listener;
        listener = null;
        if (l != null) {
            l.backendFailed(
                    cause != null
                            ? cause
                            : new java.io.IOException("closed the connection before the response was complete"));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable error) {
        if (cause == null) {
            // Only I/O errors are the backend's; anything else is Ferry's own (and classified as internal).
            cause = error;
        }
        ctx.close();
    }
}
