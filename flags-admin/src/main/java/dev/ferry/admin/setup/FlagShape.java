package dev.ferry.admin.setup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.admin.tenants.Rule;
import dev.ferry.admin.tenants.Strategies;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Whether the routing flag's strategies in one environment are rules the router routes from (docs/flag-model.md): the
 * router's own check of a flag document ({@code ClientFeatures.problems}), applied to what the Admin API shows. The
 * router is not a runtime dependency of flags-admin, so the check is here too; {@code FlagShapeTest} holds the two to
 * the same verdicts.
 */
public final class FlagShape {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> PAYLOAD_FIELDS = Set.of("backend", "rule", "deliberate", "reason", "by", "at");

    private FlagShape() {}

    /**
     * @param enabled whether the flag is on in the environment
     * @param strategies its strategies there, in their order
     * @return what is wrong, one sentence each; empty when the router routes from it as flags-admin plans
     */
    public static List<String> problems(String flag, String environment, boolean enabled, List<JsonNode> strategies) {
        List<String> problems = new ArrayList<>();
        int active = 0;
        for (int i = 0; i < strategies.size(); i++) {
            JsonNode strategy = strategies.get(i);
            Rule rule = Strategies.read(strategy, i);
            if (rule.disabled()) {
                continue; // Unleash does not serve it: it decides nothing
            }
            active++;
            String where = "rule #" + (i + 1) + " (" + rule.name() + ")";
            rule.unsupported().forEach(u -> problems.add(where + " uses " + u));
            payloadProblem(strategy.path("variants")).ifPresent(p -> problems.add(where + ": " + p));
            JsonNode parameters = strategy.path("parameters");
            if (rule.percent() < 100 && parameters.path("groupId").asText("").isEmpty()) {
                problems.add(where + " rolls out " + rule.percent() + " % without a groupId (expected: the wave's"
                        + " name, never changed)");
            }
            if (!rule.hasPayload() && rule.tenants() == null && rule.percent() == 100 && rule.startsAt() == null) {
                problems.add(where + " sends EVERY tenant to new, and has no payload: that is the strategy Unleash"
                        + " adds when a flag is turned on without one (expected: rules that name tenants or a"
                        + " percentage; a migration that is done says so with a payload such as"
                        + " {\"backend\": \"new\", \"rule\": \"all\"})");
            }
            if (rule.backend() == dev.ferry.admin.tenants.Backend.LEGACY
                    && !rule.deliberate()
                    && hasTime(strategy.path("constraints"))) {
                problems.add(where + " keeps tenants on legacy from or until a time (expected: no time on a pin; a"
                        + " scheduled move back must be deliberate)");
            }
        }
        if (enabled && active == 0) {
            problems.add("flag " + flag + " is on in " + environment + " without "
                    + (strategies.isEmpty() ? "rules" : "an enabled rule") + ": Unleash sends EVERY tenant to new"
                    + " (expected: at least one rule, such as " + Init.FIRST_RULE
                    + ", the 0 % wave 'flags-admin init' writes, which moves nobody; or the flag off)");
        }
        return problems;
    }

    private static java.util.Optional<String> payloadProblem(JsonNode variants) {
        JsonNode payload = variants.path(0).path("payload");
        if (payload.isMissingNode()
                || payload.isNull()
                || !"json".equals(payload.path("type").asText())) {
            return java.util.Optional.empty(); // none: "new"; another type is named by Strategies.read
        }
        JsonNode node;
        try {
            node = JSON.readTree(payload.path("value").asText(""));
        } catch (JsonProcessingException e) {
            return java.util.Optional.empty(); // named by Strategies.read
        }
        if (node == null || !node.isObject()) {
            return java.util.Optional.empty();
        }
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!PAYLOAD_FIELDS.contains(field)) {
                return java.util.Optional.of(
                        "its payload has unknown field '" + field + "' (expected: " + PAYLOAD_FIELDS + ")");
            }
        }
        String backend = node.path("backend").asText("");
        if (!backend.equalsIgnoreCase("legacy") && !backend.equalsIgnoreCase("new")) {
            return java.util.Optional.of("its payload's backend is '" + backend
                    + "' (expected: legacy or new; the router refuses the flag)");
        }
        if (node.path("deliberate").asBoolean(false) && !backend.equalsIgnoreCase("legacy")) {
            return java.util.Optional.of(
                    "its payload marks a deliberate move to " + backend + " (expected: deliberate only with legacy)");
        }
        return java.util.Optional.empty();
    }

    private static boolean hasTime(JsonNode constraints) {
        for (JsonNode c : constraints) {
            if ("currentTime".equals(c.path("contextName").asText())) {
                return true;
            }
        }
        return false;
    }
}
