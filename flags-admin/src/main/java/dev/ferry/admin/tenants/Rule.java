package dev.ferry.admin.tenants;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One strategy of the routing flag, read as a rule (docs/flag-model.md): which tenants it matches (a list, a
 * percentage sticky on {@code tenantId}, from a start time) and where it sends them (its variant's payload).
 *
 * @param id the Unleash strategy id; null in a flags file and for a rule not written yet
 * @param name the rule's name (payload {@code rule}, else the variant's name, else the groupId)
 * @param backend where it sends the tenants it matches
 * @param deliberate the marker of a deliberate move back to legacy
 * @param tenants the tenants of its {@code tenantId IN [...]} constraint, in their order; null when it has none
 * @param percent its rollout, 0 to 100
 * @param groupId what a percentage is hashed with
 * @param startsAt its {@code currentTime DATE_AFTER} start, or null
 * @param stamp who last changed it, when and why, from its payload (fields may be null)
 * @param hasPayload whether it carries a payload (one without sends its tenants to new)
 * @param disabled disabled in Unleash: not evaluated, kept as it is
 * @param unsupported what flags-admin cannot evaluate in it (other constraints, segments, other strategies)
 * @param strategy the strategy as read, so that what flags-admin does not manage is written back untouched; null for
 *     a new rule
 */
public record Rule(
        String id,
        String name,
        Backend backend,
        boolean deliberate,
        Set<String> tenants,
        int percent,
        String groupId,
        Instant startsAt,
        Stamp stamp,
        boolean hasPayload,
        boolean disabled,
        List<String> unsupported,
        ObjectNode strategy) {

    /** The names flags-admin gives rules: they are groupIds too, hashed like tenant ids, and shown in URLs. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    public static final String MOVED_BACK = "moved-back";
    public static final String PINNED = "pinned";

    public Rule {
        tenants = tenants == null ? null : Collections.unmodifiableSet(new LinkedHashSet<>(tenants));
        unsupported = List.copyOf(unsupported);
        stamp = stamp == null ? new Stamp(null, null, null) : stamp;
    }

    /** What a rule is for, from its shape (docs/flag-model.md, "The kinds of rules"). */
    public enum Kind {
        MOVED_BACK("moved back"),
        PINNED("pinned"),
        LIST("list"),
        WAVE("wave"),
        OTHER("other");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public Kind kind() {
        if (backend == Backend.LEGACY) {
            return deliberate ? Kind.MOVED_BACK : tenants != null && percent == 100 ? Kind.PINNED : Kind.OTHER;
        }
        if (tenants == null) {
            return Kind.WAVE;
        }
        return percent == 100 ? Kind.LIST : Kind.OTHER;
    }

    /** A new list rule: {@code tenantId IN [...]} at 100 %, sending its tenants to {@code backend}. */
    public static Rule list(String name, Backend backend, boolean deliberate, Set<String> tenants, Instant startsAt) {
        return new Rule(
                null, name, backend, deliberate, tenants, 100, name, startsAt, null, true, false, List.of(), null);
    }

    /** A new percentage wave to new, sticky on {@code tenantId}, hashed with {@code groupId}. */
    public static Rule wave(String name, int percent, String groupId, Instant startsAt) {
        return new Rule(
                null, name, Backend.NEW, false, null, percent, groupId, startsAt, null, true, false, List.of(), null);
    }

    /**
     * @throws BadInputException when {@code name} is not one flags-admin can give a rule
     */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new BadInputException("rule name '" + (name == null ? "" : TenantIds.printable(name))
                    + "' (expected: 1-64 characters of [a-z0-9._-], such as pilot or wave-2)");
        }
        return name;
    }

    /** Whether this rule sends {@code tenant} where it says, at {@code now}; evaluated like Unleash does. */
    public boolean matches(String tenant, Instant now) {
        if (disabled || (tenants != null && !tenants.contains(tenant))) {
            return false;
        }
        if (startsAt != null && !now.isAfter(startsAt)) {
            return false; // DATE_AFTER is strict
        }
        if (percent >= 100) {
            return true;
        }
        return percent > 0 && WaveHash.normalized(groupId, tenant) <= percent;
    }

    /** Why it matched, in words, for a tenant it matches. */
    String why(String tenant) {
        String from = startsAt == null ? "" : " (since " + startsAt + ")";
        if (percent < 100) {
            return "hashed to " + WaveHash.normalized(groupId, tenant) + " of 100 in " + name + " (rollout " + percent
                    + " %, groupId " + groupId + ")" + from;
        }
        return switch (kind()) {
            case MOVED_BACK -> "moved back deliberately (rule " + name + ")" + from;
            case PINNED -> "pinned (rule " + name + ")" + from;
            case LIST -> "listed in " + name + from;
            default -> (tenants == null ? "every tenant matches " : "listed in ") + name + from;
        };
    }

    public Rule withTenants(Set<String> next) {
        return new Rule(
                id,
                name,
                backend,
                deliberate,
                next,
                percent,
                groupId,
                startsAt,
                stamp,
                hasPayload,
                disabled,
                unsupported,
                strategy);
    }

    public Rule withPercent(int next) {
        return new Rule(
                id,
                name,
                backend,
                deliberate,
                tenants,
                next,
                groupId,
                startsAt,
                stamp,
                hasPayload,
                disabled,
                unsupported,
                strategy);
    }

    public Rule withGroupId(String next) {
        return new Rule(
                id,
                name,
                backend,
                deliberate,
                tenants,
                percent,
                next,
                startsAt,
                stamp,
                hasPayload,
                disabled,
                unsupported,
                strategy);
    }

    public Rule withStartsAt(Instant next) {
        return new Rule(
                id,
                name,
                backend,
                deliberate,
                tenants,
                percent,
                groupId,
                next,
                stamp,
                hasPayload,
                disabled,
                unsupported,
                strategy);
    }

    /** The rule with its payload saying who changed it, when and why (a payload is added if it had none). */
    public Rule stamped(Stamp next) {
        return new Rule(
                id,
                name,
                backend,
                deliberate,
                tenants,
                percent,
                groupId,
                startsAt,
                next,
                true,
                disabled,
                unsupported,
                strategy);
    }

    /** Whether the two route the same tenants the same way (who stamped them aside). */
    public boolean sameRouting(Rule other) {
        return other != null
                && name.equals(other.name)
                && backend == other.backend
                && deliberate == other.deliberate
                && Objects.equals(tenants, other.tenants)
                && percent == other.percent
                && Objects.equals(groupId, other.groupId)
                && Objects.equals(startsAt, other.startsAt)
                && disabled == other.disabled;
    }

    /** The one-line summary status and plans show: "list, 3 tenants", "wave, 10 % (groupId wave-1)". */
    public String shape() {
        StringBuilder s = new StringBuilder(kind().label());
        if (tenants != null) {
            s.append(", ").append(tenants.size()).append(tenants.size() == 1 ? " tenant" : " tenants");
        }
        if (percent < 100 || tenants == null) {
            s.append(", ").append(percent).append(" %");
            if (percent < 100) {
                s.append(" (groupId ").append(groupId).append(')');
            }
        }
        if (startsAt != null) {
            s.append(", from ").append(startsAt);
        }
        if (disabled) {
            s.append(", disabled");
        }
        return s.toString();
    }
}
