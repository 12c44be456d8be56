package dev.ferry.admin.readiness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.admin.fleet.AdminPort;
import dev.ferry.router.shadow.ReadinessBar;
import dev.ferry.router.shadow.ShadowJson;
import dev.ferry.router.shadow.TenantWindow;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one replica's admin port says about shadow reads ({@code GET /shadow/tenants}, {@code /shadow/tenants/{id}}),
 * or why it says nothing usable.
 *
 * @param instance the replica process's own id (null from a router that does not say), to tell one asked twice
 * @param flag the shadow flag the replica reads (null from a router that does not say)
 * @param enabled whether shadow reads are on there ({@code shadow.enabled}; null from a router that does not say)
 * @param bar the bar it judges readiness by (null with a problem)
 * @param tenants each tenant it reported, by id
 * @param problem why its answer cannot be used, or null
 */
public record ReplicaShadow(
        URI router,
        String instance,
        String flag,
        Boolean enabled,
        ReadinessBar bar,
        Map<String, Tally> tenants,
        String problem) {
    /** The admin path of the list. */
    public static final String PATH = "/shadow/tenants";

    /**
     * One tenant on one replica.
     *
     * @param shadowed whether the replica shadows it now (its flag state lists it)
     * @param window what its shadow reads showed there
     */
    public record Tally(boolean shadowed, TenantWindow window) {}

    public ReplicaShadow {
        tenants = Map.copyOf(tenants);
    }

    static ReplicaShadow failed(URI router, String problem) {
        return new ReplicaShadow(router, null, null, null, null, Map.of(), problem);
    }

    /** Whether the answer can be used. */
    public boolean usable() {
        return problem == null;
    }

    /** The tenant's tally here; an empty window when the replica has none for it. */
    public Tally tally(String tenant) {
        return tenants.getOrDefault(tenant, new Tally(false, TenantWindow.empty()));
    }

    /** The answer to {@code GET /shadow/tenants}: every tenant the replica tallies. */
    static ReplicaShadow ofList(URI router, AdminPort.Reply reply) {
        String problem = problem(reply);
        if (problem != null) {
            return failed(router, problem);
        }
        JsonNode body = reply.json();
        try {
            ReadinessBar bar = ShadowJson.readBar(body.get("bar"));
            Map<String, Tally> tenants = new LinkedHashMap<>();
            JsonNode list = body.path("tenants");
            if (!list.isArray()) {
                throw new IllegalArgumentException("tenants: not a list (expected: a list)");
            }
            for (JsonNode t : list) {
                tenants.put(t.path("tenant").asText(), tally(t));
            }
            JsonNode enabled = body.path("enabled");
            return new ReplicaShadow(
                    router,
                    body.path("instance").asText(null),
                    body.path("flag").asText(null),
                    enabled.isBoolean() ? enabled.asBoolean() : null,
                    bar,
                    tenants,
                    null);
        } catch (IllegalArgumentException e) {
            return failed(router, malformed(reply, e));
        }
    }

    /** The answer to {@code GET /shadow/tenants/{id}}: one tenant. */
    static ReplicaShadow ofTenant(URI router, String tenant, AdminPort.Reply reply) {
        String problem = problem(reply);
        if (problem != null) {
            return failed(router, problem);
        }
        try {
            JsonNode body = reply.json();
            ReadinessBar bar = ShadowJson.readBar(body.get("bar"));
            JsonNode enabled = body.path("enabled");
            return new ReplicaShadow(
                    router,
                    body.path("instance").asText(null),
                    body.path("flag").asText(null),
                    enabled.isBoolean() ? enabled.asBoolean() : null,
                    bar,
                    Map.of(tenant, tally(body)),
                    null);
        } catch (IllegalArgumentException e) {
            return failed(router, malformed(reply, e));
        }
    }

    private static Tally tally(JsonNode t) {
        JsonNode window = t.get("window");
        boolean empty = window == null || window.isNull() || (window.isObject() && window.isEmpty());
        return new Tally(
                t.path("shadowed").asBoolean(false), empty ? TenantWindow.empty() : ShadowJson.readWindow(window));
    }

    private static String problem(AdminPort.Reply reply) {
        if (reply.error() != null) {
            return reply.error();
        }
        if (reply.status() == 404) {
            return reply.uri() + " answered 404 (expected: a router that serves shadow reads on its admin port,"
                    + " a version with " + PATH + ")";
        }
        return reply.ok() ? null : reply.problem() + " (expected: 200 with the router's shadow JSON)";
    }

    private static String malformed(AdminPort.Reply reply, IllegalArgumentException e) {
        return reply.uri() + " answered shadow JSON flags-admin cannot read: " + e.getMessage();
    }
}
