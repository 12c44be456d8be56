package dev.ferry.admin.unleash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.getunleash.util.UnleashProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real Unleash server that {@code deploy/unleash/unleash.sh} runs on loopback, as the tests need it: flags with
 * unique names (never reused: 8.2.0 crashed when a name was archived, deleted and created again), the client API the
 * router polls, and the playground that evaluates on the server.
 */
public final class RunningUnleash {
    public static final String ADMIN_TOKEN = "*:*.unleash-insecure-admin-api-token";
    public static final String CLIENT_TOKEN = "default:development.unleash-insecure-client-api-token";
    public static final String PROJECT = "default";
    public static final String ENVIRONMENT = "development";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final AtomicInteger FLAGS = new AtomicInteger();
    private static final String RUN = Long.toString(System.currentTimeMillis(), 36);
    /** The client spec the router's SDK states: Unleash shapes the client payload by it. */
    private static final String CLIENT_SPEC = UnleashProperties.getProperty("client.specification.version");

    private final URI base;

    private RunningUnleash(URI base) {
        this.base = base;
    }

    /**
     * @throws IllegalStateException naming the command that starts it, when no healthy server answers
     */
    public static RunningUnleash running() {
        RunningUnleash unleash = new RunningUnleash(
                URI.create("http://127.0.0.1:" + System.getenv().getOrDefault("UNLEASH_PORT", "4242")));
        try {
            HttpResponse<String> health = HTTP.send(
                    HttpRequest.newBuilder(unleash.base.resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (health.statusCode() == 200) {
                return unleash;
            }
        } catch (IOException e) {
            // reported below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("No healthy Unleash server at " + unleash.base
                + " (expected: one started by 'deploy/unleash/unleash.sh start')");
    }

    public URI base() {
        return base;
    }

    public AdminApi admin() {
        return new AdminApi(base, ADMIN_TOKEN);
    }

    /**
     * A new flag named after {@code purpose}, with one rule, pilot (globex to new), enabled in development. The rule
     * comes before the switch: an environment turned on without strategies gets a 100 % one from Unleash.
     */
    public String createFlag(String purpose) {
        String name = uniqueName(purpose);
        AdminApi api = admin();
        api.expect(
                "POST",
                "/api/admin/projects/default/features",
                JSON.createObjectNode()
                        .put("name", name)
                        .put("type", "release")
                        .put("description", "Created by a flags-admin test; archived when it ends"));
        api.expect(
                "POST",
                environment(name) + "/strategies",
                json(
                        """
                {"name": "flexibleRollout",
                 "constraints": [{"contextName": "tenantId", "operator": "IN", "values": ["globex"]}],
                 "parameters": {"rollout": "100", "stickiness": "tenantId", "groupId": "pilot"},
                 "variants": [{"name": "pilot", "weight": 1000, "weightType": "variable", "stickiness": "tenantId",
                   "payload": {"type": "json", "value": "{\\"backend\\":\\"new\\",\\"rule\\":\\"pilot\\"}"}}]}"""));
        api.expect("POST", environment(name) + "/on", null);
        return name;
    }

    /** A flag name no test of any run used before. */
    public String uniqueName(String purpose) {
        return "flags-admin-it-" + purpose + "-" + RUN + "-" + FLAGS.incrementAndGet();
    }

    /** Archives the flag (never hard-deleted: see the class comment). */
    public void archive(String flag) {
        admin().send("DELETE", "/api/admin/projects/default/features/" + flag, null);
    }

    /** The flag's strategies in development, as the Admin API has them. */
    public JsonNode strategies(String flag) {
        return admin().expect("GET", environment(flag) + "/strategies", null);
    }

    /** The client-features document the router would poll, with only this flag in it; null while it has none. */
    public String clientDocument(String flag) {
        JsonNode root = get("/api/client/features?namePrefix=" + flag, CLIENT_TOKEN);
        ObjectNode document =
                JSON.createObjectNode().put("version", root.path("version").asInt(2));
        for (JsonNode feature : root.path("features")) {
            if (feature.path("name").asText().equals(flag)) {
                document.putArray("features").add(feature);
                return document.toString();
            }
        }
        return null;
    }

    /** The variant the server itself evaluates for a tenant (the playground), as "new:wave-1" or "legacy:null". */
    public String playground(String flag, String tenant) {
        ObjectNode body =
                JSON.createObjectNode().put("environment", ENVIRONMENT).put("projects", "*");
        body.putObject("context").put("appName", "flags-admin-test").put("tenantId", tenant);
        JsonNode result = admin().expect("POST", "/api/admin/playground", body);
        for (JsonNode feature : result.path("features")) {
            if (feature.path("name").asText().equals(flag)) {
                JsonNode variant = feature.path("variant");
                if (!feature.path("isEnabled").asBoolean()) {
                    return "legacy:null";
                }
                if (!variant.path("enabled").asBoolean()) {
                    return "new:null";
                }
                String payload = variant.path("payload").path("value").asText();
                return (payload.contains("\"legacy\"") ? "legacy" : "new") + ":"
                        + variant.path("name").asText();
            }
        }
        throw new IllegalStateException("the playground does not know flag " + flag);
    }

    private JsonNode get(String path, String token) {
        try {
            HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                    .header("Authorization", token)
                    .header("Unleash-Client-Spec", CLIENT_SPEC)
                    .build();
            return JSON.readTree(
                    HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String environment(String flag) {
        return "/api/admin/projects/default/features/" + flag + "/environments/" + ENVIRONMENT;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
