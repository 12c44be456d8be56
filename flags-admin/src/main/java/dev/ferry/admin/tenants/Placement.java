package dev.ferry.admin.tenants;

/**
 * Where the flag sends one tenant, and why: the first rule that matches decides.
 *
 * @param backend legacy or new
 * @param rule the rule that decided, or null (no rule matched, or the flag is off)
 * @param why in words: "listed in pilot", "hashed to 7 in wave-1 (rollout 10 %)", "no rule matches"
 */
public record Placement(Backend backend, Rule rule, String why) {
    public String ruleName() {
        return rule == null ? null : rule.name();
    }

    /** Whether the decision is a deliberate move back (the marker the router needs to send a tenant back). */
    public boolean deliberate() {
        return rule != null && rule.deliberate();
    }

    /** "new (pilot)", "legacy (no rule)". */
    public String describe() {
        return backend.tag() + " (" + (rule == null ? "no rule" : rule.name()) + ")";
    }
}
