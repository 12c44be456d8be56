package dev.ferry.router;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.util.LinkedHashMap;
import java.util.Map;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

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

    /**
     * Answers with the failure, or, when the response has started already, closes the connection: a half-sent
     * response must not look complete.
     */
    public Publisher<Void> respond(HttpServerResponse response, ProxyFailure failure, String message) {
        if (response.hasSentHeaders()) {
            return Mono.error(new IllegalStateException("response already started: " + message));
        }
        response.status(failure.status());
        response.responseHeaders().clear();
        response.header(ERROR_HEADER, failure.kind());
        response.header(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        response.header(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        long retryAfter = retryAfter(failure);
        if (retryAfter > 0) {
            response.header(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfter));
        }
        return response.sendByteArray(Mono.just(body(failure, message)));
    }

    private long retryAfter(ProxyFailure failure) {
        return switch (failure) {
            case BREAKER_OPEN -> breakerRetryAfterSeconds;
            case ROUTING_UNKNOWN, POOL_EXHAUSTED -> 1;
            default -> 0;
        };
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
