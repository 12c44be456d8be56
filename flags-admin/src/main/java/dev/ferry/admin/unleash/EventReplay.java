package dev.ferry.admin.unleash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.admin.tenants.HistoryEntry;
import dev.ferry.admin.tenants.Migration;
import dev.ferry.admin.tenants.Plan;
import dev.ferry.admin.tenants.Rule;
import dev.ferry.admin.tenants.StoreUnavailableException;
import dev.ferry.admin.tenants.Strategies;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns Unleash's event log of the flag into the migration's history: the events are replayed, oldest first, into the
 * flag's state in one environment, and each change of state is planned like a change flags-admin makes (which tenants
 * went from where to where). Events that belong to one operation (a new rule, then the new order) become one entry.
 *
 * <p>Who and why come from the payload flags-admin wrote into the changed rules ({@code by}, {@code reason}) when it
 * was written with the event; otherwise from the event's user (a change in the Unleash UI, say).
 */
final class EventReplay {
    /** Events of one operation come within milliseconds of each other; a person's next change takes longer. */
    private static final Duration SAME_OPERATION = Duration.ofSeconds(3);
    /** A payload's {@code at} this close to the event's time was written by that event. */
    private static final Duration STAMP_SKEW = Duration.ofMinutes(2);

    private final String flag;
    private final String environment;
    private final Map<String, ObjectNode> strategies = new LinkedHashMap<>();
    private final Map<String, Integer> sortOrder = new LinkedHashMap<>();
    private boolean enabled;

    private EventReplay(String flag, String environment) {
        this.flag = flag;
        this.environment = environment;
    }

    /** @param events the flag's events, oldest first */
    static List<HistoryEntry> entries(List<JsonNode> events, String flag, String environment) {
        return new EventReplay(flag, environment).replay(events);
    }

    private static Instant createdAt(JsonNode event) {
        String text = event.path("createdAt").asText("");
        try {
            return Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            throw new StoreUnavailableException(
                    "Unleash event " + event.path("id").asText("?") + " has createdAt '" + text
                            + "' (expected: an ISO-8601 instant such as 2026-11-21T22:09:39.244Z)");
        }
    }

    private List<HistoryEntry> replay(List<JsonNode> events) {
        List<HistoryEntry> entries = new ArrayList<>();
        Group group = null;
        for (JsonNode event : events) {
            Migration before = migration();
            if (!apply(event)) {
                continue;
            }
            Instant at = createdAt(event);
            String user = event.path("createdBy").asText("unknown");
            Rule stamped = stamped(event, at);
            String stamp = stamped == null
                    ? null
                    : stamped.stamp().by() + "@" + stamped.stamp().at();
            // An operation's events carry its stamp, or none (a new order, a removal); a stamp starts a new entry
            boolean joins = group != null
                    && group.user.equals(user)
                    && Duration.between(group.last, at).compareTo(SAME_OPERATION) <= 0
                    && (stamp == null || stamp.equals(group.stamp));
            if (!joins) {
                if (group != null) {
                    group.entry().ifPresent(entries::add);
                }
                group = new Group(before, at, user);
            }
            group.add(event, at, stamped);
            group.after = migration();
        }
        if (group != null) {
            group.entry().ifPresent(entries::add);
        }
        return entries;
    }

    /** The rule an event wrote, when flags-admin stamped it with this very event (an older stamp is not this one's). */
    private static Rule stamped(JsonNode event, Instant at) {
        JsonNode data = event.path("data");
        if (!data.isObject() || !data.has("parameters")) {
            return null;
        }
        Rule rule = Strategies.read(data, 0);
        Instant stamp = rule.stamp().at();
        if (stamp == null || Duration.between(stamp, at).abs().compareTo(STAMP_SKEW) > 0) {
            return null;
        }
        return rule;
    }

    /** @return whether the event changed the flag in this environment */
    private boolean apply(JsonNode event) {
        String type = event.path("type").asText();
        if (!environment.equals(event.path("environment").asText(null))) {
            return false;
        }
        switch (type) {
            case "feature-strategy-add", "feature-strategy-update" -> {
                if (!(event.path("data") instanceof ObjectNode data) || !data.hasNonNull("id")) {
                    throw new StoreUnavailableException("Unleash event "
                            + event.path("id").asText("?") + " ("
                            + type + ") has no strategy in 'data' (expected: the strategy with its id, as Unleash"
                            + " logs it)");
                }
                String id = data.path("id").asText();
                strategies.put(id, data);
                if (data.has("sortOrder")) {
                    sortOrder.put(id, data.path("sortOrder").asInt());
                } else {
                    sortOrder.putIfAbsent(id, strategies.size());
                }
            }
            case "feature-strategy-remove" -> {
                String id = event.path("preData").path("id").asText();
                strategies.remove(id);
                sortOrder.remove(id);
            }
            case "strategy-order-changed" -> {
                JsonNode ids = event.path("data").path("strategyIds");
                for (int i = 0; i < ids.size(); i++) {
                    sortOrder.put(ids.get(i).asText(), i);
                }
            }
            case "feature-environment-enabled" -> enabled = true;
            case "feature-environment-disabled" -> enabled = false;
            default -> {
                return false;
            }
        }
        return true;
    }

    private Migration migration() {
        List<String> ids = new ArrayList<>(strategies.keySet());
        ids.sort(Comparator.comparingInt(id -> sortOrder.getOrDefault(id, Integer.MAX_VALUE)));
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            rules.add(Strategies.read(strategies.get(ids.get(i)), i));
        }
        return new Migration(flag, enabled, rules, null);
    }

    /** The events of one operation. */
    private static final class Group {
        private final Migration before;
        private final Instant first;
        private final String user;
        private Migration after;
        private Instant last;
        private String stamp;
        private Rule stamped;
        private long lastId;

        Group(Migration before, Instant first, String user) {
            this.before = before;
            this.first = first;
            this.last = first;
            this.user = user;
        }

        void add(JsonNode event, Instant at, Rule rule) {
            last = at;
            lastId = event.path("id").asLong();
            if (rule != null) {
                stamp = rule.stamp().by() + "@" + rule.stamp().at();
                stamped = rule;
            }
        }

        java.util.Optional<HistoryEntry> entry() {
            Plan plan = Plan.of("", before, after, Set.of(), last, false, List.of());
            List<Plan.Move> moves = new ArrayList<>(plan.moves());
            moves.addAll(plan.scheduled());
            List<Plan.RuleChange> rules = new ArrayList<>(plan.rules());
            if (before.enabled() != after.enabled()) {
                rules.add(new Plan.RuleChange(
                        "(flag)", "flag", "changed", after.enabled() ? "turned on" : "turned off", null, null, null));
            }
            if (moves.isEmpty() && rules.isEmpty()) {
                return java.util.Optional.empty();
            }
            List<String> summary = new ArrayList<>();
            rules.forEach(r -> summary.add(r.rule() + ": " + r.description()));
            String by = stamped != null && stamped.stamp().by() != null
                    ? stamped.stamp().by()
                    : user;
            String reason = stamped == null ? null : stamped.stamp().reason();
            return java.util.Optional.of(new HistoryEntry(
                    first,
                    Objects.equals(by, user) ? by : by + " (Unleash user " + user + ")",
                    reason,
                    String.join("; ", summary),
                    "event " + lastId,
                    moves,
                    rules));
        }
    }
}
