package dev.ferry.admin.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.admin.json.JsonViews;
import dev.ferry.admin.readiness.FleetReadiness;
import dev.ferry.admin.readiness.ReadinessGate;
import dev.ferry.admin.readiness.ShadowReader;
import dev.ferry.admin.tenants.Backend;
import dev.ferry.admin.tenants.HistoryEntry;
import dev.ferry.admin.tenants.Lead;
import dev.ferry.admin.tenants.Migration;
import dev.ferry.admin.tenants.OneWayGuard;
import dev.ferry.admin.tenants.Operator;
import dev.ferry.admin.tenants.Placement;
import dev.ferry.admin.tenants.Plan;
import dev.ferry.admin.tenants.Rule;
import dev.ferry.admin.tenants.StalePlanException;
import dev.ferry.admin.tenants.Status;
import dev.ferry.admin.tenants.Strategies;
import dev.ferry.admin.tenants.TenantIds;
import dev.ferry.admin.tenants.TenantMover;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The REST API over the same core as the command line ({@link TenantMover}): the documents are those of {@code
 * --json}, plus what a page needs (tenants by backend, wave progress, the live split).
 *
 * <pre>
 *   GET  /api/status              rules, waves with percentage, listed tenants per backend, revision
 *   GET  /api/tenants?backend=&amp;q=&amp;limit=   listed tenants by backend, searched
 *   GET  /api/tenants/{id}        where one tenant goes, why, since when, by whom
 *   POST /api/plan                a change, planned on the current revision; nothing written
 *   POST /api/apply               a change, written only if the flag is still at the plan's revision
 *   GET  /api/history?tenant=&amp;last=   who changed what, when, why
 *   GET  /api/split               requests per second to legacy and to new
 *   GET  /api/shadow              shadowed tenants and their readiness, read from every replica
 *   POST /api/shadow              shadow tenants, or stop: {"tenants": [...], "shadowed": true, "by": "jane"}
 * </pre>
 *
 * A plan or an apply that moves tenants to new carries what the readiness gate says ({@code readiness}); an apply the
 * gate refuses is answered 422 with nothing written, unless {@code forceUnready} and a {@code reason} are given.
 */
final class ConsoleApi {
    static final String ENDPOINTS = "GET /api/status, GET /api/tenants, GET /api/tenants/{id}, POST /api/plan,"
            + " POST /api/apply, GET /api/history, GET /api/split, GET /api/shadow, POST /api/shadow";
    private static final int DEFAULT_LIMIT = 500;
    private static final int MAX_LIMIT = 100_000;

    private final TenantMover mover;
    private final LiveSplit split;
    private final ReadinessGate gate;
    private final PrintStream log;

    ConsoleApi(TenantMover mover, LiveSplit split, ReadinessGate gate, PrintStream log) {
        this.mover = mover;
        this.split = split;
        this.gate = gate;
        this.log = log;
    }

    JsonNode handle(String method, String path, String rawQuery, Supplier<JsonNode> body) {
        Map<String, String> query = query(rawQuery);
        String route = path.endsWith("/") && path.length() > 5 ? path.substring(0, path.length() - 1) : path;
        if (route.startsWith("/api/tenants/")) {
            expect(method, "GET", route);
            known(query, route);
            return show(route.substring("/api/tenants/".length()));
        }
        return switch (route) {
            case "/api/status" -> {
                expect(method, "GET", route);
                known(query, route, "tenants");
                yield status(query.get("tenants"));
            }
            case "/api/tenants" -> {
                expect(method, "GET", route);
                known(query, route, "backend", "q", "limit");
                yield tenants(query.get("backend"), query.get("q"), query.get("limit"));
            }
            case "/api/plan" -> {
                expect(method, "POST", route);
                known(query, route);
                yield plan(body.get());
            }
            case "/api/apply" -> {
                expect(method, "POST", route);
                known(query, route);
                yield apply(body.get());
            }
            case "/api/history" -> {
                expect(method, "GET", route);
                known(query, route, "tenant", "last");
                yield history(query.get("tenant"), query.get("last"));
            }
            case "/api/split" -> {
                expect(method, "GET", route);
                known(query, route);
                yield split.read();
            }
            case "/api/shadow" -> {
                known(query, route);
                if (method.equals("POST")) {
                    yield shadow(body.get());
                }
                expect(method, "GET", route);
                yield shadow();
            }
            default ->
                throw new ApiException(
                        404, "not found", "no API at " + method + " " + path + " (expected: one of " + ENDPOINTS + ")");
        };
    }

