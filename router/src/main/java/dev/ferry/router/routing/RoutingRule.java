package dev.ferry.router.routing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.exchange.Backend;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;

/**
 * What one strategy of the routing flag does, read from the JSON payload of its single strategy variant (see
 * docs/flag-model.md):
 *
 * <pre>
 *   {"backend": "new",    "rule": "wave-2"}                      an explicit list or a percentage wave
 *   {"backend": "legacy", "rule": "pinned"}                      pinned: out of every wave
 *   {"backend": "legacy", "rule": "moved-back", "deliberate": true}   a deliberate move back (the marker)
 * </pre>
 *
 * @param backend where the rule sends the tenants it matches
 * @param name the rule's name, shown in {@code /routing/tenants/{id}}
 * @param deliberate the marker of a deliberate move back to legacy
 */
public record RoutingRule(Backend backend, String name, boolean deliberate) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("backend", "rule", "deliberate", "reason", "by", "at");

    /**
     * @throws IllegalArgumentException naming what is wrong and what was expected
     */
    public static RoutingRule parse(String payload) {
        JsonNode node;
        try {
            node = JSON.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "payload is not JSON (expected: {\"backend\": \"new\", \"rule\": \"...\"})");
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(
                    "payload is not a JSON object (expected: {\"backend\": \"new\", \"rule\": \"...\"})");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException(
                        "payload has unknown field '" + field + "' (expected: " + FIELDS + ")");
            }
        }
        String backendText = node.path("backend").asText("").toLowerCase(Locale.ROOT);
        Backend backend =
                switch (backendText) {
                    case "legacy" -> Backend.LEGACY;
                    case "new" -> Backend.NEW;
                    default ->
                        throw new IllegalArgumentException("payload backend is '"
                                + node.path("backend").asText("") + "' (expected: legacy or new)");
                };
        JsonNode rule = node.get("rule");
        if (rule != null && !rule.isTextual()) {
            throw new IllegalArgumentException("payload rule is " + rule + " (expected: a name, such as \"wave-2\")");
        }
        JsonNode deliberate = node.get("deliberate");
        if (deliberate != null && !deliberate.isBoolean()) {
            throw new IllegalArgumentException("payload deliberate is " + deliberate + " (expected: true or false)");
        }
        boolean isDeliberate = deliberate != null && deliberate.asBoolean();
        if (isDeliberate && backend != Backend.LEGACY) {
            throw new IllegalArgumentException(
                    "payload marks a deliberate move to " + backend.tag() + " (expected: deliberate only with legacy)");
        }
        return new RoutingRule(backend, rule == null ? null : rule.asText(), isDeliberate);
    }

    /** The reason a decision by this rule carries. */
    public RoutingDecision.Reason reason() {
        if (backend == Backend.NEW) {
            return RoutingDecision.Reason.WAVE;
        }
        return deliberate ? RoutingDecision.Reason.MOVED_BACK : RoutingDecision.Reason.PINNED;
    }
}
