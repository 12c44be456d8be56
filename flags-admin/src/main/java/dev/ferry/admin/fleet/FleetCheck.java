package dev.ferry.admin.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.admin.tenants.Lead;
import java.net.URI;
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
    private final AdminPort port;

    public FleetCheck(Duration timeout) {
        this.port = new AdminPort(timeout);
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
            Double ageSeconds,
            Bounds bounds,
            Long clockOffsetMillis) {
        public boolean reachable() {
            return error == null;
        }
    }

    /**
     * A replica's cutover bounds and state, as {@code /routing/state} reports them (null from a router without them).
     *
     * @param stale its flag state is older than its lease while strict: it holds, then refuses legacy-bound requests
     */
    public record Bounds(
            double leaseSeconds,
            double clockSkewSeconds,
            double legacyDeadlineSeconds,
            String leaseMode,
            boolean windowOpen,
            boolean stale,
            int held) {
        Duration lease() {
            return Duration.ofMillis(Math.round(leaseSeconds * 1000));
        }

        Duration clockSkew() {
            return Duration.ofMillis(Math.round(clockSkewSeconds * 1000));
        }

        Duration legacyDeadline() {
            return Duration.ofMillis(Math.round(legacyDeadlineSeconds * 1000));
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

        /**
         * How far ahead a move must be scheduled for these replicas: their longest lease and largest clock-skew bound
         * ({@link Lead#DEFAULT} for what none reports).
         */
        public Lead lead() {
            Duration lease = Lead.DEFAULT.lease();
            Duration skew = Lead.DEFAULT.clockSkew();
            boolean any = false;
            for (Replica r : replicas) {
                if (r.bounds() == null) {
                    continue;
                }
                lease = any && lease.compareTo(r.bounds().lease()) >= 0
                        ? lease
                        : r.bounds().lease();
                skew = any && skew.compareTo(r.bounds().clockSkew()) >= 0
                        ? skew
                        : r.bounds().clockSkew();
                any = true;
            }
            return new Lead(lease, skew, Lead.DEFAULT.propagation());
        }

        /** The largest legacy deadline and clock skew among the replicas: how long after T new opens everywhere. */
        public Duration opensAfter() {
            Duration most = Lead.DEFAULT.clockSkew().plusSeconds(1);
            for (Replica r : replicas) {
                if (r.bounds() != null) {
                    Duration d = r.bounds().clockSkew().plus(r.bounds().legacyDeadline());
                    most = d.compareTo(most) > 0 ? d : most;
                }
            }
            return most;
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
        long sent = System.currentTimeMillis();
        AdminPort.Reply reply = port.get(router, "/routing/state");
        long received = System.currentTimeMillis();
        if (reply.error() != null) {
            return failed(router, reply.error());
        }
        if (reply.status() != 200) {
            return failed(
                    router,
                    state + " answered " + reply.status() + " (expected: 200 from a Ferry router's admin port)");
        }
        JsonNode body = reply.json();
        if (body == null) {
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
                flags.path("ageSeconds").isNumber() ? flags.path("ageSeconds").asDouble() : null,
                bounds(body.path("cutover")),
                offset(body.path("cutover").path("now"), sent, received));
    }

    /** Where one replica routes a tenant ({@code GET /routing/tenants/{id}}): new, legacy, or null when unknown. */
    public String backendOf(URI router, String tenant) {
        AdminPort.Reply reply = port.get(router, "/routing/tenants/" + AdminPort.segment(tenant));
        JsonNode backend = reply.json() == null ? null : reply.json().path("backend");
        return backend != null && backend.isTextual() ? backend.asText() : null;
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }

    private static Replica failed(URI router, String error) {
        return new Replica(router, error, false, null, null, null, null, null, null, null);
    }

    private static Bounds bounds(JsonNode c) {
        if (!c.isObject() || !c.path("leaseSeconds").isNumber()) {
            return null;
        }
        return new Bounds(
                c.path("leaseSeconds").asDouble(),
                c.path("clockSkewSeconds").asDouble(),
                c.path("legacyDeadlineSeconds").asDouble(),
                c.path("leaseMode").asText(""),
                c.path("windowOpen").asBoolean(),
                c.path("stale").asBoolean(),
                c.path("held").asInt());
    }

    /** The replica's clock minus this machine's, taking the answer as made halfway through the round trip. */
    private static Long offset(JsonNode now, long sent, long received) {
        if (!now.isTextual()) {
            return null;
        }
        try {
            return java.time.Instant.parse(now.asText()).toEpochMilli() - (sent + received) / 2;
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }
}