    // ---------------------------------------------------------------- reading

    private ObjectNode status(String tenants) {
        boolean all = false;
        if (tenants != null) {
            if (!tenants.equals("all") && !tenants.equals("count")) {
                throw ApiException.badRequest("tenants=" + tenants + " (expected: count, the default, or all)");
            }
            all = tenants.equals("all");
        }
        Status status = mover.status();
        ObjectNode o = JsonViews.status(status);
        o.put("time", status.now().toString());
        ArrayNode rules = (ArrayNode) o.get("rules");
        for (JsonNode rule : rules) {
            JsonNode ids = rule.get("tenants");
            ((ObjectNode) rule).put("tenantCount", ids == null || ids.isNull() ? 0 : ids.size());
            if (!all && ids != null && !ids.isNull()) {
                ((ObjectNode) rule).remove("tenants");
            }
        }
        ArrayNode waves = o.putArray("waves");
        for (Status.RuleStatus r : status.rules()) {
            Rule rule = r.rule();
            if (rule.kind() == Rule.Kind.WAVE) {
                waves.addObject()
                        .put("name", rule.name())
                        .put("percent", rule.percent())
                        .put("groupId", rule.groupId())
                        .put(
                                "startsAt",
                                rule.startsAt() == null ? null : rule.startsAt().toString())
                        .put("started", rule.startsAt() == null || status.now().isAfter(rule.startsAt()))
                        .put("disabled", rule.disabled());
            }
        }
        o.putObject("counts").put("new", status.listedOnNew()).put("legacy", status.listedOnLegacy());
        return o;
    }

    private ObjectNode tenants(String backendRaw, String q, String limitRaw) {
        Backend backend =
                backendRaw == null || backendRaw.isEmpty() || backendRaw.equals("all") ? null : Backend.of(backendRaw);
        int limit = integer("limit", limitRaw, DEFAULT_LIMIT, 1, MAX_LIMIT);
        String needle = q == null ? "" : q.strip().toLowerCase(Locale.ROOT);
        if (needle.length() > TenantIds.MAX_LENGTH) {
            throw ApiException.badRequest("q is " + needle.length() + " characters (expected: at most "
                    + TenantIds.MAX_LENGTH + ", part of a tenant id)");
        }
        Status status = mover.status();
        Migration m = status.migration();
        Instant now = status.now();
        ObjectNode o = JsonViews.header(m, status.source());
        o.put("backend", backend == null ? "all" : backend.tag()).put("q", needle);
        o.putObject("counts").put("new", status.listedOnNew()).put("legacy", status.listedOnLegacy());
        ArrayNode list = o.putArray("tenants");
        Set<String> listed = m.listedTenants();
        int matched = 0;
        for (String tenant : listed) {
            if (!needle.isEmpty() && !tenant.contains(needle)) {
                continue;
            }
            Placement p = m.place(tenant, now);
            if (backend != null && p.backend() != backend) {
                continue;
            }
            matched++;
            if (list.size() < limit) {
                list.add(tenant(tenant, p, true));
            }
        }
        if (matched == 0 && isId(needle) && !listed.contains(needle)) {
            // a tenant no rule lists by name still goes somewhere: a wave, or legacy
            Placement p = m.place(needle, now);
            if (backend == null || p.backend() == backend) {
                matched++;
                list.add(tenant(needle, p, false));
            }
        }
        o.put("matched", matched).put("truncated", matched > list.size()).put("limit", limit);
        return o;
    }

