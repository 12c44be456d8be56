package dev.ferry.admin.tenants;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The routing flag of one environment, read as a migration: its rules in order (the first that matches decides), and
 * whether the flag is on. Evaluates a tenant exactly as Unleash does, so that a plan says what the router will do.
 *
 * @param flag the flag's name
 * @param enabled whether the flag is on in the environment (off: every tenant on legacy)
 * @param rules the strategies, in their order
 * @param revision what the store calls this state: a file's digest, Unleash's latest event
 */
public record Migration(String flag, boolean enabled, List<Rule> rules, String revision) {
    /** "Later", for scheduled starts: every start time has passed. */
    public static final Instant EVENTUALLY = Instant.parse("9999-12-31T23:59:59Z");

    public Migration {
        rules = List.copyOf(rules);
    }

    /** Where the flag sends {@code tenant} at {@code now}, and why. */
    public Placement place(String tenant, Instant now) {
        if (!enabled) {
            return new Placement(Backend.LEGACY, null, "the flag is off");
        }
        boolean any = false;
        for (Rule rule : rules) {
            if (rule.disabled()) {
                continue;
            }
            any = true;
            if (rule.matches(tenant, now)) {
                return new Placement(rule.backend(), rule, rule.why(tenant));
            }
        }
        if (!any) {
            // Unleash: an enabled flag without strategies is on for everyone, and on means new without a payload
            return new Placement(Backend.NEW, null, "the flag is on without rules: every tenant goes to new");
        }
        return new Placement(Backend.LEGACY, null, "no rule matches");
    }

    /**
     * @return the rule named {@code name}, if one is
     * @throws BadInputException when two rules have that name (flags-admin could not tell which one to change)
     */
    public Optional<Rule> rule(String name) {
        Rule found = null;
        for (Rule rule : rules) {
            if (rule.name().equals(name) && !rule.disabled()) {
                if (found != null) {
                    throw new BadInputException("two rules of flag " + flag + " are named '" + name
                            + "' (expected: one; rename or remove one in Unleash or the flags file)");
                }
                found = rule;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Every tenant a rule names, in rule order. */
    public Set<String> listedTenants() {
        Set<String> all = new LinkedHashSet<>();
        for (Rule rule : rules) {
            if (rule.tenants() != null) {
                all.addAll(rule.tenants());
            }
        }
        return all;
    }

    /** What flags-admin cannot evaluate, per rule; empty when every rule is one of the model's. */
    public List<String> unsupported() {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rules.get(i);
            if (!rule.unsupported().isEmpty() && !rule.disabled()) {
                problems.add(
                        "rule #" + (i + 1) + " (" + rule.name() + ") uses " + String.join(", ", rule.unsupported()));
            }
        }
        return problems;
    }

    public Migration withRules(List<Rule> next) {
        return new Migration(flag, enabled, next, revision);
    }

    /** Where a new rule of this kind goes: moved-back first, pins after it, lists after the pins, waves last. */
    int insertionPoint(Rule.Kind kind) {
        if (kind == Rule.Kind.MOVED_BACK) {
            return 0;
        }
        int i = 0;
        while (i < rules.size() && leading(rules.get(i), kind)) {
            i++;
        }
        return kind == Rule.Kind.WAVE ? rules.size() : i;
    }

    private static boolean leading(Rule rule, Rule.Kind kind) {
        Rule.Kind k = rule.kind();
        return k == Rule.Kind.MOVED_BACK || (kind == Rule.Kind.LIST && k == Rule.Kind.PINNED);
    }
}
