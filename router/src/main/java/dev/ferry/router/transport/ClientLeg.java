package dev.ferry.router.transport;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * A fast exchange's way back to the client: the response's parts as they are written, flushed once per backend read.
 *
 * <pre>
 *   AWAITING --1xx--> INTERIM --its end--> AWAITING
 *   AWAITING --final head--> STREAMING --last part--> DONE
 *   AWAITING | INTERIM --Ferry's own answer--> DONE
 * </pre>
 */
final class ClientLeg {
    enum State {
        /** Nothing sent to the client yet. */
        AWAITING,
        /** The backend sent a 1xx (Ferry sends no Expect or Upgrade here): skipped, the final response follows. */
        INTERIM,
        /** The head went out; body parts follow. */
        STREAMING,
        /** The whole response went out (the backend's, or Ferry's own answer). */
        DONE
    }

    private final ChannelHandlerContext ctx;
    private State state = State.AWAITING;
    private boolean needsFlush;
    private ChannelFuture lastWrite;

    ClientLeg(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    State state() {
        return state;
    }

    boolean done() {
        return state == State.DONE;
    }

    /** The write of the response's end, once {@link State#DONE}. */
    ChannelFuture lastWrite() {
        return lastWrite;
    }

    /** A 1xx from the backend: not relayed. */
    void interim() {
        state = State.INTERIM;
    }

    /** A part of an interim response: dropped; its end means the final response comes next. */
    void interimContent(HttpContent content) {
        if (content instanceof LastHttpContent) {
            state = State.AWAITING;
        }
        content.release();
    }

    void head(HttpResponse response) {
        state = State.STREAMING;
        ctx.write(response, ctx.voidPromise());
        needsFlush = true;
    }

    /** A part of the body; returns whether the client can take more now. */
    boolean body(HttpContent content) {
        ctx.write(content, ctx.voidPromise());
        needsFlush = true;
        return ctx.channel().isWritable();
    }

    void end(LastHttpContent last) {
        state = State.DONE;
        lastWrite = ctx.writeAndFlush(last);
        needsFlush = false;
    }

    /** Ferry's own answer, whole, instead of a response that has not started. */
    void answer(FullHttpResponse response) {
        state = State.DONE;
        lastWrite = ctx.writeAndFlush(response);
        needsFlush = false;
    }

    /** The end of a backend read: what was relayed goes out. */
    void flush() {
        if (needsFlush) {
            needsFlush = false;
            ctx.flush();
        }
    }
}
