package dev.ferry.router.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2FrameTypes;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.NettyPipeline;

/**
 * What RFC 9113 asks of an HTTP/2 server that Netty's codec leaves to its user, on every h2c connection (prior
 * knowledge or upgrade) and every h2 one (ALPN over TLS). Two handlers:
 *
 * <ul>
 *   <li>this one, first in the connection's pipeline, reads the frame headers of the raw bytes (nine bytes a frame,
 *       nothing copied) and turns a HEADERS frame on a stream that is closed, or whose identifier is below the highest
 *       one opened and was never used, into the connection error §5.1 and §5.1.1 require. Netty cannot tell those
 *       apart from a stream it reset, so it answers all of them with a stream error;
 *   <li>{@link StreamChecks}, between the codec and the multiplexer, refuses a request without {@code :method},
 *       {@code :scheme} or {@code :path} (§8.3.1), and answers every stream error Netty finds (a {@code content-length}
 *       that disagrees with the DATA frames, a zero or overflowing WINDOW_UPDATE, HEADERS on a half-closed stream)
 *       with RST_STREAM and that error's code. Netty hands those to the stream's channel, which would otherwise answer
 *       the request or reset it as cancelled, so a client never learns what it did wrong and a body whose length
 *       disagrees with its declaration could be taken for a request.
 * </ul>
 */
