package dev.ferry.admin.unleash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.admin.tenants.Backend;
import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.ConflictException;
import dev.ferry.admin.tenants.HistoryEntry;
import dev.ferry.admin.tenants.Migration;
import dev.ferry.admin.tenants.MigrationStore;
import dev.ferry.admin.tenants.Progress;
import dev.ferry.admin.tenants.Rule;
import dev.ferry.admin.tenants.ShadowList;
import dev.ferry.admin.tenants.StoreUnavailableException;
import dev.ferry.admin.tenants.Strategies;
import dev.ferry.admin.tenants.Text;
import dev.ferry.router.shadow.ShadowFlag;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The routing flag on an Unleash server, in one project and environment, through the Admin API.
 *
 * <p>Writing, in this order, so that no state in between sends a tenant back to legacy without the marker:
 *
 * <pre>
 *   0. read the strategies again; any difference from what was planned on is a conflict (nothing written)
 *   1. POST each new rule (it lands last, where it decides nothing an earlier rule decides)
 *   2. set the order (moved-back first, pins, lists, waves)
 *   3. PATCH changed rules, those to legacy first; each PATCH starts with JSON-Patch "test" operations on the rule as
 *      read, so the server itself refuses it if the rule changed meanwhile (a compare-and-set)
 *   4. DELETE rules left empty
 *   5. after a moment, read again: the rules written must be exactly as written
 * </pre>
 *
 * Step 5 is there because Unleash applies a PATCH as read, patch, write without a lock: two PATCHes that reach the
 * server within milliseconds can both pass their "test" and the second replaces the first. The write that finds its
 * rules replaced reports a conflict, and {@link dev.ferry.admin.tenants.TenantMover} plans it again on the fresh
 * state, where a lost change is written again and one still in place plans as nothing to write.
 *
 * The history is Unleash's own event log for the flag, replayed into migration terms ({@link EventReplay}).
 */
public final class UnleashAdminStore implements MigrationStore {
    private static final int EVENT_PAGE = 100;
    /**
     * How long a write waits before it checks that it was not replaced: longer than Unleash takes between reading a
     * strategy for a PATCH and storing it (milliseconds on loopback, more on a loaded server).
     */
    public static final Duration SETTLE = Duration.ofSeconds(1);

    private final AdminApi api;
    private final String project;
    private final String environment;
    private final String flag;
    private final Duration settle;

    public UnleashAdminStore(AdminApi api, String project, String environment, String flag) {
        this(api, project, environment, flag, SETTLE);
    }

    public UnleashAdminStore(AdminApi api, String project, String environment, String flag, Duration settle) {
        this.api = api;
        this.project = project;
        this.environment = environment;
        this.flag = flag;
        this.settle = settle;
    }

    @Override
    public String describe() {
        return "Unleash " + api.base() + " (project " + project + ", environment " + environment + ")";
    }

    private String feature() {
        return "/api/admin/projects/" + AdminApi.encode(project) + "/features/" + AdminApi.encode(flag);
    }

    @Override
    public boolean windowOpen(String windowFlag) {
        String path = "/api/admin/projects/" + AdminApi.encode(project) + "/features/" + AdminApi.encode(windowFlag);
        AdminApi.Answer answer = api.send("GET", path, null);
        if (answer.status() == 404) {
            return false;
        }
        if (!answer.ok()) {
            throw AdminApi.refused("GET", path, answer);
        }
        for (JsonNode env : answer.json().path("environments")) {
            if (environment.equals(env.path("name").asText())) {
                return env.path("enabled").asBoolean(false); // as the router reads it: the flag on in the environment
            }
        }
        return false;
    }

