package dev.ferry.router.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.exchange.ProxyFailure;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The responses Ferry makes itself: the status of the {@link ProxyFailure}, {@code X-Ferry-Error: <kind>}, and a small
 * JSON body {@code {"error": "...", "message": "..."}}. Backend responses never come through here.
 */
public final class ErrorResponses {
    public static final String ERROR_HEADER = "X-Ferry-Error";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final long breakerRetryAfterSeconds;

    public ErrorResponses(long breakerRetryAfterSeconds) {
        this.breakerRetryAfterSeconds = breakerRetryAfterSeconds;
    }

    /** The answer as a whole Netty message, for the fast path. */
    public FullHttpResponse response(ByteBufAllocator alloc, Refusal refusal) {
        ProxyFailure failure = refusal.failure();
        byte[] body = body(failure, refusal.message());
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                failure.status(),
                alloc.buffer(body.length).writeBytes(body));
        headers(response.headers(), failure);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response;
    }

    /** The answer's headers: {@code X-Ferry-Error}, JSON, never cached, {@code Retry-After} where waiting helps. */
    public void headers(HttpHeaders headers, ProxyFailure failure) {
        headers.set(ERROR_HEADER, failure.kind());
        headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        long retryAfter = retryAfter(failure);
        if (retryAfter > 0) {
            headers.set(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfter));
        }
    }

    private long retryAfter(ProxyFailure failure) {
        return switch (failure) {
            case BREAKER_OPEN -> breakerRetryAfterSeconds;
            case ROUTING_UNKNOWN,
                    POOL_EXHAUSTED,
                    ROUTING_STALE,
                    CUTOVER_HOLD_TIMEOUT,
                    HOLD_LIMIT,
                    CUTOVER_DEADLINE,
                    CONNECTION_LIMIT -> 1;
            default -> 0;
        };
    }

    public static byte[] body(Refusal refusal) {
        return body(refusal.failure(), refusal.message());
    }

    public static byte[] body(ProxyFailure failure, String message) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", failure.kind());
        body.put("message", message);
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of two strings always serialises", e);
        }
    }
}
