package dev.ferry.admin.tenants;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A change an operator asks for, as a pure function from one migration to the next. It says what the operator wants;
 * {@link Plan} says what it does, and {@link OneWayGuard} whether it may.
 */
public sealed interface Change {
    /** The change as a command line says it, for plans and the audit trail. */
    String describe();

    /** The tenants the operator named (empty for a wave). */
    Set<String> tenants();

    /**
     * @throws BadInputException when the change cannot apply to this migration (a rule of the wrong kind)
     */
    Migration apply(Migration migration, Instant now);

    /** The list rule a move to new goes to when the operator names none. */
    String DEFAULT_RULE = "pilot";

    /**
     * A move as an operator asks for it, whichever front end: the one place that decides its defaults and what may be
     * combined. To new: the rule named, or {@link #DEFAULT_RULE} when none is; a blank name is a mistake (an empty
     * variable in a script), not a request for the default; at the fleet-safe time of {@code schedule} unless it says
     * otherwise. To legacy: neither a rule nor a start, because tenants go back through the moved-back rule, at once
     * (a deliberate move back is break-glass).
     *
     * @param rule the rule named, or null
     * @param schedule when, as the operator asked
     * @param fields how the front end spells the rule and the schedule ({@code --rule}, {@code 'rule'}), for messages
     */
    static Change move(Set<String> tenants, Backend to, String rule, Schedule schedule, MoveFields fields) {
        if (to == Backend.LEGACY) {
            if (rule != null || schedule.startsAt() != null) {
                throw new BadInputException("to legacy with " + fields.rule() + " or "
                        + fields.schedule().startsAt()
                        + " (expected: neither; tenants go back through the moved-back rule, at once)");
            }
            return new MoveBack(tenants);
        }
        if (rule != null && rule.isBlank()) {
            throw new BadInputException(fields.rule() + " is blank (expected: a rule name such as " + DEFAULT_RULE
                    + ", or none for " + DEFAULT_RULE + ")");
        }
        return new MoveToNew(tenants, rule == null ? DEFAULT_RULE : rule.strip(), schedule.start(fields.schedule()));
    }

    /**
     * A percentage wave as an operator asks for it, whichever front end: created or raised at the fleet-safe time of
     * {@code schedule} unless it says otherwise.
     */
    static Change wave(
            String name, int percent, String groupId, Schedule schedule, Set<String> known, Schedule.Fields fields) {
        return new Wave(name, percent, groupId, schedule.startsAt(), schedule.start(fields), known);
    }

    /** How a front end names a move's options in its messages. */
    record MoveFields(String rule, Schedule.Fields schedule) {}

    /** The instant this change's moves take effect, or null when at once (or when it moves nobody to new). */
    default Instant at() {
        return null;
    }

    /**
     * The rule a move at {@code at} adds to when {@code existing} has another start (or none: it is in force): a rule
     * of its own, named after the existing one and the time, so that the tenants already there do not move again and
     * the new ones move at {@code at}.
     */
    static String datedName(String rule, Instant at) {
        String stamp = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .withZone(java.time.ZoneOffset.UTC)
                .format(at);
        String base = rule.length() > 48 ? rule.substring(0, 48) : rule;
        return base + "-" + stamp;
    }

    /**
     * Adds tenants to a list rule to new, created after the pins if missing (with {@code startsAt}, a scheduled
     * start). Tenants in the moved-back rule leave it: moving them to new again is a move forward.
     */
    record MoveToNew(Set<String> tenants, String rule, Instant startsAt) implements Change {
        public MoveToNew {
            tenants = Collections.unmodifiableSet(new LinkedHashSet<>(tenants));
            Rule.checkName(rule);
        }

        @Override
        public String describe() {
            return "move " + Text.names(tenants, 5) + " --to new --rule " + rule
                    + (startsAt == null ? " --immediate" : " --starts-at " + Strategies.formatTime(startsAt));
        }

        @Override
        public Instant at() {
            return startsAt;
        }

        @Override
        public Migration apply(Migration m, Instant now) {
            if (rule.equals(Rule.MOVED_BACK) || rule.equals(Rule.PINNED)) {
                throw new BadInputException(
                        "--rule " + rule + " (expected: a list to new; " + rule + " keeps tenants on legacy)");
            }
            m = Changes.compacted(m, now);
            List<Rule> rules = new ArrayList<>(m.rules());
            Rule existing = m.rule(rule).orElse(null);
            if (existing == null) {
                int at = m.insertionPoint(Rule.Kind.LIST);
                rules.add(at, Rule.list(rule, Backend.NEW, false, tenants, startsAt));
            } else {
                if (existing.kind() != Rule.Kind.LIST) {
                    throw new BadInputException("rule " + rule + " is a "
                            + existing.kind().label() + " rule to "
                            + existing.backend().tag() + " (expected: --rule naming a list of tenants to new, or a"
                            + " new name)");
                }
                if (startsAt != null && !startsAt.equals(existing.startsAt())) {
                    // The rule is in force (or starts at another time): these tenants get a rule of their own that
                    // starts at their time, right after it; the tenants already listed do not move again.
                    String dated = datedName(rule, startsAt);
                    Rule same = m.rule(dated).orElse(null);
                    if (same != null && same.kind() == Rule.Kind.LIST && startsAt.equals(same.startsAt())) {
                        Set<String> listed = new LinkedHashSet<>(same.tenants());
                        listed.addAll(tenants);
                        rules.set(rules.indexOf(same), same.withTenants(listed));
                    } else {
                        rules.add(rules.indexOf(existing) + 1, Rule.list(dated, Backend.NEW, false, tenants, startsAt));
                    }
                    return Changes.without(m.withRules(rules), Rule.MOVED_BACK, tenants);
                }
                Set<String> listed = new LinkedHashSet<>(existing.tenants());
                listed.addAll(tenants);
                rules.set(rules.indexOf(existing), existing.withTenants(listed));
            }
            return Changes.without(m.withRules(rules), Rule.MOVED_BACK, tenants);
        }
    }