    @Override
    public void window(String windowFlag, boolean open) {
        String path = "/api/admin/projects/" + AdminApi.encode(project) + "/features/" + AdminApi.encode(windowFlag);
        AdminApi.Answer answer = api.send("GET", path, null);
        if (answer.status() == 404) {
            api.expect(
                    "POST",
                    "/api/admin/projects/" + AdminApi.encode(project) + "/features",
                    com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                            .objectNode()
                            .put("name", windowFlag)
                            .put("type", "operational")
                            .put(
                                    "description",
                                    "Ferry's migration window: while on, router replicas that cannot"
                                            + " confirm their flag state hold and refuse legacy-bound requests (docs/cutover.md)")
                            .put("impressionData", false));
            answer = api.send("GET", path, null);
        }
        if (!answer.ok()) {
            throw AdminApi.refused("GET", path, answer);
        }
        String env = path + "/environments/" + AdminApi.encode(environment);
        boolean hasStrategy = false;
        for (JsonNode e : answer.json().path("environments")) {
            if (environment.equals(e.path("name").asText())) {
                hasStrategy = e.path("strategies").size() > 0;
            }
        }
        if (open && !hasStrategy) {
            // Unleash serves an enabled flag without strategies as enabled for all, but says so nowhere: one explicit
            api.expect(
                    "POST",
                    env + "/strategies",
                    com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                            .objectNode()
                            .put("name", "default"));
        }
        api.expect("POST", env + (open ? "/on" : "/off"), null);
    }

    @Override
    public Set<String> shadowed(String shadowFlag) {
        JsonNode feature = shadowFeature(shadowFlag);
        return feature == null
                ? Set.of()
                : ShadowList.read(
                        clientView(shadowFlag, environmentOf(shadowFlag, feature), null), shadowFlag, describe());
    }

    /**
     * The list in the flag's one strategy, replaced with a compare-and-set (a JSON-Patch "test" of the constraints as
     * read); any other shape is replaced by that strategy. The list is written before the flag is turned on, so that
     * no replica ever shadows a list in between.
     */
    @Override
    public Set<String> shadow(String shadowFlag, Set<String> on, Set<String> off) {
        JsonNode feature = shadowFeature(shadowFlag);
        if (feature == null) {
            api.expect(
                    "POST",
                    "/api/admin/projects/" + AdminApi.encode(project) + "/features",
                    AdminApi.JSON
                            .createObjectNode()
                            .put("name", shadowFlag)
                            .put("type", "operational")
                            .put(
                                    "description",
                                    "Ferry's shadow reads: router replicas also send the GETs of the tenants listed"
                                            + " here to new, compare the answers and tally readiness (docs/shadow.md)")
                            .put("impressionData", false));
            feature = shadowFeature(shadowFlag);
        }
        JsonNode env = environmentOf(shadowFlag, feature);
        Set<String> next = ShadowList.next(
                env.path("strategies").isEmpty()
                        ? Set.of() // a flag without strategies lists nobody, on or off
                        : ShadowList.read(clientView(shadowFlag, env, true), shadowFlag, describe()),
                on,
                off);
        String path = shadowPath(shadowFlag) + "/environments/" + AdminApi.encode(environment);
        boolean enabled = env.path("enabled").asBoolean(false);
        if (next.isEmpty()) {
            if (enabled) {
                api.expect("POST", path + "/off", null);
            }
            // and its list emptied: a flag turned off by hand keeps its list (and 'shadow on' adds to it), one that
            // flags-admin emptied must not bring its last tenants back
            for (JsonNode strategy : env.path("strategies")) {
                api.expect(
                        "DELETE",
                        path + "/strategies/"
                                + AdminApi.encode(strategy.path("id").asText()),
                        null);
            }
            return confirmShadow(shadowFlag, on, off);
        }
        List<JsonNode> strategies = new ArrayList<>();
        env.path("strategies").forEach(strategies::add);
        boolean oneList = strategies.size() == 1
                && ShadowFlag.read(clientView(shadowFlag, env, true), shadowFlag)
                        .problems()
                        .isEmpty();
        if (oneList) {
            JsonNode strategy = strategies.get(0);
            ArrayNode ops = AdminApi.JSON.createArrayNode();
            ops.addObject().put("op", "test").put("path", "/constraints").set("value", strategy.path("constraints"));
            ops.addObject().put("op", "replace").put("path", "/constraints").set("value", ShadowList.constraints(next));
            String one =
                    path + "/strategies/" + AdminApi.encode(strategy.path("id").asText());
            AdminApi.Answer answer = api.send("PATCH", one, ops);
            if (!answer.ok()) {
                if (answer.body().contains("TEST_OPERATION_FAILED")) {
                    throw new ConflictException("shadow flag " + shadowFlag + " changed since it was read (another"
                            + " operator or the Unleash UI); nothing was written");
                }
                throw AdminApi.refused("PATCH", one, answer);
            }
        } else {
            api.expect("POST", path + "/strategies", ShadowList.strategy(shadowFlag, next));
            for (JsonNode strategy : strategies) {
                api.expect(
                        "DELETE",
                        path + "/strategies/"
                                + AdminApi.encode(strategy.path("id").asText()),
                        null);
            }
        }
        if (!enabled) {
            api.expect("POST", path + "/on", null);
        }
        return confirmShadow(shadowFlag, on, off);
    }

