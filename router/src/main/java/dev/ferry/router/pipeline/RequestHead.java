package dev.ferry.router.pipeline;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.exchange.Transport;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

/**
 * A request as it arrives, before any step has looked at it: what both transports hand the pipeline.
 *
 * @param uri the request target as received
 * @param startNanos {@link System#nanoTime()} when the request head was read
 */
public record RequestHead(Transport transport, HttpMethod method, String uri, HttpHeaders headers, long startNanos) {
    public RequestHead {
        requireNonNull(transport, "transport");
        requireNonNull(method, "method");
        requireNonNull(uri, "uri");
        requireNonNull(headers, "headers");
    }
}