    /** Adds tenants on new to the moved-back rule (created first if missing): the deliberate way back. */
    record MoveBack(Set<String> tenants) implements Change {
        public MoveBack {
            tenants = Collections.unmodifiableSet(new LinkedHashSet<>(tenants));
        }

        @Override
        public String describe() {
            return "move " + Text.names(tenants, 5) + " --to legacy";
        }

        @Override
        public Migration apply(Migration m, Instant now) {
            Set<String> onNew = new LinkedHashSet<>();
            for (String t : tenants) {
                if (m.place(t, now).backend() == Backend.NEW
                        || m.place(t, Migration.EVENTUALLY).backend() == Backend.NEW) {
                    onNew.add(t);
                }
            }
            return Changes.movedBack(m, onNew);
        }
    }

    /**
     * Creates a percentage wave to new, or raises one. Waves sit after every other rule.
     *
     * @param known tenants to list by name in the plan (a wave's own tenants are not known by name)
     */
    record Wave(String name, int percent, String groupId, Instant startsAt, Instant at, Set<String> known)
            implements Change {
        /** An immediate wave, or one at the start named: as before a fleet-safe time was chosen for it. */
        public Wave(String name, int percent, String groupId, Instant startsAt, Set<String> known) {
            this(name, percent, groupId, startsAt, startsAt, known);
        }

        public Wave {
            known = known == null ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(known));
            Rule.checkName(name);
            if (groupId != null) {
                Rule.checkName(groupId);
            }
            if (percent < 0 || percent > 100) {
                throw new BadInputException("--percent " + percent + " (expected: 0 to 100)");
            }
        }

        @Override
        public Set<String> tenants() {
            return known;
        }

        @Override
        public String describe() {
            return "wave " + name + " --percent " + percent + (groupId == null ? "" : " --group-id " + groupId)
                    + (at == null ? " --immediate" : " --starts-at " + Strategies.formatTime(at));
        }

        @Override
        public Instant at() {
            return at;
        }

        @Override
        public Migration apply(Migration m, Instant now) {
            m = Changes.compacted(m, now);
            List<Rule> rules = new ArrayList<>(m.rules());
            Rule existing = m.rule(name).orElse(null);
            if (existing == null) {
                rules.add(
                        m.insertionPoint(Rule.Kind.WAVE),
                        Rule.wave(name, percent, groupId == null ? name : groupId, at));
                return m.withRules(rules);
            }
            if (existing.kind() != Rule.Kind.WAVE) {
                throw new BadInputException("rule " + name + " is a "
                        + existing.kind().label() + " rule (expected: a" + " percentage wave, or a new name)");
            }
            boolean sameGroup = groupId == null || groupId.equals(existing.groupId());
            if (at != null && percent > existing.percent() && sameGroup && !at.equals(existing.startsAt())) {
                // A raise at its own time: a wave of the same group at the higher share, starting then, right after
                // the one in force. The same hash decides both, so the tenants already moved stay, and the others up
                // to the new share move at that time.
                rules.add(rules.indexOf(existing) + 1, Rule.wave(datedName(name, at), percent, existing.groupId(), at));
                return m.withRules(rules);
            }
            Rule next = existing.withPercent(percent);
            if (groupId != null) {
                next = next.withGroupId(groupId);
            }
            if (startsAt != null) {
                next = next.withStartsAt(startsAt);
            }
            rules.set(rules.indexOf(existing), next);
            return m.withRules(rules);
        }
    }

    /** Pins tenants to legacy: the pinned rule, before every list and wave. */
    record Pin(Set<String> tenants) implements Change {
        public Pin {
            tenants = Collections.unmodifiableSet(new LinkedHashSet<>(tenants));
        }

        @Override
        public String describe() {
            return "pin " + Text.names(tenants, 5) + " --legacy";
        }

        @Override
        public Migration apply(Migration m, Instant now) {
            return Changes.added(m, Rule.PINNED, Rule.Kind.PINNED, tenants);
        }
    }

    /**
     * Removes tenants from a list rule ({@code pinned} unpins them; {@code moved-back} lets them follow the other
     * rules again). A list left empty is removed: Unleash does not store an empty {@code IN}.
     */
    record Remove(Set<String> tenants, String rule) implements Change {
        public Remove {
            tenants = Collections.unmodifiableSet(new LinkedHashSet<>(tenants));
            Rule.checkName(rule);
        }

        @Override
        public String describe() {
            return "remove " + Text.names(tenants, 5) + " --rule " + rule;
        }

        @Override
        public Migration apply(Migration m, Instant now) {
            Rule existing = m.rule(rule)
                    .orElseThrow(() -> new BadInputException("rule " + rule + " does not exist in flag " + m.flag()
                            + " (expected: one of " + names(m) + ")"));
            if (existing.tenants() == null) {
                throw new BadInputException("rule " + rule + " is a "
                        + existing.kind().label() + " rule without a list (expected: a rule that lists tenants)");
            }
            return Changes.without(m, rule, tenants);
        }

        private static String names(Migration m) {
            List<String> names = new ArrayList<>();
            m.rules().forEach(r -> names.add(r.name()));
            return names.isEmpty() ? "none, the flag has no rules" : String.join(", ", names);
        }
    }
}
