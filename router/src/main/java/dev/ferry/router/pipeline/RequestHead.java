package dev.ferry.router.pipeline;

import static java.util.Objects.requireNonNull;

import dev.ferry.router.exchange.Transport;
import dev.ferry.router.telemetry.ExchangeSpan;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.SocketAddress;

/**
 * A request as it arrives, before any step has looked at it: what both transports hand the pipeline.
 *
 * @param version the protocol version the request came in on (HTTP/1.0, HTTP/1.1; HTTP/2 as Netty names it)
 * @param uri the request target as received
 * @param startNanos {@link System#nanoTime()} when the request head was read
 * @param client the client's address, or null
 * @param span Ferry's span for the request, or null: set by the pipeline when tracing is on
 */
public record RequestHead(
        Transport transport,
        HttpVersion version,
        HttpMethod method,
        String uri,
        HttpHeaders headers,
        long startNanos,
        SocketAddress client,
        ExchangeSpan span) {
    public RequestHead {
        requireNonNull(transport, "transport");
        requireNonNull(version, "version");
        requireNonNull(method, "method");
        requireNonNull(uri, "uri");
        requireNonNull(headers, "headers");
    }

    public RequestHead(
            Transport transport,
            HttpVersion version,
            HttpMethod method,
            String uri,
            HttpHeaders headers,
            long startNanos,
            SocketAddress client) {
        this(transport, version, method, uri, headers, startNanos, client, null);
    }

    public RequestHead(
            Transport transport,
            HttpVersion version,
            HttpMethod method,
            String uri,
            HttpHeaders headers,
            long startNanos) {
        this(transport, version, method, uri, headers, startNanos, null, null);
    }

    /** The same request, with Ferry's span. */
    RequestHead withSpan(ExchangeSpan span) {
        return new RequestHead(transport, version, method, uri, headers, startNanos, client, span);
    }

    /** The HTTP version as OpenTelemetry's {@code network.protocol.version} and {@code Via} name it. */
    public String protocol() {
        return version.majorVersion() == 2 ? "2" : version.majorVersion() + "." + version.minorVersion();
    }

    /** An HTTP/1.1 request. */
    public RequestHead(Transport transport, HttpMethod method, String uri, HttpHeaders headers, long startNanos) {
        this(transport, HttpVersion.HTTP_1_1, method, uri, headers, startNanos);
    }
}
