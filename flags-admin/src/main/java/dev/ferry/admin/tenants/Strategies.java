package dev.ferry.admin.tenants;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a strategy of the routing flag as a {@link Rule} and writes a rule back as a strategy, in the shape both the
 * Admin API and the client-features format use ({@code name}, {@code constraints}, {@code parameters}, {@code
 * variants}). What flags-admin does not manage (other parameters, a title, segments) is kept as it was read.
 */
public final class Strategies {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "tenantId";
    private static final String TIME = "currentTime";

    private Strategies() {}

    /**
     * @param position the strategy's place in the flag, from 0, to name a rule that has no name of its own
     */
    public static Rule read(JsonNode strategy, int position) {
        List<String> unsupported = new ArrayList<>();
        String strategyName = strategy.path("name").asText("");
        if (!strategyName.equals("flexibleRollout") && !strategyName.equals("default")) {
            unsupported.add("strategy '" + strategyName + "' (flags-admin evaluates flexibleRollout and default)");
        }
        JsonNode parameters = strategy.path("parameters");
        int percent = percent(parameters.path("rollout").asText("100"), unsupported);
        String groupId = parameters.path("groupId").asText("");
        if (percent < 100 && !TENANT.equals(parameters.path("stickiness").asText(""))) {
            unsupported.add("a " + percent + " % rollout with stickiness '"
                    + parameters.path("stickiness").asText("") + "' (expected: tenantId)");
        }
        Set<String> tenants = null;
        Instant startsAt = null;
        for (JsonNode c : strategy.path("constraints")) {
            String context = c.path("contextName").asText("");
            String operator = c.path("operator").asText("");
            boolean plain = !c.path("inverted").asBoolean(false)
                    && !c.path("caseInsensitive").asBoolean(false);
            if (context.equals(TENANT) && operator.equals("IN") && plain && tenants == null) {
                tenants = new LinkedHashSet<>();
                for (JsonNode v : c.path("values")) {
                    tenants.add(v.asText());
                }
            } else if (context.equals(TIME) && operator.equals("DATE_AFTER") && plain && startsAt == null) {
                startsAt = time(c.path("value").asText(""), unsupported);
            } else {
                unsupported.add(
                        "the constraint " + context + " " + (c.path("inverted").asBoolean(false) ? "NOT " : "")
                                + operator + (c.path("caseInsensitive").asBoolean(false) ? " (case-insensitive)" : ""));
            }
        }
        if (strategy.path("segments").size() > 0) {
            unsupported.add("segments");
        }
        JsonNode variants = strategy.path("variants");
        if (variants.size() > 1) {
            unsupported.add(variants.size() + " variants (expected: one, the rule's payload)");
        }
        JsonNode variant = variants.path(0);
        JsonNode payload = variant.path("payload");
        boolean hasPayload = !payload.isMissingNode() && !payload.isNull();
        JsonNode rule = hasPayload ? payload(payload, unsupported) : JSON.createObjectNode();
        Backend backend = rule.path("backend").asText("new").equalsIgnoreCase("legacy") ? Backend.LEGACY : Backend.NEW;
        String name = firstText(
                rule.path("rule").asText(null),
                variant.path("name").asText(null),
                groupId.isEmpty() ? null : groupId,
                "#" + (position + 1));
        Stamp stamp = new Stamp(
                rule.path("by").asText(null),
                time(rule.path("at").asText(null)),
                rule.path("reason").asText(null));
        return new Rule(
                strategy.path("id").asText(null),
                name,
                backend,
                rule.path("deliberate").asBoolean(false),
                tenants,
                percent,
                groupId.isEmpty() ? name : groupId,
                startsAt,
                stamp,
                hasPayload,
                strategy.path("disabled").asBoolean(false),
                unsupported,
                strategy.isObject() ? (ObjectNode) strategy : null);
    }

