package dev.ferry.router.shadow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The JSON a router's admin port serves for shadow reads ({@code GET /shadow/tenants}, {@code /shadow/tenants/{id}})
 * and flags-admin reads back: a tenant's window as counts that add up across replicas, the bar it is judged against,
 * and its report. Names are lower case with underscores ({@code lag_pending_recheck}, {@code min_compared}).
 */
public final class ShadowJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ShadowJson() {}

    /** A window, every count and latency sample, to be {@linkplain TenantWindow#merge merged} with other replicas'. */
    public static ObjectNode window(TenantWindow window) {
        ObjectNode node = NODES.objectNode();
        ObjectNode verdicts = node.putObject("verdicts");
        for (DiffVerdict v : DiffVerdict.values()) {
            verdicts.put(name(v), window.count(v));
        }
        ArrayNode routes = node.putArray("routes");
        TreeSet<Route> all = new TreeSet<>(java.util.Comparator.comparing(Route::name));
        all.addAll(window.used().keySet());
        all.addAll(window.compared().keySet());
        all.addAll(window.differingFields().keySet());
        for (Route route : all) {
            ObjectNode r = routes.addObject()
                    .put("route", route.name())
                    .put("used", window.used().getOrDefault(route, 0L))
                    .put("compared", window.compared().getOrDefault(route, 0L));
            ArrayNode fields = r.putArray("differingFields");
            window.differingFields().getOrDefault(route, List.of()).forEach(f -> fields.add(fieldCount(f)));
        }
        node.put("statusClassMismatches", window.statusClassMismatches());
        node.put("observed", window.observed());
        node.put("legacyFailures", window.legacyFailures());
        node.put("newFailures", window.newFailures());
        ArrayNode legacy = node.putArray("legacyLatencyNanos");
        for (long n : window.legacyLatencyNanos()) {
            legacy.add(n);
        }
        ArrayNode candidate = node.putArray("newLatencyNanos");
        for (long n : window.newLatencyNanos()) {
            candidate.add(n);
        }
        return node;
    }

    /**
     * Reads what {@link #window} wrote.
     *
     * @throws IllegalArgumentException naming the first member that is missing or of the wrong kind
     */
    public static TenantWindow readWindow(JsonNode node) {
        require(node != null && node.isObject(), "window", "an object");
        Map<DiffVerdict, Long> verdicts = new EnumMap<>(DiffVerdict.class);
        JsonNode v = object(node, "verdicts");
        for (DiffVerdict verdict : DiffVerdict.values()) {
            JsonNode count = v.get(name(verdict));
            if (count != null && count(count, "verdicts." + name(verdict)) > 0) {
                verdicts.put(verdict, count.asLong());
            }
        }
        Map<Route, Long> used = new HashMap<>();
        Map<Route, Long> compared = new HashMap<>();
        Map<Route, List<FieldCount>> fields = new HashMap<>();
        JsonNode routes = node.get("routes");
        require(routes != null && routes.isArray(), "routes", "a list");
        for (JsonNode r : routes) {
            Route route = route(text(r, "route"));
            long u = count(r.get("used"), "routes[].used");
            long c = count(r.get("compared"), "routes[].compared");
            if (u > 0) {
                used.put(route, u);
            }
            if (c > 0) {
                compared.put(route, c);
            }
            List<FieldCount> counts = new ArrayList<>();
            JsonNode differing = r.get("differingFields");
            require(differing != null && differing.isArray(), "routes[].differingFields", "a list");
            for (JsonNode f : differing) {
                counts.add(readFieldCount(f));
            }
            if (!counts.isEmpty()) {
                fields.put(route, counts);
            }
        }
        return new TenantWindow(
                verdicts,
                used,
                compared,
                count(node.get("statusClassMismatches"), "statusClassMismatches"),
                count(node.get("observed"), "observed"),
                count(node.get("legacyFailures"), "legacyFailures"),
                count(node.get("newFailures"), "newFailures"),
                longs(node.get("legacyLatencyNanos"), "legacyLatencyNanos"),
                longs(node.get("newLatencyNanos"), "newLatencyNanos"),
                fields);
    }

    /** The bar, so that flags-admin judges a fleet's window by the routers' own. */
    public static ObjectNode bar(ReadinessBar bar) {
        return NODES.objectNode()
                .put("minLowerBound", bar.minLowerBound())
                .put("minCompared", bar.minCompared())
                .put("minPerRoute", bar.minPerRoute())
                .put("latencyMarginRatio", bar.latencyMarginRatio())
                .put("latencyMarginFloorNanos", bar.latencyMarginFloor().toNanos())
                .put("errorRateMargin", bar.errorRateMargin());
    }

    /** Reads what {@link #bar} wrote. */
    public static ReadinessBar readBar(JsonNode node) {
        require(node != null && node.isObject(), "bar", "an object");
        return new ReadinessBar(
                number(node, "minLowerBound"),
                count(node.get("minCompared"), "minCompared"),
                count(node.get("minPerRoute"), "minPerRoute"),
                number(node, "latencyMarginRatio"),
                Duration.ofNanos(count(node.get("latencyMarginFloorNanos"), "latencyMarginFloorNanos")),
                number(node, "errorRateMargin"));
    }

    /** A report: ready or not, the score, every gate and the top standing differences per route. */
    public static ObjectNode report(ReadinessReport report) {
        ObjectNode node = NODES.objectNode()
                .put("ready", report.ready())
                .put("compared", report.compared())
                .put("matched", report.matched())
                .put("matchRate", report.matchRate())
                .put("lowerBound", report.lowerBound());
        ObjectNode verdicts = node.putObject("verdicts");
        for (DiffVerdict v : DiffVerdict.values()) {
            verdicts.put(name(v), report.verdicts().getOrDefault(v, 0L));
        }
        ArrayNode gates = node.putArray("gates");
        report.gates().forEach(g -> gates.addObject()
                .put("gate", name(g.gate()))
                .put("passed", g.passed())
                .put("reason", g.reason()));
        ObjectNode top = node.putObject("topFields");
        report.topFields().entrySet().stream()
                .sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(Route::name)))
                .forEach(e -> {
                    ArrayNode fields = top.putArray(e.getKey().name());
                    e.getValue().forEach(f -> fields.add(fieldCount(f)));
                });
        return node;
    }

    /** {@code lag_pending_recheck}, {@code min_compared}. */
    public static String name(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    private static ObjectNode fieldCount(FieldCount f) {
        return NODES.objectNode()
                .put("field", f.field().toString())
                .put("part", name(f.field().part()))
                .put("path", f.field().path())
                .put("count", f.count());
    }

    private static FieldCount readFieldCount(JsonNode f) {
        String part = text(f, "part");
        Field.Part p;
        try {
            p = Field.Part.valueOf(part.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("differingFields[].part: '" + part + "' (expected: one of "
                    + java.util.Arrays.stream(Field.Part.values())
                            .map(ShadowJson::name)
                            .toList() + ")");
        }
        return new FieldCount(new Field(p, text(f, "path")), count(f.get("count"), "differingFields[].count"));
    }

    private static Route route(String name) {
        return name.equals("other") ? Route.OTHER : Route.parse(name);
    }

    private static JsonNode object(JsonNode node, String member) {
        JsonNode value = node.get(member);
        require(value != null && value.isObject(), member, "an object");
        return value;
    }

    private static String text(JsonNode node, String member) {
        JsonNode value = node.get(member);
        require(value != null && value.isTextual(), member, "a string");
        return value.asText();
    }

    private static double number(JsonNode node, String member) {
        JsonNode value = node.get(member);
        require(value != null && value.isNumber(), member, "a number");
        return value.asDouble();
    }

    private static long count(JsonNode value, String member) {
        require(
                value != null && value.canConvertToLong() && value.isIntegralNumber() && value.asLong() >= 0,
                member,
                "a whole number >= 0");
        return value.asLong();
    }

    private static long[] longs(JsonNode value, String member) {
        require(value != null && value.isArray(), member, "a list of whole numbers");
        long[] out = new long[value.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = count(value.get(i), member + "[" + i + "]");
        }
        return out;
    }

    private static void require(boolean condition, String member, String expected) {
        if (!condition) {
            throw new IllegalArgumentException(
                    "shadow report: '" + member + "' is missing or wrong (expected: " + expected + ")");
        }
    }
}
