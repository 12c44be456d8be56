package dev.ferry.admin.unleash;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.admin.tenants.StoreUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A small client of Unleash's Admin API ({@code /api/admin/...}, header {@code Authorization: <admin token>}). It
 * turns what can go wrong on the way into messages an operator can act on: unreachable, a refused token, a server that
 * refuses the request and why.
 */
public final class AdminApi {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Generous: a 100,000-tenant list is a 1.7 MB body, and the server took 0.6 s for it on two cores. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final String token;
    private final HttpClient http;

    /**
     * @param base the server, {@code http://127.0.0.1:4242} (a trailing {@code /api} or {@code /} is ignored)
     * @param token an Admin API token ({@code *:*.…}) or a personal access token
     */
    public AdminApi(URI base, String token) {
        String text = base.toString().replaceAll("/+$", "");
        if (text.endsWith("/api")) {
            text = text.substring(0, text.length() - 4);
        }
        this.base = URI.create(text);
        this.token = token;
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public URI base() {
        return base;
    }

    /** An answer the caller decides about (a 404, a failed compare). */
    public record Answer(int status, String body) {
        public JsonNode json() {
            try {
                return body.isEmpty() ? JSON.missingNode() : JSON.readTree(body);
            } catch (JsonProcessingException e) {
                return JSON.missingNode();
            }
        }

        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    /**
     * @throws StoreUnavailableException when the server cannot be reached or refuses the token (401, 403)
     */
    public Answer send(String method, String path, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(TIMEOUT)
                .header("Authorization", token)
                .header("Accept", "application/json");
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new StoreUnavailableException(
                    "Unleash at " + base + " is not reachable (" + describe(e)
                            + "); is it running? (deploy/unleash/unleash.sh status)",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while calling Unleash at " + base, e);
        }
        if (response.statusCode() == 401) {
            throw new StoreUnavailableException("Unleash at " + base + " refused the token (401 Unauthorized; expected:"
                    + " an Admin API token such as *:*.unleash-insecure-admin-api-token, in --token or"
                    + " FLAGS_ADMIN_TOKEN; a client token cannot change flags)");
        }
        if (response.statusCode() == 403) {
            throw new StoreUnavailableException("Unleash at " + base + " does not let this token " + method + " " + path
                    + " (403 Forbidden; expected: an Admin API token with access to the project, such as"
                    + " *:*.unleash-insecure-admin-api-token; a client token cannot use the Admin API)");
        }
        return new Answer(response.statusCode(), response.body());
    }

    /** Like {@link #send}, for a call that must succeed. */
    public JsonNode expect(String method, String path, JsonNode body) {
        Answer answer = send(method, path, body);
        if (!answer.ok()) {
            throw refused(method, path, answer);
        }
        return answer.json();
    }

    /** Unleash answered, and said no: its own message, and what usually causes it. */
    static StoreUnavailableException refused(String method, String path, Answer answer) {
        String message = answer.json().path("message").asText(abbreviate(answer.body()));
        String hint = "";
        if (message.contains("strateg") && message.contains("limit")) {
            hint = " (Unleash allows 30 rules, its strategies, per flag and environment unless"
                    + " UNLEASH_FEATURE_ENVIRONMENT_STRATEGIES_LIMIT raises it; flags-admin folds a scheduled move's own"
                    + " rule into the rule it was made beside once its time is an hour past)";
        } else if (message.contains("ExceedsLimit") || message.contains("limit of")) {
            hint = " (a list longer than the server allows: start it with UNLEASH_CONSTRAINT_VALUES_LIMIT raised, as"
                    + " deploy/unleash/unleash.sh does)";
        } else if (answer.status() == 413) {
            hint = " (the request body is larger than the server accepts: deploy/unleash/start-unleash.mjs lifts the"
                    + " 100 kB limit of the Admin API)";
        }
        return new StoreUnavailableException(
                "Unleash refused " + method + " " + path + " (" + answer.status() + "): " + message + hint);
    }

    static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static String abbreviate(String body) {
        return body.length() <= 300 ? body : body.substring(0, 300) + "...";
    }
}