    /**
     * As for the routing flag: Unleash applies a PATCH as read, patch, write, so a concurrent one may replace it after
     * its "test" passed. After a moment the list must still say what this change said.
     */
    private Set<String> confirmShadow(String shadowFlag, Set<String> on, Set<String> off) {
        try {
            Thread.sleep(settle.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while confirming the write", e);
        }
        Set<String> now = shadowed(shadowFlag);
        if (!now.containsAll(on) || off.stream().anyMatch(now::contains)) {
            throw new ConflictException("a concurrent write replaced this change of shadow flag " + shadowFlag);
        }
        return now;
    }

    private String shadowPath(String shadowFlag) {
        return "/api/admin/projects/" + AdminApi.encode(project) + "/features/" + AdminApi.encode(shadowFlag);
    }

    /** The shadow flag as the Admin API has it, or null when it does not exist. */
    private JsonNode shadowFeature(String shadowFlag) {
        AdminApi.Answer answer = api.send("GET", shadowPath(shadowFlag), null);
        if (answer.status() == 404) {
            return null;
        }
        if (!answer.ok()) {
            throw AdminApi.refused("GET", shadowPath(shadowFlag), answer);
        }
        return answer.json();
    }

    private JsonNode environmentOf(String name, JsonNode feature) {
        for (JsonNode env : feature.path("environments")) {
            if (environment.equals(env.path("name").asText())) {
                return env;
            }
        }
        throw new BadInputException("flag '" + name + "' has no environment '" + environment + "' on Unleash "
                + api.base() + " (expected: the environment the routers' client token reads)");
    }

    /**
     * The flag of one environment as a client-features document, the way the router gets it.
     *
     * @param enabled read it as on or off; null for as it is
     */
    private static String clientView(String name, JsonNode env, Boolean enabled) {
        ObjectNode document = AdminApi.JSON.createObjectNode().put("version", 2);
        ObjectNode feature = document.putArray("features").addObject().put("name", name);
        feature.put("enabled", enabled != null ? enabled : env.path("enabled").asBoolean(false));
        feature.set(
                "strategies",
                env.path("strategies").isArray() ? env.path("strategies").deepCopy() : document.arrayNode());
        return document.toString();
    }

    private String strategies() {
        return feature() + "/environments/" + AdminApi.encode(environment) + "/strategies";
    }

    @Override
    public Snapshot read() {
        // The revision first: a change landing in between then shows as a newer revision later (a plan applied with
        // --expect-revision is refused rather than applied to a state it was not made on)
        String revision = revision();
        State state = state();
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < state.strategies().size(); i++) {
            rules.add(Strategies.read(state.strategies().get(i), i));
        }
        return new Snapshot(new Migration(flag, state.enabled(), rules, revision), state.digest());
    }

    /** The flag's strategies in the environment, in their order, and whether it is on there. */
    private record State(boolean enabled, List<JsonNode> strategies, String digest) {
        List<String> ids() {
            List<String> ids = new ArrayList<>();
            strategies.forEach(s -> ids.add(s.path("id").asText()));
            return ids;
        }
    }

