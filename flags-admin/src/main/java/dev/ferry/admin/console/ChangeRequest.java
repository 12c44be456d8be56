package dev.ferry.admin.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.admin.tenants.Backend;
import dev.ferry.admin.tenants.Change;
import dev.ferry.admin.tenants.Lead;
import dev.ferry.admin.tenants.Operator;
import dev.ferry.admin.tenants.Schedule;
import dev.ferry.admin.tenants.TenantIds;
import dev.ferry.admin.tenants.Times;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A change as the console's API takes it, one flat JSON object, the same fields as the command line's options:
 *
 * <pre>
 *   {"change": "move",   "tenants": ["acme"], "to": "new", "rule": "pilot", "startsAt": "2026-12-01T02:00:00Z"}
 *   {"change": "move",   "tenants": "acme initech", "to": "legacy", "breakGlass": true, "reason": "data repair"}
 *   {"change": "wave",   "name": "wave-1", "percent": 10, "groupId": "wave-1", "knownTenants": ["acme"]}
 *   {"change": "pin",    "tenants": ["acme"]}
 *   {"change": "remove", "tenants": ["acme"], "rule": "pinned"}
 * </pre>
 *
 * plus {@code by} (required: who, as {@code --by}), {@code reason}, {@code breakGlass}, {@code forceUnready} (past
 * the readiness gate, with a reason, as {@code --force-unready}), and for an apply {@code
 * revision} (required: the revision of the plan the operator saw). Tenants come as an array or as one string of ids
 * separated by spaces, commas or new lines. An unknown field is refused, naming it: a typo must not silently drop part
 * of a change that moves production traffic.
 */
record ChangeRequest(Change change, Operator operator, String revision, boolean forceUnready) {
    private static final Map<String, Set<String>> FIELDS = Map.of(
            "move", Set.of("tenants", "to", "rule", "startsAt", "immediate"),
            "wave", Set.of("name", "percent", "groupId", "startsAt", "immediate", "knownTenants"),
            "pin", Set.of("tenants"),
            "remove", Set.of("tenants", "rule"));
    private static final Set<String> COMMON =
            Set.of("change", "by", "reason", "breakGlass", "revision", "forceUnready");

