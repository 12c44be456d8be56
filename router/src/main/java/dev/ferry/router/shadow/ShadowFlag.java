package dev.ferry.router.shadow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which tenants are shadowed: the shadow flag ({@code shadow.flag}, default {@code ferry.shadow}) in the same flag
 * state as the routing flag, so that every replica reads the same list at the same poll. The flag lists tenants the
 * one way flags-admin writes it: enabled, each strategy constrained by {@code tenantId IN [...]}. A disabled or
 * missing flag shadows nobody. Any other shape is reported and shadows nobody through that strategy: shadowing is
 * opt-in per tenant, never "everyone" by accident.
 *
 * @param present whether the document has the flag
 * @param tenants the tenants shadowed
 * @param problems strategies that were not read, each saying why
 */
public record ShadowFlag(boolean present, Set<String> tenants, List<String> problems) {
    /** The context field tenants are listed by, as for the routing flag. */
    public static final String CONTEXT_FIELD = "tenantId";

    private static final ObjectMapper JSON = new ObjectMapper();

    public ShadowFlag {
        tenants = Set.copyOf(tenants);
        problems = List.copyOf(problems);
    }

    /** Reads the flag named {@code flagName} from a client-features document (nobody when it cannot). */
    public static ShadowFlag read(String json, String flagName) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return new ShadowFlag(false, Set.of(), List.of("the flag state is not JSON"));
        }
        for (JsonNode feature : root.path("features")) {
            if (flagName.equals(feature.path("name").asText(null))) {
                return of(flagName, feature);
            }
        }
        return new ShadowFlag(false, Set.of(), List.of());
    }

    private static ShadowFlag of(String flagName, JsonNode feature) {
        if (!feature.path("enabled").asBoolean(false)) {
            return new ShadowFlag(true, Set.of(), List.of());
        }
        Set<String> tenants = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        JsonNode strategies = feature.path("strategies");
        for (int i = 0; i < strategies.size(); i++) {
            JsonNode strategy = strategies.get(i);
            String where = "flag " + flagName + ", strategy " + (i + 1);
            if (strategy.path("disabled").asBoolean(false)) {
                continue;
            }
            if (strategy.path("segments").size() > 0) {
                problems.add(where + " uses segments (expected: a tenantId IN constraint; segments are not read)");
                continue;
            }
            List<String> listed = listed(strategy.path("constraints"));
            if (listed == null) {
                problems.add(where + " is not one constraint 'tenantId IN [...]' (expected: the tenants to shadow"
                        + " listed that way, as flags-admin shadow on writes them; it shadows nobody)");
                continue;
            }
            tenants.addAll(listed);
        }
        if (strategies.isEmpty()) {
            problems.add("flag " + flagName + " is enabled without strategies (expected: a tenantId IN constraint;"
                    + " shadowing every tenant is never implied)");
        }
        return new ShadowFlag(true, tenants, problems);
    }

    /** The tenants of a single non-inverted {@code tenantId IN} constraint, or null for any other shape. */
    private static List<String> listed(JsonNode constraints) {
        if (constraints.size() != 1) {
            return null;
        }
        JsonNode c = constraints.get(0);
        if (!CONTEXT_FIELD.equals(c.path("contextName").asText())
                || !"IN".equals(c.path("operator").asText())
                || c.path("inverted").asBoolean(false)
                || c.path("caseInsensitive").asBoolean(false)
                || !c.path("values").isArray()) {
            return null;
        }
        List<String> values = new ArrayList<>();
        c.path("values").forEach(v -> values.add(v.asText()));
        return values;
    }

    /** Whether a tenant is shadowed. */
    public boolean shadows(String tenant) {
        return tenants.contains(tenant);
    }
}
