package dev.ferry.router.shadowing;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;

/**
 * A copy of a request body kept for its shadow read, for a route declared idempotent: made only for a request chosen
 * to be shadowed, up to {@code shadow.max-body}; past it the copy is given up and the request not shadowed. Written by
 * the one event loop of the request's connection.
 */
public final class BodyCopy {
    private final int cap;
    private ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private long seen;

    BodyCopy(int cap) {
        this.cap = cap;
    }

    /** A part of the body as it streams to the backend; its reader index is left where it was. */
    public void add(ByteBuf part) {
        int n = part.readableBytes();
        seen += n;
        if (bytes == null) {
            return;
        }
        if (seen > cap) {
            bytes = null; // too large to keep: this request is not shadowed
            return;
        }
        byte[] chunk = new byte[n];
        part.getBytes(part.readerIndex(), chunk);
        bytes.write(chunk, 0, n);
    }

    /** The whole body, or null when it was larger than the cap or not all of it was seen. */
    byte[] whole(long requestBytes) {
        return bytes == null || seen != requestBytes ? null : bytes.toByteArray();
    }
}
