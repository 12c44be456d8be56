package dev.ferry.router.unleash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.getunleash.util.UnleashProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/**
 * The real Unleash server that {@code deploy/unleash/unleash.sh} runs on loopback, driven through its Admin API as an
 * operator would drive it. One server serves every test class: starting one costs seconds, a fresh database more.
 *
 * <p>Every test makes flags of its own, with unique names, and archives them when done (archived flags leave the
 * client payload). A name is never reused: 8.2.0 crashed when a flag was archived, hard-deleted and created again
 * under the same name.
 */
public final class UnleashServer {
    public static final String ADMIN_TOKEN = "*:*.unleash-insecure-admin-api-token";
    public static final String CLIENT_TOKEN = "default:development.unleash-insecure-client-api-token";
    /** The environment the client token reads. */
    public static final String ENVIRONMENT = "development";

    private static final String PROJECT = "/api/admin/projects/default";
    /** Relative to the router module, where Maven runs the tests. */
    private static final Path SCRIPT = Path.of("..", "deploy", "unleash", "unleash.sh");

    private static final String SDK_CLIENT_SPEC = UnleashProperties.getProperty("client.specification.version");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final AtomicInteger FLAGS = new AtomicInteger();
    private static final String RUN = Long.toString(System.currentTimeMillis(), 36);
    private static volatile boolean contextFieldReady;

    private final URI base;

    private UnleashServer(URI base) {
        this.base = base;
    }

    /**
     * The server on {@code 127.0.0.1:$UNLEASH_PORT} (4242 by default), with the {@code tenantId} context field.
     *
     * @throws IllegalStateException naming the command that starts it, when no healthy server answers
     */
    public static UnleashServer running() {
        String port = System.getenv().getOrDefault("UNLEASH_PORT", "4242");
        UnleashServer server = new UnleashServer(URI.create("http://127.0.0.1:" + port));
        if (!server.healthy()) {
            throw new IllegalStateException("No healthy Unleash server at " + server.base
                    + " (expected: one started by 'deploy/unleash/unleash.sh start', or run every test with"
                    + " 'deploy/local/test.sh', which starts it)");
        }
        server.createTenantContextField();
        return server;
    }