    /**
     * @param apply whether the request applies a plan (then {@code revision} is required)
     * @throws ApiException 400, naming what was wrong and what was expected
     */
    static ChangeRequest parse(JsonNode body, boolean apply) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("the body is not a JSON object (expected: {\"change\": \"move\","
                    + " \"tenants\": [\"acme\"], \"to\": \"new\", \"by\": \"jane\"})");
        }
        String kind = text(body, "change");
        if (kind == null) {
            throw ApiException.badRequest("field 'change' is missing (expected: move, wave, pin or remove)");
        }
        Set<String> allowed = FIELDS.get(kind);
        if (allowed == null) {
            throw ApiException.badRequest("field 'change' is '" + kind + "' (expected: move, wave, pin or remove)");
        }
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!allowed.contains(field) && !COMMON.contains(field)) {
                unknown.add(field);
            }
        }
        if (!unknown.isEmpty()) {
            List<String> expected = new ArrayList<>(COMMON);
            expected.addAll(allowed);
            expected.sort(null);
            throw ApiException.badRequest(
                    "unknown field" + (unknown.size() == 1 ? " " : "s ") + String.join(", ", unknown) + " for change '"
                            + kind + "' (expected: " + String.join(", ", expected) + ")");
        }
        String by = text(body, "by");
        if (by == null || by.isBlank()) {
            throw ApiException.badRequest("field 'by' is missing (expected: the operator's name, recorded in the rules"
                    + " and the history like --by)");
        }
        boolean breakGlass = bool(body, "breakGlass");
        String revision = text(body, "revision");
        if (apply && (revision == null || revision.isBlank())) {
            throw ApiException.badRequest("field 'revision' is missing (expected: the revision of the plan you"
                    + " approved, as POST /api/plan returned it: the change is applied only if the flag is still"
                    + " there)");
        }
        Operator operator = new Operator(by.strip(), text(body, "reason"), breakGlass);
        boolean forceUnready = bool(body, "forceUnready");
        if (forceUnready && operator.reason() == null) {
            throw ApiException.badRequest("field 'forceUnready' without 'reason' (expected: \"reason\": \"why\";"
                    + " the history records it with the readiness gates the move was forced past)");
        }
        return new ChangeRequest(
                change(kind, body), operator, revision == null ? null : revision.strip(), forceUnready);
    }

    private static Change change(String kind, JsonNode body) {
        return switch (kind) {
            case "move" ->
                Change.move(
                        tenants(body, "tenants", true),
                        Backend.of(required(body, "to", "new or legacy")),
                        text(body, "rule"),
                        schedule(body),
                        new Change.MoveFields("'rule'", SCHEDULE_FIELDS));
            case "wave" ->
                Change.wave(
                        required(body, "name", "the wave's name, e.g. wave-1"),
                        percent(body),
                        blankToNull(text(body, "groupId")),
                        schedule(body),
                        tenants(body, "knownTenants", false),
                        SCHEDULE_FIELDS);
            case "pin" -> new Change.Pin(tenants(body, "tenants", true));
            case "remove" ->
                new Change.Remove(
                        tenants(body, "tenants", true),
                        required(body, "rule", "the list rule, e.g. pinned, moved-back or pilot"));
            default -> throw new IllegalStateException("checked above: " + kind);
        };
    }

    static Set<String> tenants(JsonNode body, String field, boolean required) {
        JsonNode node = body.get(field);
        Set<String> ids;
        if (node == null || node.isNull()) {
            ids = Set.of();
        } else if (node.isTextual() && node.asText().isBlank()) {
            ids = Set.of();
        } else if (node.isTextual()) {
            try {
                ids = TenantIds.read(new StringReader(node.asText()), "field '" + field + "'");
            } catch (IOException e) {
                throw new IllegalStateException("a string reader does not fail", e);
            }
        } else if (node.isArray()) {
            List<String> raw = new ArrayList<>();
            for (JsonNode item : node) {
                if (!item.isTextual()) {
                    throw ApiException.badRequest("field '" + field + "' holds "
                            + item.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + item
                            + " (expected: tenant ids as strings)");
                }
                raw.add(item.asText());
            }
            ids = new LinkedHashSet<>(TenantIds.parseAll(raw, "field '" + field + "'"));
        } else {
            throw ApiException.badRequest(
                    "field '" + field + "' is " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                            + " (expected: an array of tenant ids, or one string of ids separated by spaces or commas)");
        }
        if (required && ids.isEmpty()) {
            throw ApiException.badRequest("field '" + field + "' names no tenant (expected: at least one tenant id)");
        }
        return ids;
    }

    private static int percent(JsonNode body) {
        JsonNode node = body.get("percent");
        if (node == null || node.isNull()) {
            throw ApiException.badRequest("field 'percent' is missing (expected: 0 to 100)");
        }
        if (node.isIntegralNumber() && node.canConvertToInt()) {
            return node.asInt(); // the range is checked with the change
        }
        if (node.isTextual() && node.asText().strip().matches("\\d{1,3}")) {
            return Integer.parseInt(node.asText().strip());
        }
        throw ApiException.badRequest("field 'percent' is " + node + " (expected: a whole number, 0 to 100)");
    }

    private static final Schedule.Fields SCHEDULE_FIELDS = new Schedule.Fields("'startsAt'", "'immediate'");

    /** The schedule the operator asked for; as on the command line, the fleet-safe time unless told otherwise. */
    private static Schedule schedule(JsonNode body) {
        return new Schedule(
                time(text(body, "startsAt")), bool(body, "immediate"), Lead.DEFAULT, java.time.Instant.now());
    }

    private static java.time.Instant time(String raw) {
        return raw == null || raw.isBlank() ? null : Times.parse(raw.strip(), "field 'startsAt'");
    }

    private static String required(JsonNode body, String field, String expected) {
        String value = text(body, field);
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest("field '" + field + "' is missing (expected: " + expected + ")");
        }
        return value.strip();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw ApiException.badRequest("field '" + field + "' is " + node + " (expected: true or false)");
        }
        return node.asBoolean();
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiException.badRequest("field '" + field + "' is " + node + " (expected: a string)");
        }
        return node.asText();
    }
}