    private State state() {
        AdminApi.Answer answer = api.send("GET", feature(), null);
        if (answer.status() == 404) {
            throw new BadInputException("flag '" + flag + "' does not exist in project " + project + " on Unleash "
                    + api.base() + " (expected: the routing flag; create it as docs/unleash.md shows, or name it with"
                    + " --flag, --project)");
        }
        if (!answer.ok()) {
            throw AdminApi.refused("GET", feature(), answer);
        }
        List<String> known = new ArrayList<>();
        for (JsonNode env : answer.json().path("environments")) {
            known.add(env.path("name").asText());
            if (environment.equals(env.path("name").asText())) {
                List<JsonNode> strategies = new ArrayList<>();
                env.path("strategies").forEach(strategies::add);
                // Stable: equal sort orders keep the server's order, as Unleash evaluates them
                strategies.sort(Comparator.comparingInt(s -> s.path("sortOrder").asInt(0)));
                boolean enabled = env.path("enabled").asBoolean(false);
                return new State(enabled, strategies, digest(enabled, strategies));
            }
        }
        throw new BadInputException("flag '" + flag + "' has no environment '" + environment + "' (expected: one of "
                + String.join(", ", known) + ")");
    }

    /** Unleash's latest event for the flag, as its revision ("event 180"); its events are the flag's versions. */
    private String revision() {
        JsonNode events = api.expect("GET", events(0, 1), null).path("events");
        return events.size() == 0
                ? "no events"
                : "event " + events.get(0).path("id").asText();
    }

    private String events(int offset, int limit) {
        return "/api/admin/search/events?feature=" + AdminApi.encode("IS:" + flag) + "&offset=" + offset + "&limit="
                + limit;
    }

    @Override
    public String write(Snapshot base, Migration next, HistoryEntry entry, Progress progress) {
        State current = state();
        if (!current.digest().equals(base.digest())) {
            throw new ConflictException("the strategies of flag " + flag + " in " + environment + " changed since they"
                    + " were read (another operator or the Unleash UI); nothing was written");
        }
        Map<String, Rule> was = new HashMap<>();
        base.migration().rules().forEach(r -> was.put(r.id(), r));
        Map<String, ObjectNode> wrote = new LinkedHashMap<>();
        List<String> done = new ArrayList<>();
        int steps = next.rules().size() + 2;
        List<String> order = new ArrayList<>();
        List<String> ids = new ArrayList<>(current.ids());
        for (Rule rule : next.rules()) {
            if (rule.id() != null) {
                order.add(rule.id());
                continue;
            }
            progress.step("creating rule " + rule.name() + sizeOf(rule), done.size(), steps);
            ObjectNode body = Strategies.write(rule);
            String id = api.expect("POST", strategies(), body).path("id").asText();
            wrote.put(id, body);
            order.add(id);
            ids.add(id);
            done.add("created rule " + rule.name());
        }
        if (!order.equals(ids)) {
            progress.step("ordering rules", done.size(), steps);
            ArrayNode sortOrder = AdminApi.JSON.createArrayNode();
            for (int i = 0; i < order.size(); i++) {
                sortOrder.addObject().put("id", order.get(i)).put("sortOrder", i);
            }
            api.expect("POST", strategies() + "/set-sort-order", sortOrder);
            done.add("ordered the rules");
        }
        List<Rule> changed = new ArrayList<>(next.rules());
        changed.removeIf(r -> r.id() == null);
        changed.sort(Comparator.comparing(r -> r.backend() == Backend.LEGACY ? 0 : 1));
        for (Rule rule : changed) {
            Rule before = was.get(rule.id());
            ObjectNode target = Strategies.write(rule);
            if (before == null || sameContent(before.strategy(), target)) {
                continue;
            }
            progress.step("writing rule " + rule.name() + sizeOf(rule), done.size(), steps);
            patch(rule, before.strategy(), target, done);
            wrote.put(rule.id(), target);
            done.add("changed rule " + rule.name());
        }
        Set<String> kept = new LinkedHashSet<>(order);
        for (Rule rule : base.migration().rules()) {
            if (!kept.contains(rule.id())) {
                progress.step("removing rule " + rule.name(), done.size(), steps);
                api.expect("DELETE", strategies() + "/" + AdminApi.encode(rule.id()), null);
                done.add("removed rule " + rule.name());
            }
        }
        String revision = revision();
        confirm(wrote, order, revision);
        return revision;
    }

