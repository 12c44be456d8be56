package dev.ferry.admin.tenants;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** List edits the changes share: add to a rule (creating it in its place), remove from one (dropping it when empty). */
final class Changes {
    private Changes() {}

    /** Adds {@code tenants} to the moved-back rule, created first if missing. */
    static Migration movedBack(Migration m, Set<String> tenants) {
        if (tenants.isEmpty()) {
            return m;
        }
        return added(m, Rule.MOVED_BACK, Rule.Kind.MOVED_BACK, tenants);
    }

    static Migration added(Migration m, String name, Rule.Kind kind, Set<String> tenants) {
        List<Rule> rules = new ArrayList<>(m.rules());
        Rule existing = m.rule(name).orElse(null);
        if (existing == null) {
            boolean deliberate = kind == Rule.Kind.MOVED_BACK;
            rules.add(m.insertionPoint(kind), Rule.list(name, Backend.LEGACY, deliberate, tenants, null));
            return m.withRules(rules);
        }
        if (existing.kind() != kind) {
            throw new BadInputException(
                    "rule " + name + " is a " + existing.kind().label() + " rule (expected: " + kind.label()
                            + "); rename it in Unleash or the flags file");
        }
        Set<String> listed = new LinkedHashSet<>(existing.tenants());
        if (!listed.addAll(tenants)) {
            return m;
        }
        rules.set(rules.indexOf(existing), existing.withTenants(listed));
        return m.withRules(rules);
    }

    /** A rule of its own for tenants moved at a time: {@code <rule>-yyyyMMdd-HHmmss} ({@link Change#datedName}). */
    private static final java.util.regex.Pattern DATED = java.util.regex.Pattern.compile("(.+)-\\d{8}-\\d{6}");

    /**
     * How long after its time a dated rule is folded into the rule it was made beside. Routers hold and check a move
     * for up to an hour after its time (they know it by its rule's start), so a rule is merged only when that is over.
     */
    static final java.time.Duration SETTLED = java.time.Duration.ofHours(1);

    /**
     * Folds dated rules whose time is over an hour past into the rule they were made beside, when that one is in
     * force: a list's tenants join its list, a wave's share becomes its share (the same group, so the same tenants).
     * Nobody changes backend, and Unleash's limit of strategies per flag (30 by default) is not reached by a
     * migration of many scheduled moves.
     */
    static Migration compacted(Migration m, java.time.Instant now) {
        List<Rule> rules = new ArrayList<>(m.rules());
        boolean changed = false;
        for (Rule dated : m.rules()) {
            java.util.regex.Matcher name = DATED.matcher(dated.name());
            if (!name.matches()
                    || dated.startsAt() == null
                    || dated.startsAt().isAfter(now.minus(SETTLED))
                    || dated.backend() != Backend.NEW) {
                continue;
            }
            Rule base = rules.stream()
                    .filter(r -> r.name().equals(name.group(1)))
                    .findFirst()
                    .orElse(null);
            if (base == null
                    || base.kind() != dated.kind()
                    || base.backend() != Backend.NEW
                    || (base.startsAt() != null && base.startsAt().isAfter(now))
                    || rules.indexOf(base) > rules.indexOf(dated)) {
                continue;
            }
            Rule merged;
            if (dated.kind() == Rule.Kind.LIST) {
                Set<String> listed = new LinkedHashSet<>(base.tenants());
                listed.addAll(dated.tenants());
                merged = base.withTenants(listed);
            } else if (dated.kind() == Rule.Kind.WAVE && dated.groupId().equals(base.groupId())) {
                merged = base.withPercent(Math.max(base.percent(), dated.percent()));
            } else {
                continue;
            }
            rules.set(rules.indexOf(base), merged);
            rules.remove(dated);
            changed = true;
        }
        return changed ? m.withRules(rules) : m;
    }

    /** {@code m} without {@code tenants} in rule {@code name}; the rule goes when nobody is left in it. */
    static Migration without(Migration m, String name, Set<String> tenants) {
        Rule existing = m.rule(name).orElse(null);
        if (existing == null || existing.tenants() == null) {
            return m;
        }
        Set<String> listed = new LinkedHashSet<>(existing.tenants());
        if (!listed.removeAll(tenants)) {
            return m;
        }
        List<Rule> rules = new ArrayList<>(m.rules());
        int at = rules.indexOf(existing);
        if (listed.isEmpty()) {
            rules.remove(at);
        } else {
            rules.set(at, existing.withTenants(listed));
        }
        return m.withRules(rules);
    }
}
