package dev.ferry.router.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;

/**
 * Builds the routing flag as docs/flag-model.md describes it: one strategy per rule, in order, each with one strategy
 * variant whose JSON payload names the backend and the rule.
 */
public final class FlagRules {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ArrayNode strategies = JSON.createArrayNode();
    private Boolean otherFlag;
    private Boolean window;
    private String[] shadowed;

    /** Adds an unrelated flag to the document, on or off: a change to it must not touch routing. */
    public FlagRules withOtherFlag(boolean enabled) {
        otherFlag = enabled;
        return this;
    }

    /** Adds the migration window's flag ({@code ferry-migration-window}), open or closed. */
    public FlagRules withWindow(boolean open) {
        window = open;
        return this;
    }

    /** Adds the shadow flag ({@code ferry.shadow}) listing these tenants (docs/shadow.md). */
    public FlagRules shadowing(String... tenants) {
        shadowed = tenants;
        return this;
    }

    /** A raw strategy, for documents Ferry must refuse. */
    public FlagRules rawStrategy(String strategyJson) {
        try {
            strategies.add(JSON.readTree(strategyJson));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
        return this;
    }

    public static FlagRules flag() {
        return new FlagRules();
    }

    /** Tenants listed by name go to new (a pilot, a hand-picked wave). */
    public FlagRules list(String rule, String... tenants) {
        return strategy(100, rule, tenantsIn(tenants), payload("new", rule, false), null);
    }

    /** Tenants listed by name go to new from {@code from} on: a scheduled move. */
    public FlagRules listFrom(String rule, Instant from, String... tenants) {
        return strategy(100, rule, tenantsIn(tenants), payload("new", rule, false), from);
    }

    /** A percentage of all tenants goes to new, sticky on tenantId with a fixed groupId. */
    public FlagRules percent(String rule, int percent) {
        return strategy(percent, rule, JSON.createArrayNode(), payload("new", rule, false), null);
    }

    /** Like {@link #percent}, but only from {@code from} on. */
    public FlagRules percentFrom(String rule, int percent, Instant from) {
        return strategy(percent, rule, JSON.createArrayNode(), payload("new", rule, false), from);
    }

    /** Pinned tenants stay on legacy, whatever the waves say: put this rule first. */
    public FlagRules pinned(String... tenants) {
        return strategy(100, "pinned", tenantsIn(tenants), payload("legacy", "pinned", false), null);
    }

    /** A deliberate move back to legacy, with the marker: put this rule first. */
    public FlagRules movedBack(String... tenants) {
        return strategy(100, "moved-back", tenantsIn(tenants), payload("legacy", "moved-back", true), null);
    }

    /** A strategy with a raw payload value, for invalid documents. */
    public FlagRules rawPayload(String rule, String payloadValue, String... tenants) {
        return strategy(100, rule, tenantsIn(tenants), payloadValue, null);
    }

    private static ArrayNode tenantsIn(String... tenants) {
        ArrayNode constraints = JSON.createArrayNode();
        ObjectNode in = constraints
                .addObject()
                .put("contextName", "tenantId")
                .put("operator", "IN")
                .put("inverted", false)
                .put("caseInsensitive", false);
        ArrayNode values = in.putArray("values");
        List.of(tenants).forEach(values::add);
        return constraints;
    }

    private static String payload(String backend, String rule, boolean deliberate) {
        ObjectNode p = JSON.createObjectNode().put("backend", backend).put("rule", rule);
        if (deliberate) {
            p.put("deliberate", true).put("reason", "test").put("by", "tests");
        }
        return p.toString();
    }

    private FlagRules strategy(int percent, String groupId, ArrayNode constraints, String payload, Instant from) {
        if (from != null) {
            constraints
                    .addObject()
                    .put("contextName", "currentTime")
                    .put("operator", "DATE_AFTER")
                    .put(
                            "value",
                            from.truncatedTo(java.time.temporal.ChronoUnit.MILLIS)
                                    .toString())
                    .put("inverted", false)
                    .put("caseInsensitive", false);
        }
        ObjectNode strategy = strategies.addObject().put("name", "flexibleRollout");
        strategy.set("constraints", constraints);
        strategy.putObject("parameters")
                .put("rollout", Integer.toString(percent))
                .put("stickiness", "tenantId")
                .put("groupId", groupId);
        strategy.putArray("variants")
                .addObject()
                .put("name", groupId)
                .put("weight", 1000)
                .put("weightType", "fix")
                .put("stickiness", "tenantId")
                .putObject("payload")
                .put("type", "json")
                .put("value", payload);
        return this;
    }

    /** The client-features document. */
    public String document() {
        ObjectNode root = JSON.createObjectNode().put("version", 2);
        ObjectNode feature = root.putArray("features")
                .addObject()
                .put("name", FlagDocuments.FLAG)
                .put("type", "release")
                .put("enabled", true)
                .put("project", "default")
                .put("stale", false)
                .put("impressionData", false);
        feature.set("strategies", strategies.deepCopy());
        feature.putArray("variants");
        if (window != null) {
            ObjectNode flag = ((ArrayNode) root.get("features"))
                    .addObject()
                    .put("name", "ferry-migration-window")
                    .put("enabled", window);
            flag.putArray("strategies").addObject().put("name", "default");
        }
        if (shadowed != null) {
            ObjectNode flag = ((ArrayNode) root.get("features"))
                    .addObject()
                    .put("name", "ferry.shadow")
                    .put("enabled", true);
            ArrayNode values = flag.putArray("strategies")
                    .addObject()
                    .put("name", "default")
                    .putArray("constraints")
                    .addObject()
                    .put("contextName", "tenantId")
                    .put("operator", "IN")
                    .put("inverted", false)
                    .put("caseInsensitive", false)
                    .putArray("values");
            for (String tenant : shadowed) {
                values.add(tenant);
            }
        }
        if (otherFlag != null) {
            ObjectNode other = ((ArrayNode) root.get("features"))
                    .addObject()
                    .put("name", "some-other-flag")
                    .put("enabled", otherFlag);
            other.putArray("strategies").addObject().put("name", "default");
        }
        return root.toString();
    }
}
