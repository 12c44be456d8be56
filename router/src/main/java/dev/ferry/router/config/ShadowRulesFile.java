package dev.ferry.router.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ferry.router.shadow.CompareRules;
import dev.ferry.router.shadow.Route;
import dev.ferry.router.shadow.RouteTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads {@code shadow.rules-file}: comparison rules per route template, in YAML.
 *
 * <pre>
 * defaults:                            # for every route without rules of its own (optional)
 *   ignore: [meta.requestId]
 * routes:
 *   - route: GET /orders/{id}
 *     headers: [ETag]                  # compared besides Content-Type (only-headers: instead of it)
 *     ignore: [meta.requestId, "items[*].updatedAt"]
 *     unordered: [tags]                # order does not matter, repetitions do
 *     unordered-by: {items: id}        # elements matched by their id
 *   - route: POST /search
 *     idempotent: true                 # shadowed although not a safe method
 * </pre>
 *
 * Every problem in the file is reported at once, each naming its entry.
 */
public final class ShadowRulesFile {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** Methods that change data even when idempotent: a shadow replays a request late, and to legacy too. */
    private static final Set<String> UNSAFE = Set.of("PUT", "PATCH", "DELETE");

    private static final Set<String> MEMBERS =
            Set.of("route", "headers", "only-headers", "ignore", "unordered", "unordered-by", "idempotent");

    /** The rules read: the table and the routes declared idempotent. */
    public record Rules(RouteTable table, Set<Route> idempotent) {}

    private ShadowRulesFile() {}

    /** @throws IllegalArgumentException listing every problem, each starting with {@code shadow.rules-file} */
    public static Rules read(Path file) {
        String origin = "shadow.rules-file " + file;
        JsonNode root;
        try {
            root = YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(origin + ": cannot be read as YAML: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new Rules(RouteTable.of(List.of()), Set.of());
        }
        List<String> problems = new ArrayList<>();
        JsonNode routes = root.get("routes");
        boolean shape = root.isObject() && (routes == null || routes.isArray());
        java.util.Iterator<String> names = root.isObject() ? root.fieldNames() : java.util.Collections.emptyIterator();
        while (names.hasNext()) {
            String name = names.next();
            shape &= name.equals("routes") || name.equals("defaults");
        }
        if (!shape) {
            throw new IllegalArgumentException(origin + ": not a map of 'defaults' and 'routes' (expected: defaults:"
                    + " {ignore: [...]}, routes: [{route: GET /orders/{id}, ignore: [...]}])");
        }
        if (routes == null) {
            routes = YAML.createArrayNode();
        }
        CompareRules fallback = CompareRules.defaults(Route.OTHER);
        JsonNode defaults = root.get("defaults");
        if (defaults != null) {
            String where = origin + ": defaults";
            if (!defaults.isObject() || defaults.has("route") || defaults.has("idempotent")) {
                problems.add(where + " is not a map of rules without route or idempotent (expected: headers,"
                        + " only-headers, ignore, unordered, unordered-by)");
            } else {
                try {
                    fallback = rules(CompareRules.builderForOtherRoutes(), defaults, where, problems);
                } catch (IllegalArgumentException e) {
                    e.getMessage().lines().forEach(line -> problems.add(where + ": " + line));
                }
            }
        }
        List<CompareRules> rules = new ArrayList<>();
        Set<Route> idempotent = new HashSet<>();
        for (int i = 0; i < routes.size(); i++) {
            String where = origin + ": routes[" + i + "]";
            JsonNode entry = routes.get(i);
            if (!entry.isObject() || !entry.path("route").isTextual()) {
                problems.add(where + " has no 'route' (expected: a route template such as 'GET /orders/{id}')");
                continue;
            }
            entry.fieldNames().forEachRemaining(name -> {
                if (!MEMBERS.contains(name)) {
                    problems.add(where + ": unknown member '" + name + "' (expected: one of "
                            + new java.util.TreeSet<>(MEMBERS) + ")");
                }
            });
            JsonNode idem = entry.get("idempotent");
            if (idem != null && !idem.isBoolean()) {
                problems.add(where + ": 'idempotent' is " + idem + " (expected: true or false)");
            }
            String declared = entry.get("route").asText().strip();
            if (idem != null && idem.asBoolean() && UNSAFE.stream().anyMatch(m -> declared.startsWith(m + " "))) {
                problems.add(where + ": '" + declared + "' cannot be declared idempotent (expected: a route that only"
                        + " reads, such as POST /search; a PUT, PATCH or DELETE replayed later would change legacy's"
                        + " data)");
                continue;
            }
            try {
                CompareRules built =
                        rules(CompareRules.builder(entry.get("route").asText()), entry, where, problems);
                rules.add(built);
                if (idem != null && idem.asBoolean()) {
                    idempotent.add(built.route());
                }
            } catch (IllegalArgumentException e) {
                e.getMessage().lines().forEach(line -> problems.add(where + ": " + line));
            }
        }
        RouteTable table = null;
        try {
            table = RouteTable.of(rules, fallback);
        } catch (IllegalArgumentException e) {
            problems.add(origin + ": " + e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        return new Rules(table, idempotent);
    }

    /** The rule members of one entry (or of defaults), built: every problem of the entry in the exception. */
    private static CompareRules rules(
            CompareRules.Builder builder, JsonNode entry, String where, List<String> problems) {
        strings(entry, "headers", where, problems).forEach(builder::header);
        if (entry.has("only-headers")) {
            builder.onlyHeaders(strings(entry, "only-headers", where, problems));
        }
        strings(entry, "ignore", where, problems).forEach(builder::ignore);
        strings(entry, "unordered", where, problems).forEach(builder::unordered);
        JsonNode by = entry.get("unordered-by");
        if (by != null) {
            if (!by.isObject()) {
                problems.add(where + ": 'unordered-by' is not a map (expected: {array path: key field})");
            } else {
                by.fields()
                        .forEachRemaining(e ->
                                builder.unorderedBy(e.getKey(), e.getValue().asText()));
            }
        }
        return builder.build();
    }

    private static List<String> strings(JsonNode entry, String member, String where, List<String> problems) {
        JsonNode node = entry.get(member);
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add(where + ": '" + member + "' is not a list (expected: a list of strings)");
            return List.of();
        }
        List<String> out = new ArrayList<>();
        node.forEach(n -> out.add(n.asText()));
        return out;
    }
}
