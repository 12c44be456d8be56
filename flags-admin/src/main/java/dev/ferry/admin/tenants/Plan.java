package dev.ferry.admin.tenants;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a change does, worked out before anything is written: exactly which tenants move from where to where (now, or
 * later when a rule's start time passes), which rules change, and what the one-way guard refuses.
 *
 * @param operation the change, as a command line would say it
 * @param before the migration as read
 * @param after the migration as it would be written
 * @param now the time the plan was made for
 * @param moves tenants whose backend changes at once
 * @param scheduled tenants whose backend changes later, at their rule's start
 * @param rules what changes in the rules
 * @param refusals what the one-way guard refuses (overridden when {@code breakGlass})
 * @param breakGlass whether the operator overrode the guard ({@code --break-glass --reason})
 * @param notes what else the operator should know (tenants that do not move and why, a flag that is off)
 * @param revision the store's revision after the change was written; null until it is
 */
public record Plan(
        String operation,
        Migration before,
        Migration after,
        Instant now,
        List<Move> moves,
        List<Move> scheduled,
        List<RuleChange> rules,
        List<Refusal> refusals,
        boolean breakGlass,
        List<String> notes,
        String revision) {

    /**
     * One tenant changing backend.
     *
     * @param at when, for a scheduled move; null for a move at once
     */
    public record Move(String tenant, Backend from, String fromRule, Backend to, String toRule, Instant at) {}

    /**
     * One rule changing.
     *
     * @param kind the rule's kind ({@link Rule.Kind#label()}): "list", "wave", "pinned", "moved back"
     * @param change {@code created}, {@code changed} or {@code removed}
     * @param description in words: "+2 tenants (3 → 5): acme, initech", "10 % → 20 %"
     * @param percentBefore the rollout before (null for a new rule), to tell later which tenants a wave took
     * @param percentAfter the rollout after (null for a removed rule)
     * @param groupId what the wave hashes with
     */
    public record RuleChange(
            String rule,
            String kind,
            String change,
            String description,
            Integer percentBefore,
            Integer percentAfter,
            String groupId) {}

    /** What the guard refuses, and the tenants concerned (empty for a wave, whose tenants are not known by name). */
    public record Refusal(Kind kind, List<String> tenants, String message) {
        public enum Kind {
            MOVE_BACK,
            LIST_REMOVAL,
            WAVE_LOWERED,
            WAVE_GROUP_CHANGED,
            WAVE_REMOVED,
            WAVE_DELAYED
        }
    }

    public Plan {
        moves = List.copyOf(moves);
        scheduled = List.copyOf(scheduled);
        rules = List.copyOf(rules);
        refusals = List.copyOf(refusals);
        notes = List.copyOf(notes);
    }

    public Plan withNote(String note) {
        List<String> next = new ArrayList<>(notes);
        next.add(note);
        return new Plan(operation, before, after, now, moves, scheduled, rules, refusals, breakGlass, next, revision);
    }

    public Plan written(String next) {
        return new Plan(operation, before, after, now, moves, scheduled, rules, refusals, breakGlass, notes, next);
    }

    /** Refused: the guard objects and the operator did not break the glass. Nothing is written. */
    public boolean refused() {
        return !refusals.isEmpty() && !breakGlass;
    }

    /** Whether anything would be written. */
    public boolean writes() {
        return !rules.isEmpty();
    }

    /**
     * Works out a plan by evaluating every tenant anybody names (the operation's, and those listed in any rule before
     * or after) under both migrations, now and once every scheduled start has passed.
     */
    public static Plan of(
            String operation,
            Migration before,
            Migration after,
            Set<String> involved,
            Instant now,
            boolean breakGlass,
            List<String> extraNotes) {
        Set<String> tenants = new LinkedHashSet<>(involved);
        tenants.addAll(before.listedTenants());
        tenants.addAll(after.listedTenants());
        List<Move> moves = new ArrayList<>();
        List<Move> scheduled = new ArrayList<>();
        Map<String, List<String>> stays = new LinkedHashMap<>();
        for (String tenant : tenants) {
            Placement b = before.place(tenant, now);
            Placement a = after.place(tenant, now);
            Placement later = after.place(tenant, Migration.EVENTUALLY);
            Placement beforeLater = before.place(tenant, Migration.EVENTUALLY);
            if (b.backend() != a.backend()) {
                moves.add(new Move(tenant, b.backend(), b.ruleName(), a.backend(), a.ruleName(), null));
            } else if (later.backend() != beforeLater.backend() && later.backend() != a.backend()) {
                Instant at = later.rule() == null ? null : later.rule().startsAt();
                scheduled.add(new Move(tenant, a.backend(), a.ruleName(), later.backend(), later.ruleName(), at));
            } else if (involved.contains(tenant)) {
                stays.computeIfAbsent(a.backend().tag() + ": " + a.why(), k -> new ArrayList<>())
                        .add(tenant);
            }
        }
        List<String> notes = new ArrayList<>(extraNotes);
        stays.forEach((where, who) ->
                notes.add((who.size() == 1 ? who.get(0) + " stays on " : who.size() + " tenants stay on ")
                        + where
                        + (who.size() == 1 ? "" : " (" + Text.names(who, 10) + ")")));
        List<RuleChange> changes = ruleChanges(before, after);
        for (RuleChange r : changes) {
            int from = r.percentBefore() == null || r.change().equals("removed") ? 0 : r.percentBefore();
            if (r.kind().equals(Rule.Kind.WAVE.label()) && r.percentAfter() != null && r.percentAfter() > from) {
                notes.add("wave " + r.rule() + " takes the tenants hashed to " + (from + 1) + "-" + r.percentAfter()
                        + " (groupId " + r.groupId() + "), about " + (r.percentAfter() - from) + " % of all tenants,"
                        + " most of them not known by name here; --known-tenants FILE names those of a list");
            }
        }
        if (!after.enabled()) {
            notes.add("the flag is off in this environment: every tenant is on legacy until it is turned on");
        }
        List<Refusal> refusals = OneWayGuard.check(before, after, tenants, now);
        return new Plan(operation, before, after, now, moves, scheduled, changes, refusals, breakGlass, notes, null);
    }

    /** Rule by rule, by name: created, changed, removed. */
    static List<RuleChange> ruleChanges(Migration before, Migration after) {
        Map<String, Rule> old = new LinkedHashMap<>();
        before.rules().forEach(r -> old.putIfAbsent(r.name(), r));
        List<RuleChange> changes = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < after.rules().size(); i++) {
            Rule rule = after.rules().get(i);
            seen.add(rule.name());
            Rule was = old.get(rule.name());
            if (was == null) {
                changes.add(new RuleChange(
                        rule.name(),
                        rule.kind().label(),
                        "created",
                        "created as rule #" + (i + 1) + ": " + rule.shape() + " to "
                                + rule.backend().tag()
                                + (rule.tenants() == null ? "" : " (" + Text.names(rule.tenants(), 10) + ")"),
                        null,
                        rule.percent(),
                        rule.groupId()));
            } else if (!rule.sameRouting(was)) {
                changes.add(new RuleChange(
                        rule.name(),
                        rule.kind().label(),
                        "changed",
                        describe(was, rule),
                        was.percent(),
                        rule.percent(),
                        rule.groupId()));
            }
        }
        for (Rule rule : before.rules()) {
            if (!seen.contains(rule.name())) {
                changes.add(new RuleChange(
                        rule.name(),
                        rule.kind().label(),
                        "removed",
                        "removed (" + rule.shape() + ")",
                        rule.percent(),
                        null,
                        rule.groupId()));
            }
        }
        return changes;
    }

    private static String describe(Rule was, Rule now) {
        List<String> parts = new ArrayList<>();
        if (!Objects.equals(was.tenants(), now.tenants())) {
            Set<String> added = new LinkedHashSet<>(now.tenants() == null ? Set.of() : now.tenants());
            added.removeAll(was.tenants() == null ? Set.of() : was.tenants());
            Set<String> removed = new LinkedHashSet<>(was.tenants() == null ? Set.of() : was.tenants());
            removed.removeAll(now.tenants() == null ? Set.of() : now.tenants());
            int from = was.tenants() == null ? 0 : was.tenants().size();
            int to = now.tenants() == null ? 0 : now.tenants().size();
            if (!added.isEmpty()) {
                parts.add("+" + Text.count(added.size(), "tenant") + " (" + from + " → " + to + "): "
                        + Text.names(added, 10));
            }
            if (!removed.isEmpty()) {
                parts.add("-" + Text.count(removed.size(), "tenant") + " (" + from + " → " + to + "): "
                        + Text.names(removed, 10));
            }
        }
        if (was.percent() != now.percent()) {
            parts.add("rollout " + was.percent() + " % → " + now.percent() + " %");
        }
        if (!Objects.equals(was.groupId(), now.groupId())) {
            parts.add("groupId " + was.groupId() + " → " + now.groupId());
        }
        if (!Objects.equals(was.startsAt(), now.startsAt())) {
            parts.add("start " + (was.startsAt() == null ? "none" : was.startsAt()) + " → "
                    + (now.startsAt() == null ? "none" : now.startsAt()));
        }
        if (was.backend() != now.backend() || was.deliberate() != now.deliberate()) {
            parts.add("backend " + was.backend().tag() + " → " + now.backend().tag());
        }
        return String.join("; ", parts);
    }

    /** Tenants per direction, for a summary line: {"legacy → new": 3}. */
    public Map<String, Integer> summary() {
        Map<String, Integer> counts = new TreeMap<>();
        for (Move m : moves) {
            counts.merge(m.from().tag() + " → " + m.to().tag(), 1, Integer::sum);
        }
        for (Move m : scheduled) {
            counts.merge(m.from().tag() + " → " + m.to().tag() + " (scheduled)", 1, Integer::sum);
        }
        return counts;
    }
}
