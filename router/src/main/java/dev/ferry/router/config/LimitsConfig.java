package dev.ferry.router.config;

import static dev.ferry.router.config.Require.require;

import java.time.Duration;

/**
 * What one request, and one client connection, may ask of Ferry: sizes, and how long a client may take.
 *
 * @param maxRequestBody the largest request body forwarded, in bytes: a larger declared one is refused before anything
 *     is sent; a larger streamed one is cut off so that the backend never sees it complete
 * @param requestHeadTimeout how long a request's head (request line and headers) may take to arrive, whole: counted
 *     from its first byte, and on a new connection from the accept (a connection that never sends is closed at it)
 * @param keepAliveTimeout how long a client connection may sit between requests; longer than the idle timeout of a
 *     load balancer in front, so that the balancer, not Ferry, closes idle connections
 * @param h2MaxConcurrentStreams the HTTP/2 streams a client may have open at once on one connection (advertised in
 *     SETTINGS; more are refused)
 * @param h2MaxResets the RST_STREAM frames a client may send on one connection in any 30 s (rapid reset); more close the
 *     connection with GOAWAY
 */
public record LimitsConfig(
        long maxRequestBody,
        Duration requestHeadTimeout,
        Duration keepAliveTimeout,
        int h2MaxConcurrentStreams,
        int h2MaxResets) {
    /** The window {@link #h2MaxResets} is counted over, as Netty's own default. */
    public static final int H2_RESET_WINDOW_SECONDS = 30;

    public LimitsConfig {
        require(maxRequestBody > 0, "limits.max-request-body: %s (expected: more than 0)", maxRequestBody);
        require(!requestHeadTimeout.isZero(), "limits.request-head-timeout: 0s (expected: > 0, such as 10s)");
        require(
                !keepAliveTimeout.isZero(),
                "limits.keep-alive-timeout: 0s (expected: > 0, and longer than the idle timeout of a load balancer in"
                        + " front)");
        require(
                h2MaxConcurrentStreams > 0,
                "limits.h2-max-concurrent-streams: %s (expected: more than 0)",
                h2MaxConcurrentStreams);
        require(h2MaxResets > 0, "limits.h2-max-resets: %s (expected: more than 0)", h2MaxResets);
    }
}