    public boolean healthy() {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(base.resolve("/health"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The client API URL, as {@code flags.unleash.url} takes it. */
    public String apiUrl() {
        return base + "/api";
    }

    /**
     * Router config keys for routing by {@code flag} from this server, saving its backup to {@code backupFile}.
     */
    public Map<String, String> routerConfig(Flag flag, Path backupFile) {
        Map<String, String> config = new HashMap<>();
        config.put("flags.source", "unleash");
        config.put("flags.unleash.url", apiUrl());
        config.put("flags.unleash.token", CLIENT_TOKEN);
        config.put("flags.flag-name", flag.name());
        config.put("flags.unleash.backup-file", backupFile.toString());
        return config;
    }

    /** A new flag, disabled, named after {@code purpose} and unique on this server. */
    public Flag createFlag(String purpose) {
        String name = "ferry-it-" + purpose + "-" + RUN + "-" + FLAGS.incrementAndGet();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("type", "release");
        body.put("description", "Created by a Ferry integration test; archived when it ends");
        body.put("impressionData", false);
        expect(201, send("POST", PROJECT + "/features", body));
        return new Flag(name);
    }

    /** Stops the server with {@code unleash.sh stop} (PostgreSQL keeps running). */
    public void stop() {
        run("stop");
    }

    /** Starts the server with {@code unleash.sh start}, which returns once it is healthy. */
    public void start() {
        run("start");
    }

    private void run(String command) {
        try {
            Process process = new ProcessBuilder(SCRIPT.toString(), command)
                    .redirectErrorStream(true)
                    .start();
            process.getOutputStream().close();
            // The script's own start-up wait is 90 s; this bound only catches a hung script.
            boolean exited = process.waitFor(120, TimeUnit.SECONDS);
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!exited) {
                process.destroyForcibly();
                throw new IllegalStateException(SCRIPT + " " + command + " did not finish within 120 s:\n" + output);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        SCRIPT + " " + command + " exited with " + process.exitValue() + ":\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + SCRIPT.toAbsolutePath() + " " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Evaluation works without it; strategies in the admin UI need it. Created once, tolerated when it exists. */
    private void createTenantContextField() {
        if (contextFieldReady) {
            return;
        }
        Map<String, Object> body = Map.of(
                "name", "tenantId", "description", "Ferry's tenant id", "stickiness", true, "legalValues", List.of());
        HttpResponse<String> response = send("POST", "/api/admin/context", body);
        if (response.statusCode() != 201 && !response.body().contains("already exist")) {
            expect(201, response);
        }
        contextFieldReady = true;
    }

    private HttpResponse<String> send(String method, String path, Object body) {
        try {
            HttpRequest.BodyPublisher publisher = body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
            HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", ADMIN_TOKEN)
                    .header("Content-Type", "application/json")
                    .method(method, publisher)
                    .build();
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + base.resolve(path) + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> expect(int status, HttpResponse<String> response) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(
                    response.request().method() + " " + response.request().uri() + ": " + response.statusCode()
                            + " (expected: " + status + "): " + abbreviate(response.body()));
        }
        return response;
    }

    private static String abbreviate(String body) {
        return body.length() <= 500 ? body : body.substring(0, 500) + "...";
    }

    /** One flag of the {@code default} project, configured in the {@code development} environment. */
    public final class Flag implements AutoCloseable {
        private final String name;
        private String strategyId;

        private Flag(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        /** A {@code flexibleRollout} at 100 % for exactly these tenants ({@code tenantId IN [...]}). */
        public Flag tenantsOnNew(String... tenants) {
            return tenantsOnNew(List.of(tenants));
        }

        public Flag tenantsOnNew(List<String> tenants) {
            return rollout(100, name, tenants);
        }

        /**
         * The flag's one strategy, added the first time and replaced after: a {@code flexibleRollout} of {@code
         * percent} % of tenants by {@code tenantId} stickiness in {@code groupId}, limited to {@code tenantsIn} unless
         * that is empty.
         */
        public Flag rollout(int percent, String groupId, List<String> tenantsIn) {
            Map<String, Object> strategy = new LinkedHashMap<>();
            strategy.put("name", "flexibleRollout");
            strategy.put(
                    "constraints",
                    tenantsIn.isEmpty()
                            ? List.of()
                            : List.of(Map.of(
                                    "contextName",
                                    "tenantId",
                                    "operator",
                                    "IN",
                                    "values",
                                    tenantsIn,
                                    "caseInsensitive",
                                    false,
                                    "inverted",
                                    false)));
            strategy.put(
                    "parameters",
                    Map.of("rollout", Integer.toString(percent), "stickiness", "tenantId", "groupId", groupId));
            String strategies = environment() + "/strategies";
            if (strategyId == null) {
                strategyId = json(expect(200, send("POST", strategies, strategy)))
                        .path("id")
                        .asText();
            } else {
                expect(200, send("PUT", strategies + "/" + strategyId, strategy));
            }
            return this;
        }

        /** The tenants the strategy lists, as the server stored them. */
        public List<String> tenantsListed() {
            JsonNode values = json(expect(200, send("GET", environment() + "/strategies/" + strategyId, null)))
                    .path("constraints")
                    .path(0)
                    .path("values");
            return JSON.convertValue(values, JSON.getTypeFactory().constructCollectionType(List.class, String.class));
        }

        public Flag enable() {
            expect(200, send("POST", environment() + "/on", null));
            return this;
        }

        /**
         * Waits until the client API serves the flag enabled to the SDK, so that a router started next finds it at
         * once. Unleash caches each payload per query and revision, and bumps the revision on a 1 s tick: a change
         * made just after an SDK's poll reaches SDKs only on the next tick. The query depends on the client spec
         * version a request states, so this asks as the SDK does.
         */
        public Flag visibleToClients() {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/client/features"))
                                .timeout(Duration.ofSeconds(5))
                                .header("Authorization", CLIENT_TOKEN)
                                .header("Unleash-Client-Spec", SDK_CLIENT_SPEC)
                                .build();
                        JsonNode features = JSON.readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString())
                                        .body())
                                .path("features");
                        for (JsonNode feature : features) {
                            if (feature.path("name").asText().equals(name)) {
                                return feature.path("enabled").asBoolean();
                            }
                        }
                        return false;
                    });
            return this;
        }

        public Flag disable() {
            expect(200, send("POST", environment() + "/off", null));
            return this;
        }

        private String environment() {
            return PROJECT + "/features/" + name + "/environments/" + ENVIRONMENT;
        }

        private JsonNode json(HttpResponse<String> response) {
            try {
                return JSON.readTree(response.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Archives the flag (never hard-deleted: see the class comment), so it leaves the client payload. */
        @Override
        public void close() {
            expect(202, send("DELETE", PROJECT + "/features/" + name, null));
        }
    }
}