public final class Http2Edge extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(Http2Edge.class);
    static final String HANDLER_NAME = "ferry.h2Edge";
    static final String CHECKS_NAME = "ferry.h2StreamChecks";
    private static final int FRAME_HEADER = Http2CodecUtil.FRAME_HEADER_LENGTH;
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
    private static final int PREFACE_LENGTH = PREFACE.readableBytes();
    /** How many streams Ferry reset (or refused) are remembered: frames the client sent before it learnt are ignored. */
    private static final int RESETS_REMEMBERED = 64;
    /** How many ranges of never-used stream identifiers are remembered; older ones are taken for closed streams. */
    private static final int GAPS_REMEMBERED = 16;

    /** Bytes of the client preface still to skip; -1 until the connection speaks HTTP/2. */
    private int prefaceLeft = -1;

    private final byte[] header = new byte[FRAME_HEADER];
    private int headerFill;
    private long payloadLeft;
    /** The highest stream a HEADERS frame was seen on, decoded or not: one on a lower stream is looked at alone. */
    private int highestHeaders;

    private Streams streams;

    /** Puts the checks in front of a new connection's pipeline, right after TLS when the port speaks it. */
    public static void install(ChannelPipeline pipeline) {
        if (pipeline.get(NettyPipeline.SslHandler) != null) {
            pipeline.addAfter(NettyPipeline.SslHandler, HANDLER_NAME, new Http2Edge());
        } else {
            pipeline.addFirst(HANDLER_NAME, new Http2Edge());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in) || !in.isReadable()) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (prefaceLeft < 0) {
            // HTTP/1.1 until the client preface: at the start of a connection (prior knowledge), or after an h2c
            // upgrade's 101, where the codec is already in and waits for it.
            if (!startsWithPreface(in)) {
                ctx.fireChannelRead(in);
                return;
            }
            prefaceLeft = PREFACE_LENGTH;
        }
        if (streams == null && prefaceLeft > 0) {
            // The preface goes on alone, even split across reads: with prior knowledge it makes Reactor Netty put
            // the HTTP/2 codec in, and the frames after it are checked against that codec's streams.
            int n = Math.min(prefaceLeft, in.readableBytes());
            ctx.fireChannelRead(in.readRetainedSlice(n));
            prefaceLeft -= n;
            if (!ctx.channel().isActive() || !in.isReadable()) {
                in.release();
                if (prefaceLeft == 0 && ctx.channel().isActive()) {
                    watch(ctx);
                }
                return;
            }
            watch(ctx);
        }
        scan(ctx, in);
    }

    private static boolean startsWithPreface(ByteBuf in) {
        int n = Math.min(in.readableBytes(), PREFACE_LENGTH);
        return in.getByte(in.readerIndex()) == PREFACE.getByte(0)
                && ByteBufUtil.equals(in, in.readerIndex(), PREFACE, 0, n);
    }

    private void watch(ChannelHandlerContext ctx) {
        if (streams != null) {
            return;
        }
        // By type: after an h2c upgrade Netty adds the codec under a name of its own.
        ChannelPipeline pipeline = ctx.pipeline();
        Http2FrameCodec codec = pipeline.get(Http2FrameCodec.class);
        if (codec != null) {
            streams = new Streams(codec.connection());
            if (pipeline.get(CHECKS_NAME) == null) {
                pipeline.addAfter(
                        pipeline.context(codec).name(), CHECKS_NAME, new StreamChecks(codec.connection(), streams));
            }
        }
    }

    /** Walks the frame headers in {@code in}; forwards it, split before a HEADERS frame that needs a look. */
    private void scan(ChannelHandlerContext ctx, ByteBuf in) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        while (i < end) {
            if (prefaceLeft > 0) {
                int n = Math.min(prefaceLeft, end - i);
                prefaceLeft -= n;
                i += n;
            } else if (payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, end - i);
                payloadLeft -= n;
                i += n;
            } else {
                int n = Math.min(FRAME_HEADER - headerFill, end - i);
                in.getBytes(i, header, headerFill, n);
                headerFill += n;
                i += n;
                if (headerFill < FRAME_HEADER) {
                    break;
                }
                headerFill = 0;
                payloadLeft = ((header[0] & 0xFF) << 16) | ((header[1] & 0xFF) << 8) | (header[2] & 0xFF);
                if (header[3] == Http2FrameTypes.HEADERS && streams != null) {
                    int streamId = ((header[5] & 0x7F) << 24)
                            | ((header[6] & 0xFF) << 16)
                            | ((header[7] & 0xFF) << 8)
                            | (header[8] & 0xFF);
                    // Frames before this one change what streams are open: they go first.
                    int frameStart = Math.max(in.readerIndex(), i - FRAME_HEADER);
                    boolean known = streamId <= highestHeaders;
                    highestHeaders = Math.max(highestHeaders, streamId);
                    if (known && frameStart > in.readerIndex()) {
                        ctx.fireChannelRead(in.readRetainedSlice(frameStart - in.readerIndex()));
                        if (!ctx.channel().isActive()) {
                            in.release();
                            return;
                        }
                    }
                    Http2Exception error = streams.headersOn(streamId);
                    if (error != null) {
                        in.release();
                        ctx.fireExceptionCaught(error);
                        return;
                    }
                }
            }
        }
        ctx.fireChannelRead(in);
    }

    /** What Ferry knows of a connection's client streams beyond what Netty keeps. */
    private static final class Streams extends Http2ConnectionAdapter {
        private final Http2Connection connection;
        private final int[] resets = new int[RESETS_REMEMBERED];
        private int resetCount;
        private final int[] gapFrom = new int[GAPS_REMEMBERED];
        private final int[] gapTo = new int[GAPS_REMEMBERED];
        private int gapCount;
        private int lastAdded;
        /** A stream that got HEADERS after the client ended it, until its stream error is answered. */
        private int halfClosedHeaders;

        Streams(Http2Connection connection) {
            this.connection = connection;
            this.lastAdded = connection.remote().lastStreamCreated();
            connection.addListener(this);
        }

        /** The connection error a HEADERS frame on this stream is, or null when Netty's codec is to judge it. */
        Http2Exception headersOn(int streamId) {
            Http2Connection.Endpoint<?> remote = connection.remote();
            if ((streamId & 1) == 0) {
                return null;
            }
            if (streamId > remote.lastStreamCreated()) {
                if (remote.numActiveStreams() >= remote.maxActiveStreams()) {
                    // Netty refuses it with RST_STREAM and never creates it: frames in flight on it are to be ignored.
                    reset(streamId);
                }
                return null;
            }
            Http2Stream stream = connection.stream(streamId);
            if (stream != null) {
                if (stream.state() == Http2Stream.State.HALF_CLOSED_REMOTE) {
                    // Netty finds a header block too many (PROTOCOL_ERROR); §5.1 names this state's error.
                    halfClosedHeaders = streamId;
                }
                return null;
            }
            if (wasReset(streamId)) {
                return null;
            }
            if (neverUsed(streamId)) {
                return Http2Exception.connectionError(
                        Http2Error.PROTOCOL_ERROR,
                        "HEADERS open stream %d, below the highest stream opened (%d)",
                        streamId,
                        remote.lastStreamCreated());
            }
            return Http2Exception.connectionError(
                    Http2Error.STREAM_CLOSED, "HEADERS on stream %d, which is closed", streamId);
        }

        /** The error code to reset a stream with, for an error Netty found in it. */
        Http2Error resetCode(int streamId, Http2Error found) {
            if (streamId == halfClosedHeaders) {
                halfClosedHeaders = 0;
                return Http2Error.STREAM_CLOSED;
            }
            return found;
        }

        @Override
        public void onStreamAdded(Http2Stream stream) {
            int id = stream.id();
            if ((id & 1) == 0) {
                return;
            }
            if (id > lastAdded + 2) {
                int slot = gapCount++ % GAPS_REMEMBERED;
                gapFrom[slot] = lastAdded + 1;
                gapTo[slot] = id - 1;
            }
            lastAdded = Math.max(lastAdded, id);
        }

        @Override
        public void onStreamClosed(Http2Stream stream) {
            if (stream.isResetSent()) {
                reset(stream.id());
            }
        }

        private void reset(int streamId) {
            resets[resetCount++ % RESETS_REMEMBERED] = streamId;
        }

        private boolean wasReset(int streamId) {
            for (int i = Math.min(resetCount, RESETS_REMEMBERED) - 1; i >= 0; i--) {
                if (resets[i] == streamId) {
                    return true;
                }
            }
            return false;
        }

        private boolean neverUsed(int streamId) {
            for (int i = Math.min(gapCount, GAPS_REMEMBERED) - 1; i >= 0; i--) {
                if (streamId >= gapFrom[i] && streamId <= gapTo[i]) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Between the HTTP/2 codec and the multiplexer: request pseudo-headers, and stream errors as RST_STREAM. */
    static final class StreamChecks extends ChannelDuplexHandler {
        private final Http2Connection connection;
        private final Http2Connection.PropertyKey requested;
        private final Streams streams;

        StreamChecks(Http2Connection connection, Streams streams) {
            this.connection = connection;
            this.streams = streams;
            this.requested = connection.newKey();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame frame) {
                Http2Stream stream = connection.stream(frame.stream().id());
                if (stream != null && stream.getProperty(requested) == null) {
                    stream.setProperty(requested, Boolean.TRUE);
                    String missing = missingPseudoHeader(frame.headers());
                    if (missing != null) {
                        LOG.debug("{} stream {}: a request without {}", ctx.channel(), stream.id(), missing);
                        ReferenceCountUtil.release(msg);
                        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR).stream(frame.stream()));
                        return;
                    }
                }
            }
            ctx.fireChannelRead(msg);
        }

        /** The first mandatory pseudo-header a request lacks (RFC 9113 §8.3.1), or null. */
        static String missingPseudoHeader(Http2Headers headers) {
            if (headers.method() == null) {
                return ":method";
            }
            if ("CONNECT".contentEquals(headers.method())) {
                return headers.authority() == null ? ":authority" : null;
            }
            if (headers.scheme() == null) {
                return ":scheme";
            }
            if (headers.path() == null || headers.path().length() == 0) {
                return ":path";
            }
            return null;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof Http2FrameStreamException e) {
                // Netty found a stream error and handed it up without answering: answer it with its own code. The
                // stream closes, and with it the stream's channel and whatever Ferry had started for it.
                LOG.debug(
                        "{} stream {}: {}",
                        ctx.channel(),
                        e.stream().id(),
                        e.getCause().getMessage());
                Http2Error code = streams.resetCode(e.stream().id(), e.error());
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(code).stream(e.stream()));
                return;
            }
            if (cause instanceof Http2Exception) {
                // A connection error: the codec answers it with GOAWAY and closes. A client's fault, not a warning.
                LOG.debug("{} connection error: {}", ctx.channel(), cause.toString());
                return;
            }
            if (cause instanceof IOException) {
                // The client is gone: the connection closes and every stream with it.
                LOG.debug("{} closed: {}", ctx.channel(), cause.toString());
                ctx.close();
                return;
            }
            ctx.fireExceptionCaught(cause);
        }
    }
}
