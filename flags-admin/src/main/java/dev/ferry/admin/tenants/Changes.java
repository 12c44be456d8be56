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
