package dev.ferry.router.pipeline;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.exchange.Transport;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

/**
 * A request as it arrives, before any step has looked at it: what both transports hand the pipeline.
 *
 * @param version the protocol version the request came in on (HTTP/1.0, HTTP/1.1; HTTP/2 as Netty names it)
 * @param uri the request target as received
 * @param startNanos {@link System#nanoTime()} when the request head was read
 */
public record RequestHead(
        Transport transport, HttpVersion version, HttpMethod method, String uri, HttpHeaders headers, long startNanos) {
    public RequestHead {
        requireNonNull(transport, "transport");
        requireNonNull(version, "version");
        requireNonNull(method, "method");
        requireNonNull(uri, "uri");
        requireNonNull(headers, "headers");
    }

    /** An HTTP/1.1 request. */
    public RequestHead(Transport transport, HttpMethod method, String uri, HttpHeaders headers, long startNanos) {
        this(transport, HttpVersion.HTTP_1_1, method, uri, headers, startNanos);
    }
}
