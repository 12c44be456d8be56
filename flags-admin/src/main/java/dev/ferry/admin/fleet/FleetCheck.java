package dev.ferry.admin.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Asks each router replica (its admin port, {@code GET /routing/state}) which flag state it routes by, and compares
 * them: replicas that hold the same routing table (a digest of the routing flag's definition) route every tenant alike.
 */
public final class FleetCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final Duration timeout;

    public FleetCheck(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build();
    }

    /** One replica as it answered, or why it could not. */
    public record Replica(
            URI router,
            String error,
            boolean ready,
            String notReadyBecause,
            String origin,
            String revision,
            String routingTable,
            Double ageSeconds) {
        public boolean reachable() {
            return error == null;
        }
    }

    /**
     * What the fleet looks like.
     *
     * @param tables each routing table held, with the replicas holding it, in the order first seen
     */
    public record Verdict(List<Replica> replicas, Map<String, List<URI>> tables) {
        /** Every replica answered, is ready, and all hold one routing table. */
        public boolean agrees() {
            return unreachable().isEmpty()
                    && tables.size() == 1
                    && replicas.stream().allMatch(Replica::ready);
        }

        public List<Replica> unreachable() {
            return replicas.stream().filter(r -> !r.reachable()).toList();
        }
    }

    public Verdict check(List<URI> routers) {
        List<Replica> replicas = new ArrayList<>();
        Map<String, List<URI>> tables = new LinkedHashMap<>();
        for (URI router : routers) {
            Replica replica = ask(router);
            replicas.add(replica);
            if (replica.reachable()) {
                tables.computeIfAbsent(replica.routingTable(), t -> new ArrayList<>())
                        .add(router);
            }
        }
        return new Verdict(List.copyOf(replicas), tables);
    }

    private Replica ask(URI router) {
        URI state = router.resolve("/routing/state");
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(state).timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return failed(
                        router,
                        state + " answered " + response.statusCode()
                                + " (expected: 200 from a Ferry router's admin port)");
            }
            JsonNode body;
            try {
                body = JSON.readTree(response.body());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return failed(router, state + " did not answer JSON (expected: a Ferry router's admin port)");
            }
            JsonNode flags = body.path("flagState");
            if (!body.has("ready") || !flags.isObject()) {
                return failed(router, state + " is not a Ferry router's answer (expected: ready and flagState)");
            }
            return new Replica(
                    router,
                    null,
                    body.path("ready").asBoolean(),
                    text(body.path("notReadyBecause")),
                    text(flags.path("origin")),
                    text(flags.path("revision")),
                    flags.path("routingTable").isTextual()
                            ? flags.path("routingTable").asText()
                            : "none",
                    flags.path("ageSeconds").isNumber()
                            ? flags.path("ageSeconds").asDouble()
                            : null);
        } catch (IOException e) {
            return failed(router, "cannot reach " + state + ": " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(router, "interrupted while asking " + state);
        }
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }

    private static Replica failed(URI router, String error) {
        return new Replica(router, error, false, null, null, null, null, null);
    }
}
