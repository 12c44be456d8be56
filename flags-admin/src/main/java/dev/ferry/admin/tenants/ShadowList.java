package dev.ferry.admin.tenants;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.router.shadow.ShadowFlag;
import java.util.Set;
import java.util.TreeSet;

/**
 * The shadow flag's list of tenants, read with the router's own reading ({@link ShadowFlag}) and written in the one
 * shape it reads: the flag enabled, one strategy (a 100 % rollout sticky on tenantId) with one constraint {@code
 * tenantId IN [...]}. Both stores write it this way, so a tenant shadowed is shadowed by every replica at its next poll.
 */
public final class ShadowList {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ShadowList() {}

    /**
     * The tenants a client-features document's shadow flag lists.
     *
     * @param where where the flag lives, for the message
     * @throws BadInputException when the router would not read the flag as a list of tenants
     */
    public static Set<String> read(String document, String flag, String where) {
        ShadowFlag read = ShadowFlag.read(document, flag);
        if (!read.problems().isEmpty()) {
            throw new BadInputException(
                    "shadow flag " + flag + " in " + where + " is not a list of tenants as the router"
                            + " reads it: " + String.join("; ", read.problems())
                            + " (expected: the shape 'flags-admin shadow on'"
                            + " writes, one strategy with one constraint tenantId IN [...]; fix or delete the flag, then run it"
                            + " again)");
        }
        return new TreeSet<>(read.tenants());
    }

    /**
     * The tenants the shadow flag lists, whether or not it is enabled: the base of a change, so that writing to a
     * flag someone paused keeps the tenants it lists.
     */
    public static Set<String> readAsEnabled(String document, String flag, String where) {
        try {
            com.fasterxml.jackson.databind.JsonNode root =
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(document);
            for (com.fasterxml.jackson.databind.JsonNode feature : root.path("features")) {
                if (flag.equals(feature.path("name").asText(null)) && feature.isObject()) {
                    if (feature.path("strategies").isEmpty()) {
                        return new TreeSet<>(); // a flag without strategies lists nobody, on or off
                    }
                    ((com.fasterxml.jackson.databind.node.ObjectNode) feature).put("enabled", true);
                }
            }
            return read(root.toString(), flag, where);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return read(document, flag, where);
        }
    }

    /** {@code current} with {@code on} added and {@code off} taken out, sorted. */
    public static Set<String> next(Set<String> current, Set<String> on, Set<String> off) {
        Set<String> next = new TreeSet<>(current);
        next.addAll(on);
        next.removeAll(off);
        return next;
    }

    /** The one strategy: every tenant listed, none other. */
    public static ObjectNode strategy(String flag, Set<String> tenants) {
        ObjectNode strategy = NODES.objectNode().put("name", "flexibleRollout");
        strategy.putObject("parameters")
                .put("rollout", "100")
                .put("stickiness", ShadowFlag.CONTEXT_FIELD)
                .put("groupId", flag);
        strategy.set("constraints", constraints(tenants));
        return strategy;
    }

    /** {@code [{"contextName": "tenantId", "operator": "IN", "values": [...]}]}, as the router reads it. */
    public static ArrayNode constraints(Set<String> tenants) {
        ArrayNode constraints = NODES.arrayNode();
        ObjectNode c = constraints
                .addObject()
                .put("contextName", ShadowFlag.CONTEXT_FIELD)
                .put("operator", "IN");
        ArrayNode values = c.putArray("values");
        new TreeSet<>(tenants).forEach(values::add);
        c.put("inverted", false).put("caseInsensitive", false);
        return constraints;
    }
}
