package dev.ferry.router.routing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.router.exchange.Backend;
import io.getunleash.engine.UnleashEngine;
import io.getunleash.engine.YggdrasilInvalidInputException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Checks a document in the Unleash client-features format (the body of {@code GET /api/client/features}) before the
 * SDK sees it. The SDK ignores some broken documents without a word (no {@code "version"}: every flag false), which
 * would send every tenant to legacy; here they are refused with what is wrong, and the last good state stays.
 */
public final class ClientFeatures {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> OPERATORS = Set.of(
            "IN",
            "NOT_IN",
            "STR_CONTAINS",
            "STR_STARTS_WITH",
            "STR_ENDS_WITH",
            "NUM_EQ",
            "NUM_GT",
            "NUM_GTE",
            "NUM_LT",
            "NUM_LTE",
            "DATE_AFTER",
            "DATE_BEFORE",
            "SEMVER_EQ",
            "SEMVER_GT",
            "SEMVER_LT");

    private ClientFeatures() {}

    /** @return what is wrong with the document, empty when the SDK can take it */
    public static List<String> problems(String json) {
        return problems(json, null);
    }

    /**
     * @param routingFlag the routing flag, whose rule payloads are checked too, or null
     * @return what is wrong with the document, empty when Ferry can route from it
     */
    public static List<String> problems(String json, String routingFlag) {
        List<String> problems = new ArrayList<>();
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            problems.add("not valid JSON at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
            return problems;
        }
        if (root == null || !root.isObject()) {
            problems.add("the document is not a JSON object (expected: {\"version\": 2, \"features\": [...]},"
                    + " the body of GET /api/client/features)");
            return problems;
        }
        JsonNode version = root.get("version");
        if (version == null || !version.isInt() || version.asInt() < 1) {
            problems.add("'version' is " + (version == null ? "missing" : version.toString())
                    + " (expected: 2, as in GET /api/client/features; without it Unleash ignores the whole file)");
        }
        JsonNode features = root.get("features");
        if (features == null || !features.isArray()) {
            problems.add(
                    "'features' is " + (features == null ? "missing" : "not a list") + " (expected: a list of flags)");
            return problems;
        }
        for (int i = 0; i < features.size(); i++) {
            checkFeature(features.get(i), "features[" + i + "]", problems);
            if (routingFlag != null
                    && routingFlag.equals(features.get(i).path("name").asText(null))) {
                checkRules(features.get(i), "features[" + i + "] ('" + routingFlag + "')", problems);
            }
        }
        if (problems.isEmpty()) {
            checkWithEngine(json, problems);
        }
        return problems;
    }

