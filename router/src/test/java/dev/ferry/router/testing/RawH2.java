package dev.ferry.router.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * HTTP/2 frames written by hand on a plain socket (h2c by prior knowledge), for what no client library sends: floods
 * of SETTINGS, PING, RST_STREAM and CONTINUATION frames. Header blocks use only HPACK's static table and literals.
 */
public final class RawH2 implements AutoCloseable {
    public static final int DATA = 0x0;
    public static final int HEADERS = 0x1;
    public static final int RST_STREAM = 0x3;
    public static final int SETTINGS = 0x4;
    public static final int PING = 0x6;
    public static final int GOAWAY = 0x7;
    public static final int CONTINUATION = 0x9;

    public static final int END_STREAM = 0x1;
    public static final int END_HEADERS = 0x4;
    public static final int ACK = 0x1;

    public static final int PROTOCOL_ERROR = 0x1;
    public static final int REFUSED_STREAM = 0x7;
    public static final int CANCEL = 0x8;
    public static final int ENHANCE_YOUR_CALM = 0xb;

    /** SETTINGS_MAX_CONCURRENT_STREAMS. */
    public static final int MAX_CONCURRENT_STREAMS = 0x3;

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    /** A frame as read: its type, flags, stream and payload. */
    public record Frame(int type, int flags, int stream, byte[] payload) {
        /** The error code of a GOAWAY or RST_STREAM frame. */
        public int errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return ((payload[at] & 0xff) << 24)
                    | ((payload[at + 1] & 0xff) << 16)
                    | ((payload[at + 2] & 0xff) << 8)
                    | (payload[at + 3] & 0xff);
        }

        /** The value of one setting of a SETTINGS frame, or -1 when it is absent. */
        public long setting(int id) {
            for (int i = 0; i + 6 <= payload.length; i += 6) {
                if (((payload[i] & 0xff) << 8 | (payload[i + 1] & 0xff)) == id) {
                    return ((long) (payload[i + 2] & 0xff) << 24)
                            | ((payload[i + 3] & 0xff) << 16)
                            | ((payload[i + 4] & 0xff) << 8)
                            | (payload[i + 5] & 0xff);
                }
            }
            return -1;
        }
    }

    /** Frames over a connection the caller opened and began (a split preface, an h2c upgrade). */
    public static RawH2 on(Socket socket) throws IOException {
        return new RawH2(socket);
    }

    /** The client connection preface. */
    public static byte[] preface() {
        return PREFACE.clone();
    }

    private RawH2(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    /**
     * Connects and sends the preface and an empty SETTINGS frame.
     *
     * @param receiveBuffer the socket's receive buffer in bytes, small for a client that does not read; 0: the default
     */
    public static RawH2 connect(int port, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        socket.setSoTimeout(10_000);
        RawH2 h2 = new RawH2(socket);
        h2.out.write(PREFACE);
        h2.write(frame(SETTINGS, 0, 0, new byte[0]));
        return h2;
    }

    /** A frame's bytes: the 9-byte header and the payload. */
    public static byte[] frame(int type, int flags, int stream, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) (stream >>> 24 & 0x7f);
        f[6] = (byte) (stream >>> 16);
        f[7] = (byte) (stream >>> 8);
        f[8] = (byte) stream;
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    /** A GET (or POST) header block: static-table method, scheme and path, literal authority and extra headers. */
    public static byte[] requestHeaders(boolean post, String path, String... nameValues) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(post ? 0x83 : 0x82); // :method GET / POST
        block.write(0x86); // :scheme http
        literal(block, 4, ":path", path); // indexed name :path, literal value
        literal(block, 1, ":authority", "localhost");
        for (int i = 0; i + 1 < nameValues.length; i += 2) {
            literal(block, 0, nameValues[i], nameValues[i + 1]);
        }
        return block.toByteArray();
    }

    /** A literal header field without indexing (RFC 7541 §6.2.2), with a static-table name index or a literal name. */
    public static void literal(ByteArrayOutputStream block, int nameIndex, String name, String value) {
        block.write(nameIndex); // 0000xxxx: index < 15
        if (nameIndex == 0) {
            string(block, name);
        }
        string(block, value);
    }

    private static void string(ByteArrayOutputStream block, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        if (bytes.length >= 127) {
            throw new IllegalArgumentException("a test string under 127 bytes, not " + bytes.length);
        }
        block.write(bytes.length);
        block.writeBytes(bytes);
    }

    public static byte[] errorCode(int code) {
        return new byte[] {(byte) (code >>> 24), (byte) (code >>> 16), (byte) (code >>> 8), (byte) code};
    }

    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next frame, or null when the router closed the connection (or reset it). */
    public Frame read() throws IOException {
        try {
            int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            return new Frame(type, flags, stream, payload);
        } catch (EOFException e) {
            return null;
        } catch (SocketException e) {
            if (e.getMessage() != null && e.getMessage().contains("reset")) {
                return null;
            }
            throw e;
        }
    }

    /** Reads frames until one of {@code type} (returned), or the end of the connection (null); at most {@code max}. */
    public Frame readUntil(int type, int max) throws IOException {
        for (int i = 0; i < max; i++) {
            Frame f = read();
            if (f == null || f.type() == type) {
                return f;
            }
        }
        throw new AssertionError("no frame of type " + type + " among the first " + max);
    }

    /**
     * Frames until one that {@code last} accepts (included) or the end of the connection; at most {@code max}.
     */
    public List<Frame> readUntil(Predicate<Frame> last, int max) throws IOException {
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            Frame f = read();
            if (f == null) {
                return frames;
            }
            frames.add(f);
            if (last.test(f)) {
                return frames;
            }
        }
        throw new AssertionError("no frame as expected among the first " + max + ": " + frames);
    }

    /** A header block of literal fields in the order given: any field, order or omission a client may send. */
    public static byte[] literalHeaders(Map<String, String> fields) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        fields.forEach((name, value) -> literal(block, 0, name, value));
        return block.toByteArray();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
