package dev.ferry.router.shadow;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one backend answered to one request: its status, the headers kept for comparison (names in lower case), the
 * body up to a cap ({@code truncated} when more was sent), the content type, the time to the complete answer and, when
 * it did not answer, why. A failed exchange has status 0 and no body.
 */
public record Exchange(
        int status,
        Map<String, List<String>> headers,
        byte[] body,
        boolean truncated,
        Optional<String> contentType,
        long latencyNanos,
        ExchangeError error) {

    public Exchange {
        requireNonNull(headers, "headers");
        requireNonNull(body, "body");
        requireNonNull(contentType, "contentType");
        requireNonNull(error, "error");
        if (error == ExchangeError.NONE && (status < 100 || status > 599)) {
            throw new IllegalArgumentException("status: " + status + " (expected: 100-599 for an answer)");
        }
        if (error != ExchangeError.NONE && (status != 0 || body.length > 0)) {
            throw new IllegalArgumentException(
                    "status: " + status + " with error " + error + " (expected: status 0 and no body for a failure)");
        }
        if (latencyNanos < 0) {
            throw new IllegalArgumentException("latencyNanos: " + latencyNanos + " (expected: >= 0)");
        }
        headers = lowerCaseNames(headers);
        body = body.clone();
    }

    /** An answer, its body cut at {@code maxBodyBytes}; the content type is taken from the headers. */
    public static Exchange response(
            int status, Map<String, List<String>> headers, byte[] body, int maxBodyBytes, long latencyNanos) {
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " (expected: >= 0)");
        }
        boolean truncated = body.length > maxBodyBytes;
        byte[] kept = truncated ? Arrays.copyOf(body, maxBodyBytes) : body;
        Map<String, List<String>> named = lowerCaseNames(headers);
        Optional<String> contentType = Optional.ofNullable(named.get("content-type"))
                .filter(v -> !v.isEmpty())
                .map(v -> v.get(0));
        return new Exchange(status, named, kept, truncated, contentType, latencyNanos, ExchangeError.NONE);
    }

    /** No answer, for the given reason. */
    public static Exchange failure(ExchangeError error, long latencyNanos) {
        if (error == ExchangeError.NONE) {
            throw new IllegalArgumentException("error: NONE (expected: CONNECT, TIMEOUT or RESET for a failure)");
        }
        return new Exchange(0, Map.of(), new byte[0], false, Optional.empty(), latencyNanos, error);
    }

    /** The values of a header, whatever the case of {@code name}; empty when absent. */
    public List<String> header(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /** A copy of the body bytes kept. */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /** The number of body bytes kept, without copying them. */
    public int bodyLength() {
        return body.length;
    }

    /** 2 for 2xx, 4 for 4xx…; 0 for a failure. */
    public int statusClass() {
        return status / 100;
    }

    /** A failure or a 5xx: what the error-rate gate counts. */
    public boolean failed() {
        return error != ExchangeError.NONE || status >= 500;
    }

    boolean sameBody(Exchange other) {
        return truncated == other.truncated && Arrays.equals(body, other.body);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Exchange e
                && status == e.status
                && truncated == e.truncated
                && latencyNanos == e.latencyNanos
                && error == e.error
                && headers.equals(e.headers)
                && contentType.equals(e.contentType)
                && Arrays.equals(body, e.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, headers, Arrays.hashCode(body), truncated, contentType, latencyNanos, error);
    }

    @Override
    public String toString() {
        return "Exchange[status=" + status + ", error=" + error + ", headers=" + headers + ", body=" + body.length
                + " bytes" + (truncated ? " (truncated)" : "") + ", latencyNanos=" + latencyNanos + "]";
    }

    private static Map<String, List<String>> lowerCaseNames(Map<String, List<String>> headers) {
        Map<String, List<String>> named = new TreeMap<>();
        headers.forEach((name, values) ->
                named.merge(name.toLowerCase(Locale.ROOT), List.copyOf(values), (a, b) -> concat(a, b)));
        return java.util.Collections.unmodifiableMap(named);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