    /** Step 5: the rules written are still exactly as written, in the order written. */
    private void confirm(Map<String, ObjectNode> wrote, List<String> order, String revision) {
        try {
            Thread.sleep(settle.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while confirming the write", e);
        }
        State now = state();
        Map<String, JsonNode> current = new HashMap<>();
        now.strategies().forEach(s -> current.put(s.path("id").asText(), s));
        for (Map.Entry<String, ObjectNode> w : wrote.entrySet()) {
            JsonNode s = current.get(w.getKey());
            if (!(s instanceof ObjectNode o) || !sameContent(o, w.getValue())) {
                throw new ConflictException("a concurrent write replaced a rule this change had written", revision);
            }
        }
        if (!now.ids().equals(order)) {
            throw new ConflictException("a concurrent write changed the rules this change had ordered", revision);
        }
    }

    /** A compare-and-set: "test" the rule as read, then replace what flags-admin manages. */
    private void patch(Rule rule, ObjectNode was, ObjectNode target, List<String> done) {
        ArrayNode ops = AdminApi.JSON.createArrayNode();
        for (String field : List.of("constraints", "parameters", "variants")) {
            ops.addObject().put("op", "test").put("path", "/" + field).set("value", was.path(field));
        }
        for (String field : List.of("constraints", "parameters", "variants")) {
            ops.addObject().put("op", "add").put("path", "/" + field).set("value", target.path(field));
        }
        String path = strategies() + "/" + AdminApi.encode(rule.id());
        AdminApi.Answer answer = api.send("PATCH", path, ops);
        if (answer.ok()) {
            return;
        }
        if (answer.body().contains("TEST_OPERATION_FAILED")) {
            throw new ConflictException("rule " + rule.name() + " changed since it was read (another operator or the"
                    + " Unleash UI); "
                    + (done.isEmpty() ? "nothing was written" : "already written: " + String.join(", ", done)));
        }
        throw AdminApi.refused("PATCH", path, answer);
    }

    private static boolean sameContent(ObjectNode was, ObjectNode target) {
        return was != null
                && was.path("constraints").equals(target.path("constraints"))
                && was.path("parameters").equals(target.path("parameters"))
                && was.path("variants").equals(target.path("variants"));
    }

    private static String sizeOf(Rule rule) {
        return rule.tenants() == null ? "" : " (" + Text.count(rule.tenants().size(), "tenant") + ")";
    }

    @Override
    public List<HistoryEntry> history(Progress progress) {
        List<JsonNode> events = new ArrayList<>();
        int total = Integer.MAX_VALUE;
        while (events.size() < total) {
            JsonNode page = api.expect("GET", events(events.size(), EVENT_PAGE), null);
            total = page.path("total").asInt(0);
            page.path("events").forEach(events::add);
            progress.step("reading Unleash events of " + flag, events.size(), total);
            if (page.path("events").size() == 0) {
                break;
            }
        }
        events.sort(Comparator.comparingLong(e -> e.path("id").asLong()));
        return EventReplay.entries(events, flag, environment);
    }

    /**
     * What the flag's state is, for comparing before a write: on or off, and each strategy (id, content, order),
     * with object keys sorted so that the server's key order does not matter.
     */
    private static String digest(boolean enabled, List<JsonNode> strategies) {
        List<Object> content = new ArrayList<>();
        content.add(enabled);
        for (JsonNode s : strategies) {
            ObjectNode kept = AdminApi.JSON.createObjectNode();
            for (String field :
                    List.of("id", "name", "constraints", "parameters", "variants", "segments", "disabled")) {
                kept.set(field, s.path(field).isMissingNode() ? null : s.get(field));
            }
            content.add(AdminApi.JSON.convertValue(kept, Object.class));
        }
        try {
            byte[] canonical = AdminApi.JSON
                    .writer()
                    .with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                    .writeValueAsBytes(content);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new StoreUnavailableException("cannot digest the flag's strategies: " + e.getMessage(), e);
        }
    }
}
