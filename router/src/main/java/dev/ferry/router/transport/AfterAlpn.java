package dev.ferry.router.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.function.Consumer;
import reactor.netty.NettyPipeline;

/**
 * On a TLS port that offers h2 and http/1.1, Reactor Netty builds a connection's HTTP handlers only when the handshake
 * has picked the protocol. This handler, right behind that negotiation, hands the finished pipeline to what Ferry adds
 * to an HTTP/1.1 connection (the head deadline, the fast path) once, and leaves.
 */
public final class AfterAlpn extends ChannelInboundHandlerAdapter {
    static final String HANDLER_NAME = "ferry.afterAlpn";

    private final Consumer<ChannelPipeline> http1;

    private AfterAlpn(Consumer<ChannelPipeline> http1) {
        this.http1 = http1;
    }

    /** Where the protocol is negotiated, waits for it; elsewhere the pipeline is already final and nothing is added. */
    public static boolean install(ChannelPipeline pipeline, Consumer<ChannelPipeline> http1) {
        if (pipeline.get(NettyPipeline.H2OrHttp11Codec) == null) {
            return false;
        }
        pipeline.addAfter(NettyPipeline.H2OrHttp11Codec, HANDLER_NAME, new AfterAlpn(http1));
        return true;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                // HTTP/2 was picked when the HTTP/1.1 handlers are absent: the adapters check for themselves.
                http1.accept(ctx.pipeline());
            }
            ctx.fireUserEventTriggered(evt);
            ctx.pipeline().remove(this);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}
