package dev.ferry.router.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.traffic.GlobalTrafficShapingHandler;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback between Ferry and a server (a backend, Unleash) that injects one fault at a time, switched
 * while it runs. Every connection lives on the proxy's one event loop, so a link's state needs no locks; the fault in
 * force is read for each chunk, so a switch reaches kept-alive connections too. It counts what it forwarded.
 *
 * <pre>
 *   Ferry ──▶ front ──(request bytes: delayed, dropped)──▶ back ──▶ server
 *   Ferry ◀── front ◀─(response bytes: delayed, shaped, cut)── back ◀── server
 * </pre>
 */
public final class FaultProxy implements AutoCloseable {
    private enum Kind {
        PASS,
        LATENCY,
        BANDWIDTH,
        RESET,
        DROP,
        SLOW_CLOSE,
        NEVER_ANSWER,
        REFUSE
    }

    /** The fault in force: its kind and its one parameter (a delay in nanoseconds or a number of bytes). */
    private record Fault(Kind kind, long value) {}

    private static final int SLICE = 1024;

    private final int targetPort;
    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    /** Shapes what goes back to Ferry (writes on the front channels); unlimited unless {@link #bandwidth}. */
    private final GlobalTrafficShapingHandler shaper = new GlobalTrafficShapingHandler(loop.next(), 0, 0, 50);

    private final ChannelGroup open = new DefaultChannelGroup(loop.next());
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong bytesToServer = new AtomicLong();
    private final AtomicLong bytesFromServer = new AtomicLong();
    private final int port;
    private volatile Fault fault = new Fault(Kind.PASS, 0);
    private volatile Channel listener;

