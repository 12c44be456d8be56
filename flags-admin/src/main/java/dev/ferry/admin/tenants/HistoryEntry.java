package dev.ferry.admin.tenants;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One change of the migration, in migration terms: who, when, why, which tenants went from where to where.
 *
 * @param at when it was written
 * @param by who wrote it (the operator flags-admin stamped, else the Unleash user)
 * @param reason why, when given
 * @param operation the command, when flags-admin wrote it into a flags file; a summary of the rule changes otherwise
 * @param revision the store's revision after the change (a file digest, an Unleash event id)
 * @param moves tenants that changed backend (scheduled ones carry their time)
 * @param rules how the rules changed
 */
public record HistoryEntry(
        Instant at,
        String by,
        String reason,
        String operation,
        String revision,
        List<Plan.Move> moves,
        List<Plan.RuleChange> rules) {

    public HistoryEntry {
        moves = List.copyOf(moves);
        rules = List.copyOf(rules);
    }

    static HistoryEntry of(Plan plan, Stamp stamp) {
        List<Plan.Move> all = new ArrayList<>(plan.moves());
        all.addAll(plan.scheduled());
        return new HistoryEntry(stamp.at(), stamp.by(), stamp.reason(), plan.operation(), null, all, plan.rules());
    }

    public HistoryEntry withRevision(String next) {
        return new HistoryEntry(at, by, reason, operation, next, moves, rules);
    }

    /**
     * Whether this change moved {@code tenant} to {@code backend}: by name, or through a wave that took it.
     *
     * @param wave the wave to look at (the one that decides for the tenant), or null for any wave
     */
    public boolean moved(String tenant, Backend backend, String wave) {
        for (Plan.Move m : moves) {
            if (m.tenant().equals(tenant) && m.to() == backend) {
                return true;
            }
        }
        if (backend != Backend.NEW) {
            return false;
        }
        for (Plan.RuleChange r : rules) {
            if (r.kind().equals(Rule.Kind.WAVE.label())
                    && (wave == null || wave.equals(r.rule()))
                    && r.percentAfter() != null
                    && r.groupId() != null) {
                int hash = WaveHash.normalized(r.groupId(), tenant);
                int from = r.percentBefore() == null ? 0 : r.percentBefore();
                if (hash > from && hash <= r.percentAfter()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The entry as one JSON object: a line of the audit file, an element of {@code history --json}. */
    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.put("at", at == null ? null : at.toString());
        o.put("by", by);
        o.put("reason", reason);
        o.put("operation", operation);
        o.put("revision", revision);
        ArrayNode ms = o.putArray("moves");
        for (Plan.Move m : moves) {
            ms.add(moveJson(m));
        }
        ArrayNode rs = o.putArray("rules");
        for (Plan.RuleChange r : rules) {
            rs.addObject()
                    .put("rule", r.rule())
                    .put("kind", r.kind())
                    .put("change", r.change())
                    .put("description", r.description())
                    .put("percentBefore", r.percentBefore())
                    .put("percentAfter", r.percentAfter())
                    .put("groupId", r.groupId());
        }
        return o;
    }

    public static ObjectNode moveJson(Plan.Move m) {
        return JsonNodeFactory.instance
                .objectNode()
                .put("tenant", m.tenant())
                .put("from", m.from().tag())
                .put("fromRule", m.fromRule())
                .put("to", m.to().tag())
                .put("toRule", m.toRule())
                .put("at", m.at() == null ? null : m.at().toString());
    }

    /**
     * @throws IllegalArgumentException when a field is missing or malformed
     */
    public static HistoryEntry fromJson(JsonNode o) {
        List<Plan.Move> moves = new ArrayList<>();
        for (JsonNode m : o.path("moves")) {
            moves.add(new Plan.Move(
                    m.path("tenant").asText(),
                    Backend.of(m.path("from").asText()),
                    text(m, "fromRule"),
                    Backend.of(m.path("to").asText()),
                    text(m, "toRule"),
                    time(m, "at")));
        }
        List<Plan.RuleChange> rules = new ArrayList<>();
        for (JsonNode r : o.path("rules")) {
            rules.add(new Plan.RuleChange(
                    text(r, "rule"),
                    text(r, "kind"),
                    text(r, "change"),
                    text(r, "description"),
                    number(r, "percentBefore"),
                    number(r, "percentAfter"),
                    text(r, "groupId")));
        }
        return new HistoryEntry(
                time(o, "at"),
                text(o, "by"),
                text(o, "reason"),
                text(o, "operation"),
                text(o, "revision"),
                moves,
                rules);
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Integer number(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asInt();
    }

    private static Instant time(JsonNode o, String field) {
        String v = text(o, field);
        return v == null ? null : Instant.parse(v);
    }
}
