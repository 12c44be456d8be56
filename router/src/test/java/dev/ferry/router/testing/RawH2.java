package dev.ferry.router.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * An HTTP/2 client (prior knowledge, cleartext) that sends the frames a test writes, valid or not, and reads what comes
 * back frame by frame: what a hostile or broken client does, which no well-behaved client library can be made to.
 * Header blocks are HPACK literals without indexing, so any field, order or omission can be sent.
 */
public final class RawH2 implements AutoCloseable {
    public static final int DATA = 0x0;
    public static final int HEADERS = 0x1;
    public static final int RST_STREAM = 0x3;
    public static final int SETTINGS = 0x4;
    public static final int GOAWAY = 0x7;
    public static final int END_STREAM = 0x1;
    public static final int END_HEADERS = 0x4;
    public static final int PROTOCOL_ERROR = 0x1;

    /** One frame read from the server. */
    public record Frame(int type, int flags, int streamId, byte[] payload) {
        /** The error code of a RST_STREAM or GOAWAY frame. */
        public int errorCode() {
            ByteBuffer b = ByteBuffer.wrap(payload);
            return type == GOAWAY ? b.getInt(4) : b.getInt(0);
        }

        public boolean endsStream() {
            return (flags & END_STREAM) != 0;
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    private RawH2(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** Connects, sends the preface and empty SETTINGS. */
    public static RawH2 connect(int port) {
        try {
            RawH2 h2 = new RawH2(new Socket("127.0.0.1", port));
            h2.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            h2.frame(SETTINGS, 0, 0, new byte[0]);
            return h2;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A request's header block, in the order given, as one HEADERS frame. */
    public RawH2 headers(int streamId, boolean endStream, Map<String, String> fields) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        fields.forEach((name, value) -> {
            block.write(0x00);
            literal(block, name);
            literal(block, value);
        });
        return frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, block.toByteArray());
    }

    public RawH2 data(int streamId, boolean endStream, byte[] payload) {
        return frame(DATA, endStream ? END_STREAM : 0, streamId, payload);
    }

    public RawH2 frame(int type, int flags, int streamId, byte[] payload) {
        ByteBuffer header = ByteBuffer.allocate(9);
        header.put((byte) (payload.length >>> 16))
                .put((byte) (payload.length >>> 8))
                .put((byte) payload.length)
                .put((byte) type)
                .put((byte) flags)
                .putInt(streamId);
        try {
            out.write(header.array());
            out.write(payload);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /**
     * Frames from the server until one matches, the connection closes, or {@code within} passes without a frame; a
     * SETTINGS frame is acknowledged as it comes.
     */
    public List<Frame> readUntil(Predicate<Frame> last, Duration within) {
        List<Frame> frames = new ArrayList<>();
        try {
            socket.setSoTimeout((int) within.toMillis());
            while (true) {
                Frame frame = read();
                if (frame == null) {
                    return frames;
                }
                frames.add(frame);
                if (frame.type() == SETTINGS && (frame.flags() & 1) == 0) {
                    frame(SETTINGS, 1, 0, new byte[0]);
                }
                if (last.test(frame)) {
                    return frames;
                }
            }
        } catch (SocketTimeoutException e) {
            return frames;
        } catch (IOException e) {
            // A reset connection ends the frames as a closed one does.
            return frames;
        }
    }

    private Frame read() throws IOException {
        byte[] header = new byte[9];
        try {
            in.readFully(header);
        } catch (java.io.EOFException e) {
            return null;
        }
        int length = ((header[0] & 0xFF) << 16) | ((header[1] & 0xFF) << 8) | (header[2] & 0xFF);
        int streamId = ByteBuffer.wrap(header, 5, 4).getInt() & 0x7FFFFFFF;
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(header[3], header[4] & 0xFF, streamId, payload);
    }

    private static void literal(ByteArrayOutputStream block, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 126) {
            throw new IllegalArgumentException("fields here are shorter than 127 bytes: " + s);
        }
        block.write(bytes.length);
        block.writeBytes(bytes);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }
}