    private static boolean isId(String s) {
        try {
            return !s.isEmpty() && TenantIds.parse(s, "q").equals(s);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static ObjectNode tenant(String id, Placement p, boolean listed) {
        return JsonViews.JSON
                .createObjectNode()
                .put("tenant", id)
                .put("backend", p.backend().tag())
                .put("rule", p.ruleName())
                .put("deliberate", p.deliberate())
                .put("why", p.why())
                .put("listed", listed);
    }

    private ObjectNode show(String raw) {
        if (raw.isEmpty() || raw.contains("/")) {
            throw ApiException.badRequest("'" + raw + "' is not a tenant id (expected: GET /api/tenants/TENANT)");
        }
        return JsonViews.show(mover.show(TenantIds.parse(raw, "the path")));
    }

    private ObjectNode history(String tenantRaw, String lastRaw) {
        String id = tenantRaw == null || tenantRaw.isBlank() ? null : TenantIds.parse(tenantRaw.strip(), "tenant=");
        int last = integer("last", lastRaw, Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
        List<HistoryEntry> entries = mover.history(id);
        int total = entries.size();
        entries = TenantMover.last(entries, last);
        ObjectNode o = JsonViews.JSON.createObjectNode();
        o.put("tenant", id).put("total", total);
        o.set("entries", JsonViews.history(entries));
        return o;
    }

    // ---------------------------------------------------------------- changing

    private ObjectNode plan(JsonNode body) {
        ChangeRequest request = ChangeRequest.parse(body, false);
        Plan plan = mover.plan(request.change(), request.operator());
        ObjectNode document =
                timed(JsonViews.plan(plan, true).put("by", request.operator().name()), request);
        if (!plan.refused()) {
            document.set(
                    "readiness", JsonViews.gate(gate.check(mover, plan, request.forceUnready()), gate.shadowFlag()));
        }
        return document;
    }

    /** When the change's moves take effect: one instant for the fleet (null: at once), and how far ahead. */
    private static ObjectNode timed(ObjectNode document, ChangeRequest request) {
        java.time.Instant at = request.change().at();
        return document.put("switchesAt", at == null ? null : Strategies.formatTime(at))
                .put("lead", Lead.DEFAULT.describe());
    }

    private ObjectNode apply(JsonNode body) {
        ChangeRequest request = ChangeRequest.parse(body, true);
        Operator operator = request.operator();
        Plan planned = mover.plan(request.change(), operator);
        ReadinessGate.Verdict verdict = null;
        if (!planned.refused()) {
            verdict = gate.check(mover, planned, request.forceUnready());
            if (verdict.refused()) {
                throw readinessRefused(request, planned, verdict);
            }
            if (verdict.overridden()) {
                operator = new Operator(operator.name(), verdict.reason(operator.reason()), operator.breakGlass());
            }
        }
        Plan plan;
        try {
            plan = mover.apply(request.change(), operator, request.revision());
        } catch (StalePlanException e) {
            throw new ApiException(
                    409,
                    "stale plan",
                    e.getMessage(),
                    JsonViews.stale(e, request.operator().name()));
        }
        ObjectNode document =
                timed(JsonViews.plan(plan, false).put("by", request.operator().name()), request);
        if (verdict != null) {
            document.set("readiness", JsonViews.gate(verdict, gate.shadowFlag()));
        }
        if (plan.refused()) {
            List<String> why = new ArrayList<>();
            plan.refusals().forEach(r -> why.add(r.message()));
            ObjectNode extra = JsonViews.JSON.createObjectNode();
            extra.set("plan", document);
            throw new ApiException(
                    422,
                    "refused by the one-way guard",
                    String.join("; ", why) + ". Nothing was written (expected: a change that keeps tenants on new;"
                            + " to send them back deliberately, plan it again with break-glass and a reason,"
                            + " \"breakGlass\": true, \"reason\": \"...\"). "
                            + OneWayGuard.WHY.split("\\. To do")[0]
                            + ".",
                    extra);
        }
        if (plan.writes()) {
            log.println("flags-admin console: " + request.operator().name() + " applied '" + plan.operation() + "'"
                    + (operator.reason() == null ? "" : " (reason: " + operator.reason() + ")")
                    + ": " + plan.moves().size() + " tenant(s) moved now, revision "
                    + plan.before().revision()
                    + " → " + plan.revision());
        }
        return document;
    }

    /** 422, nothing written: the shadowed tenants below the bar, or without readiness, each with its reasons. */
    private ApiException readinessRefused(ChangeRequest request, Plan planned, ReadinessGate.Verdict verdict) {
        List<String> why = new ArrayList<>();
        for (ReadinessGate.Blocked b : verdict.blocked()) {
            why.add(b.tenant() + ": " + String.join("; ", b.reasons()));
        }
        ObjectNode document =
                timed(JsonViews.plan(planned, true).put("by", request.operator().name()), request);
        document.set("readiness", JsonViews.gate(verdict, gate.shadowFlag()));
        ObjectNode extra = JsonViews.JSON.createObjectNode();
        extra.set("plan", document);
        return new ApiException(
                422,
                "refused by the readiness gate",
                String.join(" | ", why) + ". Nothing was written (expected: tenants whose shadow reads reached the bar;"
                        + " to move them anyway, plan it again with force past readiness and a reason,"
                        + " \"forceUnready\": true, \"reason\": \"...\"; the history records it)",
                extra);
    }

    // ---------------------------------------------------------------- shadow reads

    /** The shadowed tenants (and any other a replica tallies), each with its readiness for the fleet. */
    private ObjectNode shadow() {
        Set<String> shadowed = mover.shadowed(gate.shadowFlag());
        ObjectNode o = JsonViews.JSON
                .createObjectNode()
                .put("shadowFlag", gate.shadowFlag())
                .put("source", mover.source())
                .put("requireReadiness", gate.require());
        ArrayNode routers = o.putArray("routers");
        gate.routers().forEach(r -> routers.add(r.toString()));
        ArrayNode problems = o.putArray("problems");
        ArrayNode tenants = o.putArray("tenants");
        ShadowReader.Fleet fleet = gate.fleet();
        if (fleet == null) {
            o.put(
                    "note",
                    "no router replica given: start flags-admin serve with --router URL for every replica to see"
                            + " readiness (a shadowed tenant's move is refused until then)");
            shadowed.forEach(t -> tenants.add(JsonViews.readiness(FleetReadiness.of(t, List.of()), true)));
            return o;
        }
        fleet.warnings(gate.shadowFlag()).forEach(problems::add);
        fleet.replicas().stream().filter(r -> !r.usable()).forEach(r -> problems.add(r.problem()));
        Set<String> all = new java.util.TreeSet<>(shadowed);
        all.addAll(fleet.tenants());
        all.forEach(t -> tenants.add(JsonViews.readiness(fleet.readiness(t), shadowed.contains(t))));
        return o;
    }

    private ObjectNode shadow(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("the body is not a JSON object (expected: {\"tenants\": [\"acme\"],"
                    + " \"shadowed\": true, \"by\": \"jane\"})");
        }
        for (java.util.Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!List.of("tenants", "shadowed", "by").contains(field)) {
                throw ApiException.badRequest("unknown field " + field + " (expected: by, shadowed, tenants)");
            }
        }
        JsonNode on = body.get("shadowed");
        if (on == null || !on.isBoolean()) {
            throw ApiException.badRequest(
                    "field 'shadowed' is " + on + " (expected: true to shadow the tenants," + " false to stop)");
        }
        JsonNode by = body.get("by");
        Operator operator = new Operator(by == null || !by.isTextual() ? null : by.asText(), null, false);
        Set<String> tenants = ChangeRequest.tenants(body, "tenants", true);
        Set<String> after = on.asBoolean()
                ? mover.shadow(gate.shadowFlag(), tenants, Set.of())
                : mover.shadow(gate.shadowFlag(), Set.of(), tenants);
        log.println("flags-admin console: " + operator.name() + (on.asBoolean() ? " shadowed " : " stopped shadowing ")
                + String.join(", ", tenants) + " (shadow flag " + gate.shadowFlag() + " lists " + after.size() + ")");
        ObjectNode o = JsonViews.JSON
                .createObjectNode()
                .put("shadowFlag", gate.shadowFlag())
                .put("by", operator.name());
        ArrayNode list = o.putArray("shadowed");
        after.forEach(list::add);
        return o;
    }

    // ---------------------------------------------------------------- input

    private static void expect(String method, String expected, String route) {
        if (!method.equals(expected)) {
            throw new ApiException(
                    405, "method not allowed", method + " " + route + " (expected: " + expected + " " + route + ")");
        }
    }

    private static void known(Map<String, String> query, String route, String... names) {
        for (String key : query.keySet()) {
            if (!List.of(names).contains(key)) {
                throw ApiException.badRequest("unknown query parameter '" + key + "' for " + route + " (expected: "
                        + (names.length == 0 ? "none" : String.join(", ", names)) + ")");
            }
        }
    }

    private static int integer(String name, String raw, int fallback, int min, int max) {
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.strip());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.badRequest(name + "=" + raw + " (expected: a whole number from " + min
                + (max == Integer.MAX_VALUE ? " up" : " to " + max) + ")");
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (query.put(key, value) != null) {
                throw ApiException.badRequest("query parameter '" + key + "' given twice (expected: once)");
            }
        }
        return query;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("malformed query: '" + s + "' (expected: URL-encoded name=value pairs)");
        }
    }
}