    /**
     * The rule as a strategy. A rule that routes as it was read comes back exactly as read; a changed or new one is
     * written in flags-admin's shape: {@code flexibleRollout} sticky on {@code tenantId}, the list and the start as
     * constraints, one variant (weight 1000, {@code variable}, as the Admin API wants) carrying the payload.
     */
    public static ObjectNode write(Rule rule) {
        if (rule.strategy() != null && unchanged(rule)) {
            return rule.strategy().deepCopy();
        }
        ObjectNode s = rule.strategy() == null
                ? JSON.createObjectNode()
                : rule.strategy().deepCopy();
        s.put("name", "flexibleRollout");
        ArrayNode constraints = JSON.createArrayNode();
        if (rule.tenants() != null) {
            ObjectNode in = constraints.addObject().put("contextName", TENANT).put("operator", "IN");
            ArrayNode values = in.putArray("values");
            rule.tenants().forEach(values::add);
            in.put("caseInsensitive", false).put("inverted", false);
        }
        if (rule.startsAt() != null) {
            constraints
                    .addObject()
                    .put("contextName", TIME)
                    .put("operator", "DATE_AFTER")
                    .put("value", formatTime(rule.startsAt()))
                    .put("caseInsensitive", false)
                    .put("inverted", false);
        }
        s.set("constraints", constraints);
        ObjectNode parameters =
                s.path("parameters").isObject() ? (ObjectNode) s.get("parameters") : s.putObject("parameters");
        parameters
                .put("rollout", Integer.toString(rule.percent()))
                .put("stickiness", TENANT)
                .put("groupId", rule.groupId());
        ArrayNode variants = s.putArray("variants");
        variants.addObject()
                .put("name", rule.name())
                .put("weight", 1000)
                .put("weightType", "variable")
                .put("stickiness", TENANT)
                .putObject("payload")
                .put("type", "json")
                .put("value", payload(rule));
        return s;
    }

    /** The payload a rule carries: {@code {"backend":"new","rule":"pilot","by":"jane","at":"..."}}. */
    static String payload(Rule rule) {
        ObjectNode p = JSON.createObjectNode();
        p.put("backend", rule.backend().tag());
        p.put("rule", rule.name());
        if (rule.deliberate()) {
            p.put("deliberate", true);
        }
        Stamp stamp = rule.stamp();
        if (stamp.reason() != null) {
            p.put("reason", stamp.reason());
        }
        if (stamp.by() != null) {
            p.put("by", stamp.by());
        }
        if (stamp.at() != null) {
            p.put("at", stamp.at().toString());
        }
        return p.toString();
    }

    private static boolean unchanged(Rule rule) {
        Rule asRead = read(rule.strategy(), 0);
        return rule.sameRouting(asRead)
                && rule.hasPayload() == asRead.hasPayload()
                && rule.stamp().equals(asRead.stamp());
    }

    /** Unleash matches times with at most milliseconds; {@code 2026-12-01T02:00:00.000Z}. */
    public static String formatTime(Instant time) {
        Instant ms = time.truncatedTo(ChronoUnit.MILLIS);
        String text = ms.toString();
        // Instant.toString drops zero fractions; Unleash's examples and the router's docs use exactly 3 digits
        if (ms.getNano() == 0) {
            return text.substring(0, text.length() - 1) + ".000Z";
        }
        return text;
    }

    private static JsonNode payload(JsonNode payload, List<String> unsupported) {
        if (!"json".equals(payload.path("type").asText())) {
            unsupported.add("a payload of type '" + payload.path("type").asText() + "' (expected: json)");
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(payload.path("value").asText(""));
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (JsonProcessingException e) {
            // reported below
        }
        unsupported.add("a payload that is not a rule (expected: {\"backend\": \"new\", \"rule\": \"...\"})");
        return JSON.createObjectNode();
    }

    private static int percent(String rollout, List<String> unsupported) {
        try {
            int percent = Integer.parseInt(rollout.trim());
            if (percent >= 0 && percent <= 100) {
                return percent;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        unsupported.add("a rollout of '" + rollout + "' (expected: 0 to 100)");
        return 0;
    }

    private static Instant time(String text, List<String> unsupported) {
        Instant time = time(text);
        if (time == null) {
            unsupported.add("a start time of '" + text + "' (expected: an ISO-8601 instant)");
        }
        return time;
    }

    private static Instant time(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    private static String firstText(String... candidates) {
        for (String c : candidates) {
            if (c != null && !c.isEmpty()) {
                return c;
            }
        }
        return null;
    }
}