    public FaultProxy(int targetPort) {
        this.targetPort = targetPort;
        this.listener = bind(0);
        this.port = ((java.net.InetSocketAddress) listener.localAddress()).getPort();
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Forwards everything as it comes. */
    public FaultProxy pass() {
        return set(Kind.PASS, 0);
    }

    /** Every chunk, both ways, arrives this much later (in order). */
    public FaultProxy latency(Duration delay) {
        return set(Kind.LATENCY, delay.toNanos());
    }

    /** Responses trickle back at this rate, in 1 KiB slices. */
    public FaultProxy bandwidth(long bytesPerSecond) {
        return set(Kind.BANDWIDTH, bytesPerSecond);
    }

    /** After this many bytes of each response, the connection is reset (SO_LINGER 0: an RST, not a FIN). */
    public FaultProxy resetMidResponse(long afterBytes) {
        return set(Kind.RESET, afterBytes);
    }

    /** Accepts and reads, never forwards nor answers: silence. */
    public FaultProxy drop() {
        return set(Kind.DROP, 0);
    }

    /** Answers fully, then holds the server's FIN this long. */
    public FaultProxy slowClose(Duration delay) {
        return set(Kind.SLOW_CLOSE, delay.toNanos());
    }

    /** Accepts connections and never reads from them. */
    public FaultProxy acceptNeverAnswer() {
        return set(Kind.NEVER_ANSWER, 0);
    }

    /** Stops listening (connections are refused) and resets the connections open. */
    public synchronized FaultProxy refuse() {
        set(Kind.REFUSE, 0);
        listener.close().syncUninterruptibly();
        open.forEach(FaultProxy::reset);
        return this;
    }

    /** Any fault but a refusal listens again. */
    private synchronized FaultProxy set(Kind kind, long value) {
        shaper.configure(kind == Kind.BANDWIDTH ? value : 0, 0);
        if (kind != Kind.REFUSE && !listener.isOpen()) {
            listener = bind(port);
        }
        fault = new Fault(kind, value);
        return this;
    }

    /** Connections accepted so far. */
    public long connections() {
        return connections.get();
    }

    /** Bytes forwarded to the server so far: what reached it. */
    public long bytesToServer() {
        return bytesToServer.get();
    }

    /** Bytes of the server's answers forwarded back so far. */
    public long bytesFromServer() {
        return bytesFromServer.get();
    }

    private Channel bind(int port) {
        return new ServerBootstrap()
                .group(loop)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(shaper, new Link());
                    }
                })
                .bind("127.0.0.1", port)
                .syncUninterruptibly()
                .channel();
    }

    /** Closes with an RST (SO_LINGER 0), on the channel's event loop, unless it is closed already. */
    private static void reset(Channel channel) {
        Runnable reset = () -> {
            if (channel.isOpen()) {
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
                channel.close();
            }
        };
        if (channel.eventLoop().inEventLoop()) {
            reset.run();
        } else {
            channel.eventLoop().submit(reset).syncUninterruptibly();
        }
    }

    /** One connection from Ferry and its connection to the server, both on the proxy's event loop. */
    private final class Link extends ChannelInboundHandlerAdapter {
        private Channel front;
        private Channel back;
        /** Bytes of the current response sent back (a new request starts a new count). */
        private long answered;
        /** When the last delayed chunk each way goes out: later chunks never overtake it. */
        private long toServerAt;

        private long toFrontAt;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            front = ctx.channel();
            open.add(front);
            connections.incrementAndGet();
            Kind kind = fault.kind();
            if (kind == Kind.NEVER_ANSWER) {
                return; // never read: what Ferry sends fills the socket buffers
            }
            if (kind == Kind.DROP) {
                front.config().setAutoRead(true);
                return;
            }
            new Bootstrap()
                    .group(front.eventLoop())
                    .channel(NioSocketChannel.class)
                    .handler(new Back())
                    .connect("127.0.0.1", targetPort)
                    .addListener((ChannelFutureListener) connected -> {
                        if (!connected.isSuccess()) {
                            front.close();
                            return;
                        }
                        back = connected.channel();
                        open.add(back);
                        if (!front.isActive()) {
                            back.close();
                            return;
                        }
                        front.config().setAutoRead(true);
                    });
        }

        /** From Ferry, toward the server. */
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Fault now = fault;
            if (back == null || now.kind() == Kind.DROP || now.kind() == Kind.NEVER_ANSWER) {
                ReferenceCountUtil.release(msg);
                if (now.kind() == Kind.NEVER_ANSWER) {
                    front.config().setAutoRead(false);
                }
                return;
            }
            answered = 0;
            toServerAt = relay((ByteBuf) msg, back, toServerAt, now.kind() == Kind.LATENCY ? now.value() : 0);
        }

        /** From the server, toward Ferry. */
        void answer(ByteBuf bytes) {
            Fault now = fault;
            switch (now.kind()) {
                case DROP, NEVER_ANSWER -> bytes.release();
                case LATENCY -> toFrontAt = relay(count(bytes), front, toFrontAt, now.value());
                case RESET -> cut(bytes, now.value());
                case BANDWIDTH -> {
                    while (bytes.readableBytes() > SLICE) {
                        forward(count(bytes.readRetainedSlice(SLICE)), front);
                    }
                    forward(count(bytes), front);
                }
                default -> toFrontAt = relay(count(bytes), front, toFrontAt, 0);
            }
        }

        /** Counts a part of the answer toward the reset's byte. */
        private ByteBuf count(ByteBuf bytes) {
            answered += bytes.readableBytes();
            return bytes;
        }

        /** Forwards up to the reset's byte, then resets both connections once it is written. */
        private void cut(ByteBuf bytes, long afterBytes) {
            long left = afterBytes - answered;
            if (bytes.readableBytes() <= left) {
                forward(count(bytes), front);
                return;
            }
            ByteBuf head = count(bytes.readRetainedSlice((int) Math.max(0, left)));
            bytes.release();
            forward(head, front).addListener(written -> {
                reset(front);
                back.close();
            });
        }

        /** Writes {@code bytes} after {@code delayNanos}, never before a chunk delayed earlier; returns when. */
        private long relay(ByteBuf bytes, Channel to, long lastAt, long delayNanos) {
            long now = System.nanoTime();
            long at = Math.max(now + delayNanos, lastAt);
            if (at <= now) {
                forward(bytes, to);
            } else {
                to.eventLoop().schedule(() -> forward(bytes, to), at - now, TimeUnit.NANOSECONDS);
            }
            return at;
        }

        /** Writes and, once written, counts: what reached the other side. */
        private ChannelFuture forward(ByteBuf bytes, Channel to) {
            int n = bytes.readableBytes();
            AtomicLong counter = to == back ? bytesToServer : bytesFromServer;
            return to.writeAndFlush(bytes).addListener(written -> {
                if (written.isSuccess()) {
                    counter.addAndGet(n);
                }
            });
        }

        /** The server closed: Ferry's side closes after what is still on its way (and a slow close's delay). */
        void serverClosed() {
            Fault now = fault;
            long delay = Math.max(0, toFrontAt - System.nanoTime()) + (now.kind() == Kind.SLOW_CLOSE ? now.value() : 0);
            front.eventLoop()
                    .schedule(
                            () -> front.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE),
                            delay,
                            TimeUnit.NANOSECONDS);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (back != null) {
                back.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        /** The server side of the link. */
        private final class Back extends ChannelInboundHandlerAdapter {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                answer((ByteBuf) msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                serverClosed();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        }
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        open.close().syncUninterruptibly();
        shaper.release();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
