package dev.ferry.admin.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A router replica's admin port, asked over HTTP/1.1 with one timeout for the connect and the answer: what it answered
 * as JSON, or why there is no answer, in words that name the address. {@link FleetCheck} asks it for the routing
 * state, the readiness package for the shadow tallies: one way to reach a replica.
 */
public final class AdminPort {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final Duration timeout;

    public AdminPort(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build();
    }

    /**
     * An answer: its status and JSON body, or the error that kept it from coming.
     *
     * @param json the body, or null when it is not JSON
     * @param error why there is no answer (unreachable, a timeout), or null
     */
    public record Reply(URI uri, int status, JsonNode json, String error) {
        /** A 2xx answer with a JSON body. */
        public boolean ok() {
            return error == null && status / 100 == 2 && json != null;
        }

        /** Why the answer is not {@link #ok()}: "cannot reach ...", "... answered 404", "... did not answer JSON". */
        public String problem() {
            if (error != null) {
                return error;
            }
            if (status / 100 != 2) {
                return uri + " answered " + status;
            }
            return json == null ? uri + " did not answer JSON" : null;
        }
    }

    public Reply get(URI router, String path) {
        return send(router, "GET", path);
    }

    public Reply delete(URI router, String path) {
        return send(router, "DELETE", path);
    }

    /** A path segment, percent-encoded: a tenant id in a URL. */
    public static String segment(String raw) {
        return URLEncoder.encode(raw, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private Reply send(URI router, String method, String path) {
        URI uri = router.resolve(path);
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(uri)
                            .timeout(timeout)
                            .method(method, HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Reply(uri, response.statusCode(), json(response.body()), null);
        } catch (IOException e) {
            return new Reply(uri, 0, null, "cannot reach " + uri + ": " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(uri, 0, null, "interrupted while asking " + uri);
        }
    }

    /** The JDK's exceptions often carry no message: say what happened in words. */
    private String describe(IOException e) {
        if (e instanceof java.net.ConnectException) {
            return "connection refused" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "no answer within " + timeout.toSeconds() + " s";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static JsonNode json(String body) {
        try {
            return body == null || body.isBlank() ? null : JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
