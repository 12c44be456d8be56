package dev.ferry.router.routing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.exchange.Backend;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one rule of the routing flag intends, read from the flag's definition rather than from traffic: the intended
 * split, beside the measured one.
 *
 * <pre>
 *   explicit list     tenantId IN [a, b, c], rollout 100   tenants 3, rollout 1.0
 *   percentage wave   rollout 10, stickiness tenantId      tenants 0, rollout 0.1
 *   scheduled start   currentTime DATE_AFTER T             counted only from T on
 * </pre>
 *
 * Tenants named through a segment are not counted (a segment's lists live outside the flag).
 *
 * @param rule the rule's name from its payload, or null for a strategy without one (it sends its tenants to new)
 * @param backend where the rule sends the tenants it matches
 * @param tenants tenants the rule names in {@code tenantId IN} constraints
 * @param rollout the share of the tenants reaching this rule that it takes, 0 to 1 (a percentage wave's N %)
 * @param startsAt when a scheduled rule starts ({@code currentTime DATE_AFTER}), or null
 */
public record RuleIntent(String rule, Backend backend, int tenants, double rollout, Instant startsAt) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether the rule is in force at {@code now}: unscheduled, or its start has passed. */
    public boolean inForce(Instant now) {
        return startsAt == null || now.isAfter(startsAt);
    }

    /**
     * The rules of the routing flag in a client-features document, in order; empty when the flag is absent or
     * disabled (every tenant on legacy). The document has passed {@link ClientFeatures#problems} already.
     */
    public static List<RuleIntent> of(String json, String flagName) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return List.of();
        }
        for (JsonNode feature : root.path("features")) {
            if (flagName.equals(feature.path("name").asText(null))) {
                return feature.path("enabled").asBoolean(false) ? rules(feature.path("strategies")) : List.of();
            }
        }
        return List.of();
    }

    private static List<RuleIntent> rules(JsonNode strategies) {
        List<RuleIntent> out = new ArrayList<>();
        for (JsonNode strategy : strategies) {
            if (strategy.path("disabled").asBoolean(false)) {
                continue;
            }
            RoutingRule rule = payload(strategy.path("variants"));
            out.add(new RuleIntent(
                    rule == null ? null : rule.name(),
                    rule == null ? Backend.NEW : rule.backend(),
                    listed(strategy.path("constraints")),
                    rollout(strategy.path("parameters")),
                    startsAt(strategy.path("constraints"))));
        }
        return List.copyOf(out);
    }

    private static RoutingRule payload(JsonNode variants) {
        for (JsonNode variant : variants) {
            JsonNode payload = variant.path("payload");
            if ("json".equals(payload.path("type").asText(null))) {
                return RoutingRule.parse(payload.path("value").asText());
            }
        }
        return null;
    }

    /** The tenants a strategy's constraints name: constraints are ANDed, so the tenants every IN list names. */
    private static int listed(JsonNode constraints) {
        java.util.Set<String> tenants = null;
        for (JsonNode c : constraints) {
            if (UnleashRoutingPolicy.CONTEXT_FIELD.equals(c.path("contextName").asText(null))
                    && "IN".equals(c.path("operator").asText(null))
                    && !c.path("inverted").asBoolean(false)) {
                java.util.Set<String> named = new java.util.HashSet<>();
                c.path("values").forEach(v -> named.add(v.asText()));
                if (tenants == null) {
                    tenants = named;
                } else {
                    tenants.retainAll(named);
                }
            }
        }
        return tenants == null ? 0 : tenants.size();
    }

    /** flexibleRollout's and gradualRollout's percentage; a strategy without one (default) takes everyone. */
    private static double rollout(JsonNode parameters) {
        JsonNode rollout = parameters.has("rollout") ? parameters.get("rollout") : parameters.get("percentage");
        if (rollout == null) {
            return 1.0;
        }
        try {
            return Math.max(0, Math.min(100, Double.parseDouble(rollout.asText()))) / 100.0;
        } catch (NumberFormatException e) {
            return 1.0;
        }
    }

    private static Instant startsAt(JsonNode constraints) {
        for (JsonNode c : constraints) {
            if ("currentTime".equals(c.path("contextName").asText(null))
                    && "DATE_AFTER".equals(c.path("operator").asText(null))
                    && !c.path("inverted").asBoolean(false)) {
                try {
                    return Instant.parse(c.path("value").asText());
                } catch (DateTimeParseException e) {
                    return null;
                }
            }
        }
        return null;
    }
}