    private static void checkFeature(JsonNode feature, String where, List<String> problems) {
        if (!feature.isObject()) {
            problems.add(
                    where + " is not an object (expected: {\"name\": ..., \"enabled\": ..., \"strategies\": [...]})");
            return;
        }
        JsonNode name = feature.get("name");
        String label = name != null && name.isTextual() ? where + " ('" + name.asText() + "')" : where;
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            problems.add(where + ".name is missing or not text (expected: the flag's name)");
        }
        JsonNode enabled = feature.get("enabled");
        if (enabled == null || !enabled.isBoolean()) {
            problems.add(label + ".enabled is " + (enabled == null ? "missing" : enabled.toString())
                    + " (expected: true or false)");
        }
        JsonNode strategies = feature.get("strategies");
        if (strategies == null || !strategies.isArray()) {
            problems.add(label + ".strategies is missing or not a list (expected: a list, possibly empty)");
            return;
        }
        for (int s = 0; s < strategies.size(); s++) {
            checkStrategy(strategies.get(s), label + ".strategies[" + s + "]", problems);
        }
    }

    private static void checkStrategy(JsonNode strategy, String where, List<String> problems) {
        if (!strategy.isObject() || !strategy.path("name").isTextual()) {
            problems.add(where + " has no 'name' (expected: a strategy such as flexibleRollout or default)");
            return;
        }
        JsonNode parameters = strategy.get("parameters");
        if (parameters != null && !parameters.isNull()) {
            if (!parameters.isObject()) {
                problems.add(where + ".parameters is not an object (expected: {\"rollout\": \"100\", ...})");
            } else {
                parameters.fields().forEachRemaining(p -> {
                    if (!p.getValue().isTextual()) {
                        problems.add(where + ".parameters." + p.getKey() + " is " + p.getValue()
                                + " (expected: a string, such as \"100\")");
                    }
                });
            }
        }
        JsonNode constraints = strategy.get("constraints");
        if (constraints == null || constraints.isNull()) {
            return;
        }
        if (!constraints.isArray()) {
            problems.add(where + ".constraints is not a list");
            return;
        }
        for (int c = 0; c < constraints.size(); c++) {
            JsonNode constraint = constraints.get(c);
            String at = where + ".constraints[" + c + "]";
            if (!constraint.path("contextName").isTextual()) {
                problems.add(at + ".contextName is missing (expected: a context field such as tenantId)");
            }
            String operator = constraint.path("operator").asText("");
            if (!OPERATORS.contains(operator)) {
                problems.add(at + ".operator is '" + operator + "' (expected: one of IN, NOT_IN, STR_*, NUM_*, DATE_*,"
                        + " SEMVER_*)");
            }
            if (operator.startsWith("DATE_")
                    && !constraint
                            .path("value")
                            .asText("")
                            .matches(
                                    "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2})")) {
                problems.add(
                        at + ".value is '" + constraint.path("value").asText("") + "' (expected: an ISO-8601 time"
                                + " with at most milliseconds, such as 2026-12-01T02:00:00.000Z; Unleash never matches others)");
            }
            JsonNode values = constraint.get("values");
            if (values != null && !values.isNull()) {
                if (!values.isArray()) {
                    problems.add(at + ".values is not a list (expected: a list of strings)");
                } else {
                    for (JsonNode v : values) {
                        if (!v.isTextual()) {
                            problems.add(at + ".values has " + v + " (expected: strings only, such as \"acme\")");
                            break;
                        }
                    }
                }
            }
        }
    }

    /**
     * The routing flag must decide by tenant, the same way on every instance and every time: only
     * {@code flexibleRollout} (sticky on {@code tenantId} below 100 %) and {@code default}; one variant per rule, its
     * payload a {@link RoutingRule}; moves to new never end at a time, and pins never start or end at one (that would
     * move tenants back without the marker).
     */
    private static void checkRules(JsonNode feature, String where, List<String> problems) {
        checkPayloads(feature.path("variants"), where + ".variants", problems);
        if (feature.path("variants").size() > 1) {
            problems.add(where + ".variants has " + feature.path("variants").size()
                    + " flag variants (expected: at most one; rules carry their payload on their strategy)");
        }
        JsonNode strategies = feature.path("strategies");
        if (!strategies.isArray()) {
            return; // named by checkFeature
        }
        for (int s = 0; s < strategies.size(); s++) {
            JsonNode variants = strategies.get(s).path("variants");
            String at = where + ".strategies[" + s + "]";
            checkDecidesByTenant(strategies.get(s), at, problems);
            if (!sendsToNew(variants)
                    && !deliberate(variants)
                    && hasTime(strategies.get(s).path("constraints"))) {
                problems.add(at + " keeps tenants on legacy from or until a time (expected: no time on a pin; a"
                        + " scheduled move back must be deliberate)");
            }
            if (variants.size() > 1) {
                problems.add(at + " has " + variants.size() + " variants (expected: at most one, the rule's payload)");
            }
            checkPayloads(variants, at + ".variants", problems);
            if (sendsToNew(variants) && endsAtATime(strategies.get(s).path("constraints"))) {
                problems.add(at + " sends tenants to new until a time (expected: moves to new are one-way; schedule"
                        + " the start with currentTime DATE_AFTER, never an end with DATE_BEFORE)");
            }
        }
    }

    private static void checkDecidesByTenant(JsonNode strategy, String at, List<String> problems) {
        String name = strategy.path("name").asText();
        if (!name.equals("flexibleRollout") && !name.equals("default")) {
            problems.add(at + " is '" + name + "' (expected: flexibleRollout or default; other strategies do not decide"
                    + " by tenant and could send one tenant to both backends)");
            return;
        }
        JsonNode parameters = strategy.path("parameters");
        String rollout = parameters.path("rollout").asText("100");
        if (name.equals("flexibleRollout") && !rollout.equals("100")) {
            if (!"tenantId".equals(parameters.path("stickiness").asText())) {
                problems.add(at + " rolls out " + rollout + " % with stickiness '"
                        + parameters.path("stickiness").asText()
                        + "' (expected: stickiness tenantId, so that a tenant always lands on the same side)");
            }
            if (parameters.path("groupId").asText("").isEmpty()) {
                problems.add(at + " rolls out " + rollout + " % without a groupId (expected: the wave's name, never"
                        + " changed)");
            }
        }
    }

    /** The first variant's payload, or null: in a hostile document {@code variants} may be anything. */
    private static JsonNode firstPayload(JsonNode variants) {
        JsonNode payload = variants.isArray() ? variants.path(0).path("payload") : null;
        return payload == null || payload.isMissingNode() || payload.isNull() ? null : payload;
    }

    private static boolean deliberate(JsonNode variants) {
        JsonNode payload = firstPayload(variants);
        if (payload == null) {
            return false;
        }
        try {
            return RoutingRule.parse(payload.path("value").asText()).deliberate();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean hasTime(JsonNode constraints) {
        for (JsonNode c : constraints) {
            if ("currentTime".equals(c.path("contextName").asText())) {
                return true;
            }
        }
        return false;
    }

    private static boolean sendsToNew(JsonNode variants) {
        JsonNode payload = firstPayload(variants);
        if (payload == null) {
            return true;
        }
        try {
            return RoutingRule.parse(payload.path("value").asText()).backend() == Backend.NEW;
        } catch (IllegalArgumentException e) {
            return false; // reported by checkPayloads
        }
    }

    private static boolean endsAtATime(JsonNode constraints) {
        for (JsonNode c : constraints) {
            if (!"currentTime".equals(c.path("contextName").asText())) {
                continue;
            }
            String operator = c.path("operator").asText();
            boolean inverted = c.path("inverted").asBoolean(false);
            if (operator.equals("DATE_BEFORE") != inverted) {
                return true;
            }
        }
        return false;
    }

    private static void checkPayloads(JsonNode variants, String where, List<String> problems) {
        if (!variants.isMissingNode() && !variants.isNull() && !variants.isArray()) {
            problems.add(where + " is not a list (expected: a list of at most one variant)");
            return;
        }
        for (int v = 0; v < variants.size(); v++) {
            JsonNode payload = variants.get(v).path("payload");
            if (payload.isMissingNode() || payload.isNull()) {
                continue;
            }
            String at = where + "[" + v + "].payload";
            if (!"json".equals(payload.path("type").asText())) {
                problems.add(at + ".type is '" + payload.path("type").asText() + "' (expected: json)");
                continue;
            }
            try {
                RoutingRule.parse(payload.path("value").asText());
            } catch (IllegalArgumentException e) {
                problems.add(at + ": " + e.getMessage());
            }
        }
    }

    private static void checkWithEngine(String json, List<String> problems) {
        try {
            new UnleashEngine().takeState(json);
        } catch (YggdrasilInvalidInputException | RuntimeException e) {
            problems.add("the Unleash engine refused the document: " + e.getMessage());
        }
    }

    /**
     * The routing flag's own definition (and the document's segments, which its strategies may use), as text: two
     * documents that differ only in other flags route every tenant the same way. Null when the flag is absent.
     */
    public static String flagDefinition(String json, String flagName) {
        try {
            JsonNode root = JSON.readTree(json);
            for (JsonNode feature : root.path("features")) {
                if (flagName.equals(feature.path("name").asText(null))) {
                    return feature.toString() + root.path("segments").toString();
                }
            }
            return null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** Whether the document has a flag of this name and it is enabled. */
    public static boolean enabled(String json, String flagName) {
        try {
            for (JsonNode feature : JSON.readTree(json).path("features")) {
                if (flagName.equals(feature.path("name").asText(null))) {
                    return feature.path("enabled").asBoolean(false);
                }
            }
        } catch (JsonProcessingException e) {
            // a document that reached this point was checked already
        }
        return false;
    }

    /** {@code meta.revisionId} when the document has one (a server's), else a digest of its text. */
    public static String revision(String json) {
        try {
            JsonNode revision = JSON.readTree(json).path("meta").path("revisionId");
            if (revision.isNumber() || revision.isTextual()) {
                return revision.asText();
            }
        } catch (JsonProcessingException e) {
            // a document that reached this point was checked already; fall through to the digest
        }
        return "sha256:" + digest(json).substring(0, 12);
    }

    static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
